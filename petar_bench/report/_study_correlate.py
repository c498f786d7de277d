"""`petar-bench reader-study correlate`: metrics against physicians, laid out like the
PETAR paper's Table 4 (Spearman rho of each metric with the physicians' scores) and Table 5
(mean +- SD per axis and system, pairwise preference), plus inter-reader agreement.

- Physician score of a case: the mean over its readers of the chosen axis (default: the
  mean of the three axes). Only model cases enter Table 4 (the reference has no metric).
- Metric value of a case: the metric's own per-sample value in that run's scores.json.
- rho's 95% CI: the project's patient-clustered percentile bootstrap (petar_bench.stats).
- Agreement per axis: ICC(2,1) and ICC(2,k) over the cases every reader rated; ordinal
  Krippendorff's alpha over all ratings (missing allowed).
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from petar_bench.errors import UserError
from petar_bench.report._agreement import (
    SpearmanStatistic,
    icc2,
    kendall_tau_b,
    krippendorff_alpha_ordinal,
    spearman_rho,
)
from petar_bench.report._study import AXES, AXIS_TITLES, REFERENCE_SYSTEM
from petar_bench.report._study_ratings import StudyRatings

SCORE_AXES = (*AXES, "mean")


@dataclass(frozen=True)
class MetricCorrelation:
    metric_id: str
    rho: float
    ci95: tuple[float, float]
    tau_b: float
    n_cases: int
    n_patients: int


@dataclass(frozen=True)
class AxisSummary:
    system: str
    axis: str
    mean: float
    sd: float
    n_ratings: int
    n_cases: int


@dataclass(frozen=True)
class Agreement:
    axis: str
    icc_single: float
    icc_average: float
    icc_cases: int
    n_raters: int
    alpha: float


@dataclass(frozen=True)
class PreferenceCount:
    first: str
    second: str
    first_wins: int
    ties: int
    second_wins: int


@dataclass(frozen=True)
class CorrelateResult:
    axis: str
    correlations: list[MetricCorrelation]
    summaries: list[AxisSummary]
    agreement: list[Agreement]
    preferences: list[PreferenceCount]
    n_raters: int
    synthetic: bool


def _case_scores(ratings: StudyRatings, axis: str) -> dict[str, float]:
    """case id -> mean over its readers of `axis`."""
    sums: dict[str, list[float]] = {}
    for r in ratings.ratings:
        sums.setdefault(r.case_id, []).append(r.axis(axis))
    return {case: float(np.mean(values)) for case, values in sums.items()}


def _metric_values(ratings: StudyRatings) -> dict[str, dict[tuple[str, str], float]]:
    """metric id -> (system, sample id) -> per-sample value, from each run's scores."""
    from petar_bench.report._runs import load_run

    out: dict[str, dict[tuple[str, str], float]] = {}
    for run in ratings.key.runs:
        config, scores, _ = load_run(Path(run.run_dir))
        if config.run_key != run.run_key:
            raise UserError(
                f"{run.run_dir!r} now holds run {config.run_key}, not run {run.run_key} that "
                f"the packet showed as {run.label!r}; point the key at the original run"
            )
        for metric_id in scores.metrics:
            values = scores.per_sample.get(metric_id) or []
            for sample_id, value in zip(scores.sample_ids, values, strict=False):
                if value is not None and np.isfinite(value):
                    out.setdefault(metric_id, {})[(run.label, sample_id)] = float(value)
    return out


def correlations(
    ratings: StudyRatings, axis: str, n_bootstrap: int, seed: int
) -> list[MetricCorrelation]:
    from petar_bench.stats import clustered_bootstrap_ci

    scores = _case_scores(ratings, axis)
    out = []
    for metric_id, values in _metric_values(ratings).items():
        rows, patients = [], []
        for case in ratings.key.cases:
            found = values.get((case.system, case.sample_id))
            if case.kind == "model" and found is not None and case.case_id in scores:
                rows.append((found, scores[case.case_id]))
                patients.append(case.patient_id)
        if len(rows) < 3:
            continue
        data = np.asarray(rows, dtype=np.float64)
        ci = clustered_bootstrap_ci(SpearmanStatistic(), data, patients, n=n_bootstrap, seed=seed)
        out.append(
            MetricCorrelation(
                metric_id,
                spearman_rho(data[:, 0], data[:, 1]),
                (ci.low, ci.high),
                kendall_tau_b(data[:, 0], data[:, 1]),
                len(rows),
                len(set(patients)),
            )
        )
    return sorted(out, key=lambda c: -c.rho if np.isfinite(c.rho) else np.inf)


def summaries(ratings: StudyRatings) -> list[AxisSummary]:
    system = {c.case_id: c.system for c in ratings.key.cases}
    out = []
    for name in sorted({system[r.case_id] for r in ratings.ratings}):
        mine = [r for r in ratings.ratings if system[r.case_id] == name]
        for axis in AXES:
            values = np.array([r.axis(axis) for r in mine])
            sd = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
            n_cases = len({r.case_id for r in mine})
            out.append(AxisSummary(name, axis, float(values.mean()), sd, len(values), n_cases))
    return out


def agreement(ratings: StudyRatings) -> list[Agreement]:
    raters = sorted({r.rater for r in ratings.ratings})
    cases = sorted({r.case_id for r in ratings.ratings})
    rater_index = {r: i for i, r in enumerate(raters)}
    case_index = {c: i for i, c in enumerate(cases)}
    out = []
    for axis in AXES:
        matrix = np.full((len(raters), len(cases)), np.nan)
        for r in ratings.ratings:
            matrix[rater_index[r.rater], case_index[r.case_id]] = r.axis(axis)
        complete = matrix[:, ~np.isnan(matrix).any(axis=0)]
        icc = icc2(complete.T) if complete.shape[1] else None
        out.append(
            Agreement(
                axis,
                icc.single if icc else float("nan"),
                icc.average if icc else float("nan"),
                complete.shape[1],
                len(raters),
                krippendorff_alpha_ordinal(matrix),
            )
        )
    return out


def preferences(ratings: StudyRatings) -> list[PreferenceCount]:
    system = {c.case_id: c.system for c in ratings.key.cases}
    pairs = {p.pair_id: p for p in ratings.key.pairs}
    counts: Counter[tuple[str, str, str]] = Counter()
    for vote in ratings.preferences:
        pair = pairs[vote.pair_id]
        a, b = system[pair.a], system[pair.b]
        first, second = sorted((a, b), key=lambda s: (s == REFERENCE_SYSTEM, s))
        if vote.choice == "tie":
            counts[(first, second, "tie")] += 1
        else:
            winner = a if vote.choice == "A" else b
            counts[(first, second, "first" if winner == first else "second")] += 1
    keys = sorted({(f, s) for f, s, _ in counts})
    return [
        PreferenceCount(
            f, s, counts[(f, s, "first")], counts[(f, s, "tie")], counts[(f, s, "second")]
        )
        for f, s in keys
    ]


def correlate(
    ratings: StudyRatings, *, axis: str = "mean", n_bootstrap: int = 1000, seed: int = 12345
) -> CorrelateResult:
    if axis not in SCORE_AXES:
        raise UserError(f"--axis {axis!r} is not one of {', '.join(SCORE_AXES)}")
    if not ratings.ratings:
        raise UserError("the ratings file holds no case ratings (only preferences)")
    return CorrelateResult(
        axis,
        correlations(ratings, axis, n_bootstrap, seed),
        summaries(ratings),
        agreement(ratings),
        preferences(ratings),
        len({r.rater for r in ratings.ratings}),
        ratings.key.synthetic,
    )


# ---- layout: terminal, Markdown, HTML -----------------------------------------------------


def _f(value: float, digits: int = 3) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.{digits}f}"


def tables(result: CorrelateResult) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of every table, shared by all three layouts."""
    axis_title = AXIS_TITLES.get(result.axis, "mean of the three axes")
    table4 = (
        f"Table 4 layout: Spearman rho of each metric with the physicians' scores "
        f"({axis_title}; {result.n_raters} readers)",
        ["metric", "Spearman rho", "95% CI (patient bootstrap)", "Kendall tau-b", "cases"],
        [
            [
                c.metric_id,
                _f(c.rho),
                f"[{_f(c.ci95[0])}, {_f(c.ci95[1])}]",
                _f(c.tau_b),
                str(c.n_cases),
            ]
            for c in result.correlations
        ],
    )
    systems = sorted({s.system for s in result.summaries})
    by = {(s.system, s.axis): s for s in result.summaries}
    table5 = (
        "Table 5 layout: reader scores, 1-5, mean +- SD",
        ["axis", *[f"{s} (n={by[(s, AXES[0])].n_cases})" for s in systems]],
        [
            [
                AXIS_TITLES[a],
                *[f"{_f(by[(s, a)].mean, 1)} +- {_f(by[(s, a)].sd, 1)}" for s in systems],
            ]
            for a in AXES
        ],
    )
    agree = (
        "Inter-reader agreement (two-way random, absolute agreement; ordinal alpha)",
        ["axis", "ICC(2,1)", "ICC(2,k)", "cases rated by all", "readers", "Krippendorff alpha"],
        [
            [
                AXIS_TITLES[g.axis],
                _f(g.icc_single),
                _f(g.icc_average),
                str(g.icc_cases),
                str(g.n_raters),
                _f(g.alpha),
            ]
            for g in result.agreement
        ],
    )
    prefs = (
        "Pairwise preference (reader votes)",
        ["pair", "first preferred", "tie", "second preferred"],
        [
            [f"{p.first} vs {p.second}", str(p.first_wins), str(p.ties), str(p.second_wins)]
            for p in result.preferences
        ],
    )
    return [table4, table5, agree, prefs]


def markdown(result: CorrelateResult) -> str:
    lines = ["# Reader study", ""]
    if result.synthetic:
        lines += ["**Synthetic data**: not comparable to real results.", ""]
    for title, header, rows in tables(result):
        lines += [f"## {title}", "", "| " + " | ".join(header) + " |"]
        lines.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines)


def html_section(result: CorrelateResult) -> str:
    """A section for the HTML report (every cell escaped)."""
    parts = ['<section id="reader-study"><h2>Reader study</h2>']
    for index, (title, header, rows) in enumerate(tables(result)):
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        parts.append(
            f'<h3>{html.escape(title)}</h3><table id="reader-table-{index}">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    return "".join(parts) + "</section>"
