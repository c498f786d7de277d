# ruff: noqa: E501  (the table reads best one row per line)
"""The acceptance table of bad inputs: each row is an input, a command, the exit code and
(part of) the message it must give. Zero tracebacks (the CLI runs in-process, so any
exception other than SystemExit fails the row) and zero silently wrong results (rows that
are accepted check what was produced).

Rows reproduce what fuzzing the CLI found (invalid encodings, deep nesting, wrong file
shapes, damaged run directories and entries, unusable output paths, out-of-range numbers,
NaN PET under a mask, an unsealed manifest, a reference quoted in the metadata).
"""

from __future__ import annotations

import json
import os
import shutil
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from petar_bench.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_ENTRIES = ROOT / "leaderboard" / "entries" / "synthetic-demo"
DEEP = "[" * 5000


@dataclass
class Workspace:
    tmp: Path
    demo: Path  # the demo dataset folder (read-only)
    preds: Path  # valid predictions of 'measure' on the demo test split
    run: Path  # a scored run directory (bleu4, rouge_l)
    reference: str  # the first test reference text

    def file(self, name: str, data: bytes | str) -> Path:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    def preds_lines(self) -> list[bytes]:
        return self.preds.read_bytes().splitlines(keepends=True)

    def run_copy(self, name: str) -> Path:
        target = self.tmp / name
        shutil.copytree(self.run, target)
        return target

    def entry_copy(self, name: str, edit: Callable[[dict[str, Any]], None]) -> Path:
        source = next(p for p in sorted(SHIPPED_ENTRIES.glob("*.json")) if p.name != "board.json")
        data = json.loads(source.read_text(encoding="utf-8"))
        edit(data)
        return self.file(f"{name}/{source.name}", json.dumps(data))

    def dataset_copy(self, name: str, edit: Callable[[dict[str, Any]], None] | None = None) -> Path:
        """The demo with its own manifest; exam folders are links except those edited."""
        target = self.tmp / name
        (target / "volumes").mkdir(parents=True)
        for exam in (self.demo / "volumes").iterdir():
            (target / "volumes" / exam.name).symlink_to(exam)
        manifest = json.loads((self.demo / "manifest.json").read_text(encoding="utf-8"))
        manifest["dataset"] = name  # its own measurement cache
        if edit is not None:
            edit(manifest)
        (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        return target

    def nan_pet_copy(self, name: str) -> Path:
        import nibabel as nib
        import numpy as np

        target = self.dataset_copy(name)
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        record = next(r for r in manifest["records"] if r["split"] == "test")
        exam = target / Path(record["pet_path"]).parent
        exam.unlink()
        shutil.copytree(self.demo / Path(record["pet_path"]).parent, exam)
        pet = nib.load(exam / "pet.nii.gz")
        mask = np.asarray(nib.load(target / record["mask_path"]).dataobj) > 0
        data = np.asarray(pet.dataobj, dtype=np.float32)
        data[mask] = np.nan
        nib.save(nib.Nifti1Image(data, pet.affine), exam / "pet.nii.gz")
        return target


@dataclass(frozen=True)
class Row:
    name: str
    command: Callable[[Workspace], list[str]]
    exit_code: int
    message: str  # must appear in stderr (errors) or stdout (accepted rows)
    check: Callable[[Workspace, str], None] | None = None  # what an accepted row produced


def _same_scores_as_original(output_name: str) -> Callable[[Workspace, str], None]:
    def check(ws: Workspace, _out: str) -> None:
        got = json.loads((ws.tmp / output_name).read_text(encoding="utf-8"))
        want = json.loads((ws.run / "scores.json").read_text(encoding="utf-8"))
        for metric in ("bleu4", "rouge_l"):
            assert got["metrics"][metric]["value"] == want["metrics"][metric]["value"]

    return check


def _submit(ws: Workspace, preds: Path, *extra: str) -> list[str]:
    return ["leaderboard", "submit", str(preds), "--name", "x", "--training-data", "none", *extra]


def _score(path: Path, *extra: str) -> list[str]:
    return ["score", str(path), "--dataset", "demo", "--metrics", "bleu4", *extra]


def _ragged(data: dict[str, Any]) -> None:
    first = next(iter(data["metrics"].values()))
    first["stats"][0] = [*first["stats"][0], 1.0, 2.0]


def _list_block(run: Path) -> None:
    scores = json.loads((run / "scores.json").read_text())
    scores["metrics"]["bleu4"] = [1, 2]
    (run / "scores.json").write_text(json.dumps(scores))


def _ragged_scores(run: Path) -> None:
    scores = json.loads((run / "scores.json").read_text())
    scores["stats"]["bleu4"][0] = [1.0]
    (run / "scores.json").write_text(json.dumps(scores))


def _wider_stats(run: Path) -> None:
    scores = json.loads((run / "scores.json").read_text())
    scores["stats"]["bleu4"] = [[*row, 0.0] for row in scores["stats"]["bleu4"]]
    (run / "scores.json").write_text(json.dumps(scores))


def _with(run: Path, edit: Callable[[Path], None]) -> Path:
    edit(run)
    return run


def _no_fingerprints(manifest: dict[str, Any]) -> None:
    manifest["split_fingerprints"] = {}


ROWS = [
    # ---- item 1: every reader, invalid encodings and absurd nesting
    Row("score: invalid UTF-8", lambda ws: _score(ws.file("u8.jsonl", b'{"sample_id": "\xff"}\n')),
        2, "is not valid UTF-8 (byte 0xff"),
    Row("score: UTF-16", lambda ws: _score(ws.file("u16.jsonl", ws.preds.read_text().encode("utf-16"))),
        2, "UTF-16"),
    Row("score: gzip", lambda ws: _score(ws.file("gz.jsonl", b"\x1f\x8b\x08\x00\x00")), 2, "gzip"),
    Row("score: 5,000 levels of nesting",
        lambda ws: _score(ws.file("deep.jsonl", ws.preds_lines()[0] + DEEP.encode() + b"\n")),
        2, "line 2 is nested more than 64 levels"),
    Row("score: references not UTF-8",
        lambda ws: ["score", str(ws.preds), "--references", str(ws.file("r.jsonl", b"\xff\n")),
                    "--metrics", "bleu4"], 2, "references file"),
    Row("submit: 5,000 levels of nesting",
        lambda ws: _submit(ws, ws.file("sdeep.jsonl", DEEP + "\n")), 2, "JSON array"),
    Row("submit: deep object on a line",
        lambda ws: _submit(ws, ws.file("sdeep2.jsonl", ws.preds_lines()[0] + b'{"a":' * 5000 + b"\n")),
        2, "nested more than 64 levels"),
    Row("data verify: manifest not UTF-8",
        lambda ws: ["data", "verify", str(ws.file("m1/manifest.json", b"\xff").parent)],
        2, "manifest"),
    Row("data verify: manifest nested 5,000 deep",
        lambda ws: ["data", "verify", str(ws.file("m2/manifest.json", '{"a":' * 5000).parent)],
        2, "nested more than 64 levels"),
    Row("data verify: manifest is a list",
        lambda ws: ["data", "verify", str(ws.file("m3/manifest.json", "[]").parent)],
        2, "must be a JSON object"),
    Row("render: one entry file not UTF-8 is listed, the rest render",
        lambda ws: ["leaderboard", "render", "--format", "md", "--entries",
                    str(ws.file("e1/x.json", b'{"entry_id": "\xff"}').parent)],
        0, "not valid UTF-8"),
    Row("show: one entry nested 5,000 deep is listed",
        lambda ws: ["leaderboard", "show", "--entries", str(ws.file("e2/y.json", DEEP).parent)],
        0, "nested more than 64 levels"),
    Row("show: --board with board.json not UTF-8",
        lambda ws: ["leaderboard", "show", "--board",
                    str(ws.file("b1/board.json", b'{"board_id": "\xff"}').parent)],
        2, "board configuration"),
    Row("show: --board with board.json nested deep",
        lambda ws: ["leaderboard", "show", "--board", str(ws.file("b2/board.json", DEEP).parent)],
        2, "nested more than 64 levels"),
    Row("submit: --metadata not UTF-8",
        lambda ws: ["leaderboard", "submit", str(ws.preds), "--metadata",
                    str(ws.file("meta.json", b'{"model": "\xff"}'))], 2, "submission metadata"),
    Row("submit: --training-patients not UTF-8",
        lambda ws: _submit(ws, ws.preds, "--training-patients", str(ws.file("tp.txt", b"p\xff\n"))),
        2, "training patients file"),
    Row("submit: --decoding nested 5,000 deep",
        lambda ws: _submit(ws, ws.preds, "--decoding", '{"a":' * 5000), 2, "--decoding is nested"),
    Row("compare: scores.json not JSON",
        lambda ws: ["compare", str(_with(ws.run_copy("c1"), lambda r: (r / "scores.json").write_text("{"))),
                    str(ws.run)], 2, "scores file"),
    Row("compare: config.json not JSON",
        lambda ws: ["compare", str(_with(ws.run_copy("c2"), lambda r: (r / "config.json").write_bytes(b"\xff"))),
                    str(ws.run)], 2, "run configuration"),
    Row("compare: a metric block that is a list",
        lambda ws: ["compare", str(_with(ws.run_copy("c3"), _list_block)), str(ws.run)],
        2, "is not a valid scores file: metrics.bleu4"),
    # ---- item 2: ragged per-sample statistics
    Row("compare: ragged statistics in scores.json",
        lambda ws: ["compare", str(_with(ws.run_copy("c4"), _ragged_scores)), str(ws.run)],
        2, "ragged"),
    Row("compare: statistics of another width are not compared",
        lambda ws: ["compare", str(_with(ws.run_copy("c5"), _wider_stats)), str(ws.run)],
        0, "not compared bleu4: per-sample statistics have different widths"),
    Row("compare: ragged statistics in an entry",
        lambda ws: ["compare", str(ws.entry_copy("e3", _ragged)), str(ws.run)], 2, "ragged"),
    Row("render: an entry with ragged statistics is listed",
        lambda ws: ["leaderboard", "render", "--format", "md", "--entries",
                    str(ws.entry_copy("e4", _ragged).parent)], 0, "ragged"),
    # ---- item 3: a reference pasted into the metadata, refused before scoring
    Row("submit: a test reference as --training-data",
        lambda ws: ["leaderboard", "submit", str(ws.preds), "--name", "leak",
                    "--training-data", ws.reference], 2, "quotes the evaluation data"),
    Row("submit: a test reference inside --decoding",
        lambda ws: _submit(ws, ws.preds, "--decoding", json.dumps({"p": ws.reference.upper()})),
        2, "quotes the evaluation data"),
    # ---- item 4: adapter options
    Row("run: an option the adapter does not take",
        lambda ws: ["run", "--model", "measure", "-o", "temperature=2", "--limit", "1"],
        2, "model 'measure' has no option 'temperature'"),
    # ---- item 5: unusable output paths
    Row("run: --output-dir is a file",
        lambda ws: ["run", "--model", "measure", "--limit", "1", "--output-dir",
                    str(ws.file("afile", "x"))], 2, "is a file"),
    Row("score: --output in a folder that cannot be made",
        lambda ws: _score(ws.preds, "--output", "/proc/nope/x.json"), 2, "cannot create"),
    Row("score: --output is a folder", lambda ws: _score(ws.preds, "--output", str(ws.tmp)),
        2, "is a folder"),
    Row("data synth: --output is a file",
        lambda ws: ["data", "synth", "--output", str(ws.file("afile2", "x"))], 2, "is a file"),
    # ---- item 6: NaN PET under a mask
    Row("score: NaN PET under a mask (image measurements)",
        lambda ws: ["score", str(ws.preds), "--dataset", str(ws.nan_pet_copy("nan1")),
                    "--metrics", "pet_suvmax_fidelity"], 2, "NaN or inf voxel(s) in the PET"),
    Row("run: NaN PET under a mask (generation)",
        lambda ws: ["run", "--model", "measure", "--dataset", str(ws.nan_pet_copy("nan2")),
                    "--limit", "2", "--no-score", "--output-dir", str(ws.tmp / "nanrun")],
        2, "NaN or inf voxel(s) in the PET"),
    # ---- item 13: numeric options
    Row("compare: --n-trials 0", lambda ws: ["compare", str(ws.run), str(ws.run), "--n-trials", "0"],
        2, "--n-trials must be between 1 and"),
    Row("compare: --n-trials -5", lambda ws: ["compare", str(ws.run), str(ws.run), "--n-trials", "-5"],
        2, "--n-trials must be between 1 and"),
    Row("compare: --seed -5", lambda ws: ["compare", str(ws.run), str(ws.run), "--seed", "-5"],
        2, "--seed must be between 0 and"),
    Row("score: --n-bootstrap 0", lambda ws: _score(ws.preds, "--n-bootstrap", "0"),
        2, "--n-bootstrap must be between 1 and"),
    Row("score: --n-bootstrap -10", lambda ws: _score(ws.preds, "--n-bootstrap", "-10"),
        2, "--n-bootstrap must be between 1 and"),
    Row("score: --seed -1", lambda ws: _score(ws.preds, "--seed", "-1"), 2, "--seed must be"),
    Row("score: --bertscore-layer -1", lambda ws: _score(ws.preds, "--bertscore-layer", "-1"),
        2, "--bertscore-layer must be"),
    Row("run: --seed -1", lambda ws: ["run", "--model", "measure", "--limit", "1", "--seed", "-1"],
        2, "--seed must be"),
    Row("run: --num-workers 100000",
        lambda ws: ["run", "--model", "measure", "--limit", "1", "--num-workers", "100000"],
        2, "--num-workers must be between 0 and"),
    Row("data synth: --seed 2**40",
        lambda ws: ["data", "synth", "--output", str(ws.tmp / "s40"), "--seed", str(2**40)],
        2, "--seed must be between"),
    # ---- item 14: a manifest without split fingerprints
    Row("run: manifest without fingerprints names --seal",
        lambda ws: ["run", "--model", "measure", "--limit", "1", "--metrics", "bleu4",
                    "--dataset", str(ws.dataset_copy("nofp1", _no_fingerprints))], 2, "--seal"),
    Row("data verify: an unsealed manifest fails",
        lambda ws: ["data", "verify", str(ws.dataset_copy("nofp2", _no_fingerprints))],
        1, "is not sealed"),
    Row("data verify --seal: records the fingerprints, then matches",
        lambda ws: ["data", "verify", str(ws.dataset_copy("nofp3", _no_fingerprints)), "--seal"],
        0, "all volumes and fingerprints match",
        lambda ws, _out: _assert_same_fingerprints(ws, ws.tmp / "nofp3")),
    # ---- items 16 and 24: BOM accepted as submit accepts it; wrong file shapes named
    Row("score: UTF-8 BOM is accepted, same scores",
        lambda ws: _score(ws.file("bom.jsonl", b"\xef\xbb\xbf" + ws.preds.read_bytes()),
                          "--metrics", "bleu4,rouge_l", "--output", str(ws.tmp / "bom.json")),
        0, "scores written", _same_scores_as_original("bom.json")),
    Row("score: CRLF is accepted, same scores",
        lambda ws: _score(ws.file("crlf.jsonl", ws.preds.read_bytes().replace(b"\n", b"\r\n")),
                          "--metrics", "bleu4,rouge_l", "--output", str(ws.tmp / "crlf.json")),
        0, "scores written", _same_scores_as_original("crlf.json")),
    Row("submit: --decoding NaN", lambda ws: _submit(ws, ws.preds, "--decoding", '{"t": NaN}'),
        2, "not a JSON number"),
    Row("score: a JSON array", lambda ws: _score(ws.file("arr.jsonl", "[" + ws.preds.read_text()
                                                               .replace("\n", ",").rstrip(",") + "]")),
        2, "holds a JSON array; expected JSONL"),
    Row("score: a CSV table", lambda ws: _score(ws.file("t.csv", "sample_id,prediction\na,b\n")),
        2, "looks like a CSV/TSV table"),
    Row("score: an empty file", lambda ws: _score(ws.file("empty.jsonl", b"")), 2, "is empty"),
    Row("submit: an empty file", lambda ws: _submit(ws, ws.file("sempty.jsonl", b"\n\n")),
        2, "is empty"),
    Row("submit: a JSON array", lambda ws: _submit(ws, ws.file("sarr.jsonl", '[{"sample_id": "a"}]')),
        2, "holds a JSON array"),
    Row("submit: a CSV table", lambda ws: _submit(ws, ws.file("s.csv", "sample_id,prediction\n")),
        2, "looks like a CSV/TSV table"),
    Row("submit: UTF-16", lambda ws: _submit(ws, ws.file("s16.jsonl", ws.preds.read_text().encode("utf-16"))),
        2, "UTF-16"),
    # ---- refused cleanly before this work (kept so they stay that way)
    Row("run: --limit 0", lambda ws: ["run", "--model", "measure", "--limit", "0"], 2,
        "--limit must be at least 1"),
    Row("run: --shard 3/2", lambda ws: ["run", "--model", "measure", "--shard", "3/2"], 2,
        "shard 3/2 is invalid"),
    Row("run: unknown split", lambda ws: ["run", "--model", "measure", "--split", "tset"], 2,
        "unknown or empty split"),
    Row("score: duplicated id",
        lambda ws: _score(ws.file("dup.jsonl", b"".join(ws.preds_lines() + ws.preds_lines()[:1]))),
        2, "duplicated"),
]  # fmt: skip


def _assert_same_fingerprints(ws: Workspace, copy: Path) -> None:
    sealed = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    original = json.loads((ws.demo / "manifest.json").read_text(encoding="utf-8"))
    assert sealed["split_fingerprints"] == original["split_fingerprints"]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def workspace(demo_dataset: Any, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    tmp = tmp_path_factory.mktemp("bad-inputs")
    run = tmp / "run-measure"
    os.environ["CI"] = "true"
    try:
        main(["run", "--model", "measure", "--metrics", "bleu4,rouge_l", "--output-dir", str(run)])
    except SystemExit as exc:
        assert not exc.code, "the measure run that the table starts from failed"
    reference = demo_dataset.manifest.split("test")[0].reference
    return Workspace(tmp, demo_dataset.root, run / "predictions.jsonl", run, reference)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PETAR_BENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.chdir(tmp_path)  # default run directories land here


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
def test_bad_input(row: Row, workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(row.command(workspace), capsys)
    assert "Traceback" not in out + err
    assert code == row.exit_code, f"exit {code}, expected {row.exit_code}; stderr: {err}"
    if code != 0:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), err
        assert row.message in lines[0], lines[0]
    else:
        # A terminal report wraps long lines (tmp paths differ in length between runners).
        assert row.message in " ".join((out + err).split()), out + err
    if row.check is not None:
        row.check(workspace, out)


def test_a_damaged_store_line_never_stops_a_resume(
    workspace: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "resume"
    args = ["run", "--model", "measure", "--no-score", "--limit", "8", "--output-dir", str(run)]
    assert run_cli(args, capsys)[0] == 0
    intact = (run / "predictions.jsonl").read_bytes()
    (store,) = (run / "generations").glob("*.jsonl")
    lines = store.read_bytes().splitlines(keepends=True)
    damaged = [lines[0], DEEP.encode() + b"\n", b"\xff\xfe\n", *lines[1:5]]
    store.write_bytes(b"".join(damaged))
    code, _out, err = run_cli(args, capsys)
    assert code == 0, err
    assert (run / "predictions.jsonl").read_bytes() == intact
    assert intact.splitlines() == workspace.preds.read_bytes().splitlines()[:8]


#: The least each command needs besides the option under test (nothing that does work).
_MINIMAL_ARGS = {
    "run": ["--model", "measure", "--limit", "1"],
    "score": ["predictions.jsonl", "--dataset", "demo"],
    "compare": ["a", "b"],
    "check": ["run", "--baseline", "run"],
    "data synth": [],
    "data import": ["src", "--output", "imported"],
    "data export": ["demo", "--layout", "folders", "--output", "exported"],
    "report": ["run", "--output", "report"],
    "reader-study export": ["run", "--output", "packet"],
    "reader-study correlate": ["ratings.json"],
}


def _int_options() -> list[tuple[str, str]]:
    """(command path, option) for every whole-number option of every command."""
    import typer.main

    from petar_bench.cli import app

    found = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))
        for param in getattr(command, "params", []):
            annotation = param.type_descriptor.annotation  # typer's own option class
            whole = annotation is int or int in typing.get_args(annotation)
            if whole and param.opts[0].startswith("--"):
                found.append((" ".join(path), param.opts[0]))

    walk(typer.main.get_command(app), ())
    return found


def test_the_sweep_covers_every_whole_number_option() -> None:
    assert {path for path, _ in _int_options()} <= set(_MINIMAL_ARGS)
    assert len(_int_options()) >= 10


@pytest.mark.parametrize(("path", "option"), _int_options(), ids=lambda x: str(x))
def test_every_whole_number_option_refuses_minus_one(
    path: str, option: str, workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [*path.split(), *_MINIMAL_ARGS[path], option, "-1"]
    if path == "score":
        args[1] = str(workspace.preds)
    if path == "compare":
        args[1:3] = [str(workspace.run), str(workspace.run)]
    if path == "check":
        args[1], args[3] = str(workspace.run), str(workspace.run)
    if path == "data synth":
        args += ["--output", str(workspace.tmp / "never")]
    if path == "data import":
        args[2], args[4] = str(workspace.demo), str(workspace.tmp / "never-imported")
    if path == "data export":
        args[2], args[6] = str(workspace.demo), str(workspace.tmp / "never-exported")
    if path in ("report", "reader-study export"):
        first = len(path.split())
        args[first], args[first + 2] = str(workspace.run), str(workspace.tmp / "never-written")
    if path == "reader-study correlate":
        args[2] = str(workspace.tmp / "no-ratings.json")
    code, _out, err = run_cli(args, capsys)
    assert code == 2, err
    assert err.startswith("error: ") and option in err, err
