"""Department rosters: reading and merging them (roster) and the bill of who pays for whom (bill)."""
