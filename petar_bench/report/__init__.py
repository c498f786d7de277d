"""Per-run visual report and the reader-study kit (blinded packets, ratings, agreement)."""
