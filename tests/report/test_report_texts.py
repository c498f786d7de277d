"""Word differences (escaped), number masking and clinical-field agreement."""

from __future__ import annotations

import re

from petar_bench.records import LesionRecord, StructuredFinding
from petar_bench.report._texts import field_agreement, mask_all_numbers, word_diff


def test_word_diff_marks_changed_words_and_escapes_everything() -> None:
    ref, pred = word_diff("Right hilar node <b>", "Left hilar node <script>x</script>")
    assert '<del class="diff">Right</del>' in ref and '<ins class="diff">Left</ins>' in pred
    assert "<script>" not in pred and "&lt;script&gt;" in pred
    assert "&lt;b&gt;" in ref and "hilar node" in ref and "hilar node" in pred
    same_ref, same_pred = word_diff("a b", "a b")
    assert "diff" not in same_ref + same_pred


def test_every_number_is_masked() -> None:
    text = "SUVmax 7.3, slice 112, 1.4 x 1.1 cm, T12 vertebra, 3 nodes, age 64"
    masked = mask_all_numbers(text)
    assert not re.search(r"\d", masked)
    assert masked.startswith("SUVmax [#], slice [#], [#] x [#] cm, T[#] vertebra, [#] nodes")


def test_field_agreement_reads_fields_like_the_metrics() -> None:
    record = LesionRecord(
        sample_id="s",
        patient_id="p",
        exam_id="e",
        lesion_id="l",
        tracer="FDG",
        split="test",
        pet_path="a",
        ct_path="b",
        mask_path="c",
        reference="Region: Thorax\nSUVmax: 7.3\nSlice: 112\nFindings: Right lung nodule.",
        fields=StructuredFinding(region="Thorax", laterality="right", suv_max=7.3, slice=112),
    )
    fields = {
        f.field: f for f in field_agreement(record, "Left lung nodule, SUVmax 7.35, slice 112.")
    }
    assert fields["laterality"].agrees is False
    assert fields["suv_max"].agrees is True and fields["slice"].agrees is True
    assert fields["region"].reference == "Thorax"
