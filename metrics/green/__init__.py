"""GREEN: the LLM-judge metric for radiology reports (prompt, parser, backends, metric)."""

from petar_bench.metrics.green._backends import DEFAULT_JUDGE, JudgeBackend, JudgeReply
from petar_bench.metrics.green._metric import COLUMNS, GreenMetric
from petar_bench.metrics.green._parser import JudgeParse, clean_output, parse_judge_output
from petar_bench.metrics.green._prompt import (
    GREEN_VERSION,
    make_prompt,
    render_judge_input,
)

__all__ = [
    "COLUMNS",
    "DEFAULT_JUDGE",
    "GREEN_VERSION",
    "GreenMetric",
    "JudgeBackend",
    "JudgeParse",
    "JudgeReply",
    "clean_output",
    "make_prompt",
    "parse_judge_output",
    "render_judge_input",
]
