from stepcalc.cli import entry

entry()
