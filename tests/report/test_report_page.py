"""`petar-bench report`: the folder it writes, escaping, errors, and the page in headless
Chromium (loads, pictures render, sorting and filtering work, nothing fetched from
elsewhere; a screenshot is kept under test-artifacts/report/)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lb_cdp import Browser, chromium_or_skip

from petar_bench.cli import main
from petar_bench.errors import UserError
from petar_bench.report._build import build_report

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "report"
EVIL = '<img src=x onerror="window.__xss=1">Right lung & <b>bold</b>'
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def built(report_runs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of both runs, one prediction made hostile (HTML in the text)."""
    root = tmp_path_factory.mktemp("report")
    hostile = root / "run-hostile"
    shutil.copytree(report_runs[1], hostile)
    lines = (hostile / "predictions.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    lines[0] = json.dumps({"sample_id": first["sample_id"], "prediction": EVIL})
    (hostile / "predictions.jsonl").write_text("\n".join(lines) + "\n")
    result = build_report([report_runs[0], hostile], root / "out")
    assert result.n_samples == 8 and result.n_runs == 2 and result.page.name == "index.html"
    return result.page


def test_report_folder_holds_page_pictures_and_plots(built: Path) -> None:
    out = built.parent
    pictures = sorted((out / "images").glob("*.png"))
    assert len(pictures) == 16 and all(p.read_bytes().startswith(PNG) for p in pictures)
    figures = {p.name for p in (out / "figures").glob("*.png")}
    assert {"distributions.png", "by-tracer.png", "by-size_mm.png", "by-suv_max.png"} <= figures
    page = built.read_text()
    assert "<img src=x" not in page and "<b>bold" not in page
    assert "&lt;img" in page and "onerror=&quot;window.__xss=1&quot;&gt;Right" in page
    assert "http://" not in page and "https://" not in page
    assert "SYNTHETIC DATA" in page


def test_report_refuses_runs_over_other_samples(report_runs: list[Path], tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(report_runs[1], other)
    scores = json.loads((other / "scores.json").read_text())
    scores["sample_ids"] = scores["sample_ids"][::-1]
    (other / "scores.json").write_text(json.dumps(scores))
    with pytest.raises(UserError, match="scores other samples"):
        build_report([report_runs[0], other], tmp_path / "out")


def test_cli_report_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(tmp_path / "missing"), "--output", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "not a run directory" in err and "Traceback" not in err


SHOWN = "[...document.querySelectorAll('article.sample')].filter(a => !a.hidden)"


def _values(browser: Browser, key: str) -> list[float | None]:
    return browser.evaluate(
        f"{SHOWN}.map(a => {{ const v = JSON.parse(a.dataset.values)[{json.dumps(key)}];"
        " return v === undefined ? null : v; })"
    )


def _choose(browser: Browser, select: str, value: str) -> None:
    browser.evaluate(
        f"(() => {{ const s = document.getElementById({json.dumps(select)});"
        f" s.value = {json.dumps(value)}; s.dispatchEvent(new Event('change')); }})()"
    )


def test_report_in_chromium(built: Path, tmp_path: Path) -> None:
    browser = Browser(chromium_or_skip(), tmp_path / "profile", window=(1400, 1200))
    try:
        browser.open(built.as_uri())
        decoded = browser.call(
            "Runtime.evaluate",
            expression="Promise.all([...document.images].map(i => i.decode().then(() => 1, "
            "() => 0))).then(() => [...document.images].map(i => [i.naturalWidth, i.complete]))",
            returnByValue=True,
            awaitPromise=True,
        )
        images = decoded["result"]["value"]
        assert len(images) >= 16 + 4 and all(w > 0 and done for w, done in images), images
        assert browser.evaluate("window.__xss === undefined")
        assert browser.evaluate("document.querySelectorAll('script').length") == 1

        _choose(browser, "sort-key", "0|rouge_l")
        _choose(browser, "sort-order", "asc")
        ascending = _values(browser, "0|rouge_l")
        assert len(ascending) == 8 and ascending == sorted(ascending)
        _choose(browser, "sort-order", "desc")
        descending = _values(browser, "0|rouge_l")
        assert descending == sorted(ascending, reverse=True)
        assert browser.evaluate("document.getElementById('shown').textContent") == "8"
        floor = sorted(ascending)[4]
        browser.evaluate(
            f"(() => {{ const i = document.getElementById('filter-min'); i.value = '{floor}';"
            " i.dispatchEvent(new Event('input')); })()"
        )
        kept = _values(browser, "0|rouge_l")
        assert kept and len(kept) < 8 and all(v >= floor for v in kept)
        browser.evaluate(
            "(() => { const i = document.getElementById('filter-min'); i.value = '';"
            " i.dispatchEvent(new Event('input')); })()"
        )

        _choose(browser, "sort-key", "@region")
        _choose(browser, "sort-order", "asc")
        regions = browser.evaluate(f"{SHOWN}.map(a => a.dataset.region)")
        assert regions == sorted(regions, key=str.lower) and len(set(regions)) > 1

        tracer = browser.evaluate("document.querySelector('article.sample').dataset.tracer")
        _choose(browser, "filter-tracer", tracer)
        tracers = browser.evaluate(f"{SHOWN}.map(a => a.dataset.tracer)")
        assert tracers and set(tracers) == {tracer}
        _choose(browser, "filter-tracer", "")

        shot = browser.screenshot(ARTIFACTS / "report.png")
        assert shot.stat().st_size > 10_000
        # Self-contained: nothing but the page itself and the pictures beside it.
        assert browser.requests and all(
            u.startswith(("file://", "data:")) for u in browser.requests
        )
        folder = built.parent.as_uri()
        assert all(u.startswith(folder) or u.startswith("data:") for u in browser.requests)
    finally:
        browser.close()
