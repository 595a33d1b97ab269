"""The mathematics: activations and losses (numpy + sympy, derivatives from sympy.diff)."""
