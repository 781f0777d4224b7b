"""Brute-force oracles the engine is tested against; they share no code with ``pathwarden``."""
