"""Commands beyond validate/explain register themselves here (run, report, sweep, roster, …)."""
