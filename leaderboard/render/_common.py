"""What every board renderer shares: labels, number formats and the fixed wording."""

from __future__ import annotations

from petar_bench.leaderboard._entry import BoardEntry, BoardMetricScore
from petar_bench.leaderboard._rank import RankedRow

METRIC_LABELS = {
    "bleu1": "BLEU-1",
    "bleu2": "BLEU-2",
    "bleu3": "BLEU-3",
    "bleu4": "BLEU-4",
    "rouge_l": "ROUGE-L",
    "meteor": "METEOR",
    "cider": "CIDEr",
    "bertscore": "BERTScore",
    "green": "GREEN",
    "pet_region_acc": "Region acc.",
    "pet_organ_acc": "Organ acc.",
    "pet_laterality_acc": "Laterality acc.",
    "pet_region_acc_strict": "Region acc. (strict)",
    "pet_organ_acc_strict": "Organ acc. (strict)",
    "pet_laterality_acc_strict": "Laterality acc. (strict)",
    "rouge_l_masked": "ROUGE-L (numbers masked)",
}

SYNTHETIC_NOTE = (
    "SYNTHETIC DATA: these entries were scored on the generated demo split (phantoms, not "
    "patients). They exercise the pipeline; they say nothing about real PET/CT performance."
)
PAPER_NOTE = "Reported in the paper, not re-scored"
GROUP_NOTE = (
    "Rank group: entries not significantly different from the group's top entry on the "
    "primary metric (paired approximate randomization over whole patients, Holm-corrected)."
)


def metric_label(metric_id: str) -> str:
    return METRIC_LABELS.get(metric_id, metric_id)


def fmt_value(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"


def fmt_ci(score: BoardMetricScore) -> str:
    if score.ci95 is None:
        return ""
    return f"[{fmt_value(score.ci95[0])}, {fmt_value(score.ci95[1])}]"


def fmt_p(p: float | None) -> str:
    if p is None:
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def group_note(row: RankedRow, alpha: float) -> str:
    """How the row got its group, in words (tops of lower groups name who beat them)."""
    if row.compared_with is None:
        return "top of the board"
    if row.p_adjusted is not None and row.p_adjusted < alpha:
        return f"below {row.compared_with} (p_holm {fmt_p(row.p_adjusted)})"
    return f"tied with {row.compared_with} (p_holm {fmt_p(row.p_adjusted)})"


def training_text(entry: BoardEntry) -> str:
    t = entry.training
    parts = [t.description]
    if t.datasets:
        parts.append("datasets: " + ", ".join(f"{d.dataset}/{d.split}" for d in t.datasets))
    if t.n_patients:
        parts.append(f"{t.n_patients} patient ids (sha256 {t.patient_ids_sha256})")
    return "; ".join(parts)


def decoding_text(entry: BoardEntry) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(entry.model.decoding.items()))
