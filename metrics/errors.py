"""Why a metric cannot run here (as opposed to a metric that ran and failed).

The scorer catches `MetricUnavailable` per metric, reports its one-line reason, and keeps
scoring the other metrics: a missing Java runtime must not cost the user their BLEU.
"""

from __future__ import annotations

from petar_bench.errors import UserError


class MetricUnavailable(Exception):
    """A metric's runtime requirement is missing (Java, a jar, a model, a library).

    The message is one line: what is missing and how to get it.
    """

    def __init__(self, metric_id: str, reason: str) -> None:
        super().__init__(f"{metric_id}: {reason}")
        self.metric_id = metric_id
        self.reason = reason


class MetricFailed(UserError):
    """A metric's helper (the METEOR JVM, a judge server) failed even after one restart.

    Not a bug in the inputs and not a missing requirement: the scorer stops, and the command
    says what was kept and how to score again. Printed as one line (exit code 2).
    """

    def __init__(self, metric_id: str, reason: str) -> None:
        super().__init__(f"{metric_id} could not be computed: {reason}")
        self.metric_id = metric_id
        self.reason = reason
