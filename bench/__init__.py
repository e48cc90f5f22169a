"""Benchmarks, run by hand: `python -m bench.turns --help`. Not part of the installed package."""
