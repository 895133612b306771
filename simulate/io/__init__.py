"""Reading users' files safely: the one text decoder, safe YAML, capped regular-file reads and
workbook guards, ID numbers (GB 11643), the leak scan, and population rows from CSV, Parquet
or xlsx."""
