"""The rendered HTML board in a real (headless Chromium) browser, driven over CDP.

Checks the rows, that clicking a header sorts, that the page makes no request beyond its
own file, that a hostile model name stays text, that no reference text reaches the page,
and saves a screenshot under test-artifacts/leaderboard/. Skipped without Chromium, except
in CI (CI must install it).
"""

from __future__ import annotations

from pathlib import Path

from lb_cdp import Browser, chromium_or_skip
from lb_fixtures import CANARY, EVIL, fill_board

from petar_bench.leaderboard import load_board
from petar_bench.leaderboard.render import render_html
from petar_bench.records import Manifest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "leaderboard"
ROWS = "[...document.querySelectorAll('#board-table tbody tr')]"


def _column(browser: Browser, index: int) -> list[str]:
    return browser.evaluate(f"{ROWS}.map(r => r.cells[{index}].textContent.trim())")


def test_board_page_in_chromium(board: Path, manifest: Manifest, tmp_path: Path) -> None:
    binary = chromium_or_skip()
    fill_board(board, manifest, tmp_path)
    page = tmp_path / "board.html"
    page.write_text(render_html(load_board(board)), encoding="utf-8")
    browser = Browser(binary, tmp_path / "profile")
    try:
        browser.open(page.as_uri())
        names = browser.evaluate(f"{ROWS}.map(r => r.cells[2].textContent)")
        assert sorted(names) == sorted(["good", EVIL, "weak"]) and names[-1] == "weak"
        assert _column(browser, 0) == ["1", "1", "2"]
        # Escaped: the hostile name is text, ran nothing, and added no element.
        assert browser.evaluate("window.__xss === undefined")
        assert browser.evaluate("document.querySelectorAll('script').length") == 1
        assert browser.evaluate("document.querySelectorAll('img').length") == 0
        # No reference text reaches the page, not even after its script has run.
        assert CANARY not in browser.evaluate("document.documentElement.outerHTML")

        browser.click("#board-table th[data-metric='lbtest_dist'] button")
        dist = [float(v.split()[0]) for v in _column(browser, 7)]
        assert dist == sorted(dist)
        assert (
            browser.evaluate(
                "document.querySelector(\"th[data-metric='lbtest_dist']\").getAttribute('aria-sort')"
            )
            == "ascending"
        )
        browser.click("#board-table th[data-metric='lbtest_dist'] button")
        dist = [float(v.split()[0]) for v in _column(browser, 7)]
        assert dist == sorted(dist, reverse=True) and _column(browser, 2)[0] == "weak"
        browser.click("#board-table thead th:nth-child(3) button")  # Model, text sort
        assert _column(browser, 2) == sorted(_column(browser, 2), key=str.lower)

        browser.click("#paper-table th[data-metric='cider'] button")
        cider = [
            float(v)
            for v in browser.evaluate(
                "[...document.querySelectorAll('#paper-table tbody tr')]"
                ".map(r => r.cells[5].textContent)"
            )
        ]
        assert cider == sorted(cider) and len(cider) == 15

        assert browser.evaluate("document.querySelectorAll('svg figure, figure svg').length") == 3
        shot = browser.screenshot(ARTIFACTS / "board.png")
        assert shot.stat().st_size > 10_000
        # Self-contained: the page fetched nothing but itself (no CDN, fonts or images).
        assert browser.requests and all(
            u.startswith(("file://", "data:")) for u in browser.requests
        )
    finally:
        browser.close()


FITS = """(() => {
  const box = document.querySelector('#board .scroll');
  const heads = [...document.querySelectorAll('#board-table thead th')];
  const last = heads[heads.length - 1].getBoundingClientRect();
  return {overflow: box.scrollWidth - box.clientWidth, lastRight: last.right,
          lastText: heads[heads.length - 1].textContent, viewport: window.innerWidth,
          pageOverflow: document.documentElement.scrollWidth - window.innerWidth};
})()"""


def test_shipped_board_fits_1400px_with_a_chart_legend(tmp_path: Path) -> None:
    """The shipped demo board (eight metric columns) fits a 1400 px window: the Holm p
    column is on screen, not scrolled away; the bars' colours and whiskers have a key."""
    binary = chromium_or_skip()
    page = tmp_path / "shipped.html"
    page.write_text(render_html(load_board("synthetic-demo")), encoding="utf-8")
    browser = Browser(binary, tmp_path / "profile", window=(1400, 1000))
    try:
        browser.open(page.as_uri())
        fit = browser.evaluate(FITS)
        assert fit["viewport"] == 1400 and "Holm" in fit["lastText"]
        assert fit["overflow"] <= 0 and fit["pageOverflow"] <= 0, fit
        assert fit["lastRight"] <= fit["viewport"], fit
        legend = browser.evaluate(
            "[...document.querySelectorAll('.legend li')].map(li => li.textContent.trim())"
        )
        groups = browser.evaluate(f"[...new Set({ROWS}.map(r => r.cells[0].textContent))]")
        assert [f"rank group {g}" for g in groups] == legend[: len(groups)]
        assert any("95% CI" in item for item in legend)
        for group in groups:  # each key's colour is the colour of that group's bars
            key, bars = browser.evaluate(
                f"[document.querySelector('.legend li[data-group=\"{group}\"] rect')"
                ".getAttribute('fill'), [...document.querySelectorAll("
                f"'.charts .bar.group-{group} rect')].map(r => r.getAttribute('fill'))]"
            )
            assert bars and set(bars) == {key}
        browser.screenshot(ARTIFACTS / "board-1400.png")
    finally:
        browser.close()
