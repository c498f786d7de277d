"""Leaderboard: submissions, ranking and boards (imported as ``petar_bench.leaderboard``)."""
