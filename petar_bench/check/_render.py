"""The four faces of a `CheckResult`: a terminal table, JSON, JUnit XML, GitHub annotations."""

from __future__ import annotations

from xml.etree import ElementTree

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from petar_bench.check._core import ChangedSample, CheckResult, MetricCheck
from petar_bench.errors import UserError

FORMATS: tuple[str, ...] = ("text", "json", "junit", "github")


def _num(x: float | None, signed: bool = False) -> str:
    if x is None:
        return "n/a"
    return f"{x:+.4f}" if signed else f"{x:.4f}"


def _delta(m: MetricCheck) -> str:
    if m.delta is None:
        return "n/a"
    low, high = m.delta_ci95
    ci = "n/a" if low is None or high is None else f"[{low:+.3f}, {high:+.3f}]"
    return f"{m.delta:+.4f} {ci}"


def _p(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def summary_line(result: CheckResult) -> str:
    """One line: the verdict and the metrics that regressed."""
    if result.passed:
        return f"check passed: no regression in {len(result.metrics)} metric(s)"
    names = ", ".join(m.metric for m in result.regressions)
    return f"check FAILED: regression in {names}"


def _rule(result: CheckResult) -> str:
    if result.tolerance == "auto":
        return (
            f"regression = one-sided paired test (whole {result.unit}s permuted, "
            f"{result.n_trials} trials) significant at alpha {result.alpha:g} after Holm over "
            f"{len(result.metrics)} metric(s) AND a drop larger than one {result.unit}-bootstrap "
            "SE of the paired difference"
        )
    return f"regression = a drop larger than {result.tolerance:g} in the metric's own units"


def _table(result: CheckResult) -> Table:
    table = Table(
        title=Text(
            f"run {result.run}  vs  baseline {result.baseline}  (n = {result.n}, "
            f"{result.n_clusters} {result.unit} clusters)"
        )
    )
    table.add_column("metric", no_wrap=True)
    for header in ("baseline", "now", "delta [95% CI]", "p (Holm)", "verdict"):
        table.add_column(header, justify="right", no_wrap=header != "delta [95% CI]")
    for m in result.metrics:
        style = "bold red" if m.verdict == "regression" else "green"
        table.add_row(
            m.metric + ("" if m.higher_is_better else " (lower is better)"),
            _num(m.baseline),
            _num(m.now),
            _delta(m),
            _p(m.p_holm),
            Text(m.verdict, style=style),
        )
    return table


def _most_changed(result: CheckResult, limit: int) -> list[tuple[ChangedSample, list[str]]]:
    """Samples that changed most across the regressed metrics, taken round-robin from each
    metric's own list, each with its per-metric 'before -> after' lines."""
    lists = [m.changed for m in result.regressions]
    picked: dict[str, tuple[ChangedSample, list[str]]] = {}
    for rank in range(max((len(x) for x in lists), default=0)):
        for changed in lists:
            if rank < len(changed) and len(picked) < limit:
                picked.setdefault(changed[rank].sample_id, (changed[rank], []))
    for m in result.regressions:
        for s in m.changed:
            if s.sample_id in picked:
                picked[s.sample_id][1].append(
                    f"{m.metric} {s.baseline_score:.4f} -> {s.now_score:.4f}"
                )
    return list(picked.values())


def _sample_block(sample: ChangedSample, drops: list[str]) -> RenderableType:
    lines = Text()
    who = f" (patient {sample.patient_id})" if sample.patient_id else ""
    lines.append(f"{sample.sample_id}{who}: {'; '.join(drops)}\n", style="bold")
    for label, text in (
        ("reference", sample.reference),
        ("baseline ", sample.baseline_prediction),
        ("now      ", sample.now_prediction),
    ):
        shown = "(not available)" if text is None else " ".join(text.split())
        lines.append(f"  {label}: {shown}\n")
    return lines


def text_report(result: CheckResult) -> Group:
    """The terminal report, as one renderable (the commands print it)."""
    parts: list[RenderableType] = []
    if result.synthetic:
        parts.append(
            Text("SYNTHETIC DATA: a check on the generated demo split.", style="bold yellow")
        )
    parts.append(_table(result))
    parts += [Text(f"{m.metric}: {m.reason}", style="red") for m in result.regressions]
    limit = max((len(m.changed) for m in result.metrics), default=0)
    samples = _most_changed(result, limit)
    if samples:
        parts.append(Text("Samples that changed most:", style="bold"))
        parts.append(Group(*(_sample_block(s, drops) for s, drops in samples)))
    parts.append(Text(_rule(result), style="dim"))
    parts += [Text(f"note: {note}", style="dim") for note in result.notes]
    parts.append(Text(summary_line(result), style="bold green" if result.passed else "bold red"))
    return Group(*parts)


def render_json(result: CheckResult) -> str:
    return result.model_dump_json(indent=1) + "\n"


def _failure_text(m: MetricCheck) -> str:
    lines = [
        f"{m.metric}: baseline {_num(m.baseline)}, now {_num(m.now)}, delta {_delta(m)}, "
        f"p (Holm) {_p(m.p_holm)}",
        m.reason,
    ]
    for s in m.changed:
        lines += [
            f"{s.sample_id}: {s.baseline_score:.4f} -> {s.now_score:.4f}",
            f"  reference: {s.reference if s.reference is not None else '(not available)'}",
            f"  baseline:  {s.baseline_prediction}",
            f"  now:       {s.now_prediction}",
        ]
    return "\n".join(lines)


def render_junit(result: CheckResult) -> str:
    """JUnit XML: one test case per metric; a regression is a <failure>."""
    failures = len(result.regressions)
    suites = ElementTree.Element(
        "testsuites", name="petar-bench check", tests=str(len(result.metrics)),
        failures=str(failures),
    )  # fmt: skip
    suite = ElementTree.SubElement(
        suites, "testsuite", name="petar-bench check", tests=str(len(result.metrics)),
        failures=str(failures), errors="0", skipped="0",
    )  # fmt: skip
    properties = ElementTree.SubElement(suite, "properties")
    for name, value in (
        ("run", result.run),
        ("baseline", result.baseline),
        ("split_fingerprint", result.split_fingerprint),
        ("rule", _rule(result)),
        *(("note", note) for note in result.notes),
    ):
        ElementTree.SubElement(properties, "property", name=name, value=value)
    for m in result.metrics:
        case = ElementTree.SubElement(
            suite, "testcase", classname="petar_bench.check", name=m.metric
        )
        if m.verdict == "regression":
            failure = ElementTree.SubElement(case, "failure", message=m.reason, type="regression")
            failure.text = _failure_text(m)
        else:
            out = ElementTree.SubElement(case, "system-out")
            out.text = f"{m.reason}; baseline {_num(m.baseline)}, now {_num(m.now)}"
    ElementTree.indent(suites)
    body = ElementTree.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _escape_data(text: str) -> str:
    """GitHub workflow-command escaping of the message part."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: CheckResult) -> str:
    """GitHub Actions workflow commands: an ::error per regression, a ::notice otherwise."""
    lines = []
    for m in result.metrics:
        head = (
            f"baseline {_num(m.baseline)}, now {_num(m.now)}, delta {_delta(m)}, "
            f"p (Holm) {_p(m.p_holm)}: {m.reason}"
        )
        if m.verdict == "regression":
            title = _escape_property(f"petar-bench check: {m.metric} regressed")
            body = _failure_text(m)
            lines.append(f"::error title={title}::{_escape_data(head + chr(10) + body)}")
        else:
            title = _escape_property(f"petar-bench check: {m.metric} ok")
            lines.append(f"::notice title={title}::{_escape_data(head)}")
    title = _escape_property("petar-bench check")
    lines += [f"::warning title={title}::{_escape_data(note)}" for note in result.notes]
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def render(result: CheckResult, fmt: str) -> str | Group:
    """The report in `fmt`: text for json, junit and github; a renderable for 'text'."""
    if fmt == "text":
        return text_report(result)
    if fmt == "json":
        return render_json(result)
    if fmt == "junit":
        return render_junit(result)
    if fmt == "github":
        return render_github(result)
    raise UserError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
