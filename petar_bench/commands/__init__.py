"""Command glue: the only code (with cli.py) that talks to a console. One module per command."""
