"""Loading a board: its configuration, its entries (shipped + the user's) and the paper table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from petar_bench.errors import UserError
from petar_bench.leaderboard._config import (
    BOARD_FILE,
    DEFAULT_BOARD,
    BoardConfig,
    board_dir,
    load_board_config,
    user_boards_dir,
)
from petar_bench.leaderboard._entry import BoardEntry, read_entry
from petar_bench.leaderboard._paper import ReportedTable, load_paper_table
from petar_bench.leaderboard._rank import Excluded, RankedBoard, rank_board
from petar_bench.leaderboard._rank_cache import CACHE_FILE, RankCache, user_cache_file


@dataclass(frozen=True)
class BoardView:
    """Everything a renderer shows: the ranked board and, in its own section, the paper's rows."""

    ranked: RankedBoard
    paper: ReportedTable | None
    folders: tuple[Path, ...]

    @property
    def config(self) -> BoardConfig:
        return self.ranked.config


def entry_folders(board: str | Path, extra: Sequence[Path] = ()) -> list[Path]:
    """The board's own folder, the user's folder for this board id, then any extra folders."""
    own = board_dir(board)
    config = load_board_config(board)
    folders = [own, user_boards_dir() / config.board_id, *map(Path, extra)]
    unique: list[Path] = []
    for folder in folders:
        if folder.is_dir() and folder.resolve() not in [u.resolve() for u in unique]:
            unique.append(folder)
    return unique


def load_entries(folders: Sequence[Path]) -> tuple[list[BoardEntry], list[Path], list[Excluded]]:
    """Every `*.json` except board.json; an unreadable file is listed, not fatal.

    The same entry id in two folders (e.g. shipped and a user's copy) is kept once.
    """
    entries: list[BoardEntry] = []
    sources: list[Path] = []
    broken: list[Excluded] = []
    seen: set[str] = set()
    for folder in folders:
        for path in sorted(folder.glob("*.json")):
            if path.name in (BOARD_FILE, CACHE_FILE):
                continue
            try:
                entry = read_entry(path)
            except UserError as exc:
                broken.append(Excluded(str(path), str(exc)))
                continue
            if entry.entry_id not in seen:
                seen.add(entry.entry_id)
                entries.append(entry)
                sources.append(path)
    return entries, sources, broken


def load_board(board: str | Path = DEFAULT_BOARD, extra_folders: Sequence[Path] = ()) -> BoardView:
    """Read, check and rank a board.

    Paired tests and re-aggregation checks come from the board's rank cache when the same
    entries were ranked before (see `rank_cache`); new results go to the user's cache.
    """
    config = load_board_config(board)
    folders = entry_folders(board, extra_folders)
    entries, sources, broken = load_entries(folders)
    own_cache = user_cache_file(config.board_id)
    cache = RankCache.from_files([*(f / CACHE_FILE for f in folders), own_cache])
    ranked = rank_board(config, entries, sources=sources, cache=cache)
    cache.save(own_cache)
    if broken:
        ranked = RankedBoard(
            config=ranked.config,
            rows=ranked.rows,
            excluded=ranked.excluded + broken,
            signatures=ranked.signatures,
            metrics=ranked.metrics,
            not_computed=ranked.not_computed,
        )
    paper = load_paper_table() if config.show_paper_table else None
    return BoardView(ranked=ranked, paper=paper, folders=tuple(folders))
