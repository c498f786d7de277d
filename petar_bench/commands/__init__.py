"""The command layer: what each CLI command does, between its options and the library.

The only code that takes a console. `petar_bench.cli` declares the options and calls one
function here; the functions call the library (engine, metrics, leaderboard, datasets).
"""
