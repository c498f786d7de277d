"""Command glue: each module parses what a command needs and calls one library function."""
