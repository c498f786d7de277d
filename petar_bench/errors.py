"""The one exception type that the CLI prints as a single line, without a traceback."""

from __future__ import annotations


class UserError(Exception):
    """A mistake the user can fix: bad input, missing files, unknown names.

    The message is one line that says what was wrong and what to do. The CLI prints
    it as ``error: <message>`` and exits with ``exit_code``.
    """

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def did_you_mean(name: str, choices: list[str]) -> str:
    """A ' (did you mean X?)' suffix for an unknown name, or '' when nothing is close."""
    import difflib

    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""
