"""Planning the slides: formulas, flags and the audit of printed values, turned into Steps."""
