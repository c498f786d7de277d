"""`petar-bench leaderboard verify`: print each entry's re-check, fail (exit 1) on any mismatch."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.text import Text

from petar_bench.errors import UserError


def verify(
    *,
    board: str | Path | None,
    dataset: str | None,
    extra: Sequence[Path],
    console: Console,
) -> None:
    """Re-score every entry of the board from its stored predictions (see leaderboard.verify)."""
    from petar_bench.leaderboard._config import DEFAULT_BOARD
    from petar_bench.leaderboard._text import safe_text
    from petar_bench.leaderboard.verify import verify_board

    report = verify_board(board or DEFAULT_BOARD, extra=extra, dataset=dataset)
    for check in report.entries:
        verified = [m.metric for m in check.metrics if m.status == "verified"]
        skipped = [
            f"{m.metric} ({m.detail})" for m in check.metrics if m.status == "not re-verified"
        ]
        failures = check.failures()
        head = "FAILED" if failures else "ok"
        lines = [f"{head} {check.label()} ({check.source})"]
        if verified:
            lines.append(f"  verified: {', '.join(verified)}")
        if skipped:
            lines.append(f"  not re-verified: {'; '.join(skipped)}")
        lines += [f"  failed: {problem}" for problem in failures]
        # Entry files are user input: each line is made inert before printing.
        console.print(Text("\n".join(safe_text(line) for line in lines)))
    config = report.config
    where = f"split {config.split} of {report.dataset}"
    bad = [c for c in report.entries if not c.ok]
    if not report.entries:
        console.print(Text(f"no entries on board {config.board_id!r} to verify"))
        return
    if bad:
        first = bad[0]
        raise UserError(
            f"{len(bad)} of {len(report.entries)} entries on board {config.board_id!r} do not "
            f"match a re-scoring against {where}: entry {safe_text(first.label())}: "
            + safe_text("; ".join(first.failures())),
            exit_code=1,
        )
    console.print(
        Text(
            f"all {len(report.entries)} entries of board {config.board_id!r} re-scored "
            f"against {where}: no mismatch"
        )
    )
