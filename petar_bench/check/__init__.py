"""`petar-bench check`: a CI regression guard built on the paired, patient-level statistics of
`petar_bench.stats` (see `core` for the rule and `baseline` for the baseline file)."""

from petar_bench.check._baseline import (
    BASELINE_SCHEMA_VERSION,
    BaselineMetric,
    CheckBaseline,
    baseline_from_run,
    load_side,
    read_baseline,
    write_baseline,
)
from petar_bench.check._core import (
    ChangedSample,
    CheckResult,
    MetricCheck,
    check_run,
    evaluate,
)

__all__ = [
    "BASELINE_SCHEMA_VERSION",
    "BaselineMetric",
    "ChangedSample",
    "CheckBaseline",
    "CheckResult",
    "MetricCheck",
    "baseline_from_run",
    "check_run",
    "evaluate",
    "load_side",
    "read_baseline",
    "write_baseline",
]
