"""What a run comes to: the outlay by source and level, the budget headline, the person-by-person
explanation and the text tables people read."""
