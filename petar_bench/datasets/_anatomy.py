"""Tissue labels and named anatomical parts of the synthetic phantom (static tables).

A phantom is two label volumes on the native grid:

- ``labels`` (uint8, a `Tissue`): what the voxel is made of; it sets CT HU and tracer uptake;
- ``parts`` (uint16, an index into `PARTS`): which named structure a voxel belongs to (lung
  lobe, liver segment, vertebra, rib, ...). Lesions at organ sites are placed inside a part,
  and the part supplies the canonical organ, sub-site, laterality and region of the finding.

Part ids are static (the same in every phantom) so that tests and sites can name them.
Organ and region names come from `petar_bench.vocabulary`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Tissue(IntEnum):
    AIR = 0  # outside the body
    FAT = 1
    MUSCLE = 2  # muscle and generic soft tissue
    LUNG = 3
    BLOOD = 4  # cardiac chambers and great vessels
    MYOCARDIUM = 5
    LIVER = 6
    SPLEEN = 7
    KIDNEY = 8
    URINE = 9  # renal collecting system
    BLADDER = 10
    ADRENAL = 11
    PANCREAS = 12
    STOMACH = 13
    BOWEL = 14
    CORTEX = 15  # cortical bone
    MARROW = 16  # cancellous bone with red marrow
    BONE = 17  # thin bones at 4 mm: cortex and marrow mixed in one voxel
    GREY = 18
    WHITE = 19
    CEREBELLUM = 20
    CSF = 21  # spinal canal, ventricles, vitreous
    THYROID = 22
    PAROTID = 23
    SUBMANDIBULAR = 24
    LACRIMAL = 25
    PITUITARY = 26
    PROSTATE = 27
    AIRWAY = 28  # air inside the body: trachea, bronchi, bowel gas


N_TISSUES = len(Tissue)


@dataclass(frozen=True)
class Part:
    """A named structure: where a lesion can sit, and how a report names that place."""

    key: str
    organ: str  # canonical, from vocabulary.ORGANS
    sub_site: str
    laterality: str | None  # left / right / midline / None
    region: str  # canonical, from vocabulary.REGIONS


# (level name, first w, last w) in body-frame cm below the vertex: 7 cervical levels over
# 10 cm, 12 thoracic over 28 cm, 5 lumbar over 18 cm (T1 = lung
# apex, T12 = coeliac trunk, L1 = renal hila, L4 = iliac crests).
def _levels() -> tuple[tuple[str, float, float], ...]:
    out = []
    for prefix, count, start, length in (
        ("C", 7, 17.0, 10.0),
        ("T", 12, 27.0, 28.0),
        ("L", 5, 55.0, 18.0),
    ):
        step = length / count
        for n in range(count):
            out.append((f"{prefix}{n + 1}", start + n * step, start + (n + 1) * step))
    return tuple(out)


VERTEBRAL_LEVELS = _levels()
_ORDINALS = ("1st", "2nd", "3rd") + tuple(f"{n}th" for n in range(4, 13))
_SIDES = (("r", "Right", "right"), ("l", "Left", "left"))


def _part_table() -> tuple[Part, ...]:
    parts: list[Part] = []
    for key, sub, side in (
        ("lung_rul", "Right upper lobe", "right"),
        ("lung_rml", "Right middle lobe", "right"),
        ("lung_rll", "Right lower lobe", "right"),
        ("lung_lul", "Left upper lobe", "left"),
        ("lung_lingula", "Lingula", "left"),
        ("lung_lll", "Left lower lobe", "left"),
    ):
        parts.append(Part(key, "Lung", sub, side, "Thorax"))
    for seg in ("I", "II", "III", "IVa", "IVb", "V", "VI", "VII", "VIII"):
        parts.append(Part(f"liver_{seg}", "Liver", f"Segment {seg}", None, "Abdomen"))
    parts.append(Part("spleen", "Spleen", "Spleen", None, "Abdomen"))
    for code, cap, side in _SIDES:
        parts.append(Part(f"kidney_{code}", "Kidney", f"{cap} kidney", side, "Abdomen"))
        parts.append(
            Part(f"adrenal_{code}", "Adrenal gland", f"{cap} adrenal gland", side, "Abdomen")
        )
        parts.append(
            Part(f"thyroid_{code}", "Thyroid", f"{cap} thyroid lobe", side, "Head and neck")
        )
    for key, sub in (
        ("pancreas_head", "Pancreatic head"),
        ("pancreas_uncinate", "Uncinate process"),
        ("pancreas_body", "Pancreatic body"),
        ("pancreas_tail", "Pancreatic tail"),
    ):
        parts.append(Part(key, "Pancreas", sub, None, "Abdomen"))
    parts.append(Part("prostate", "Prostate", "Prostate gland", "midline", "Pelvis"))
    for name, _, _ in VERTEBRAL_LEVELS:
        parts.append(
            Part(f"vertebra_{name}", "Bone", f"{name} vertebral body", "midline", "Musculoskeletal")
        )
    parts.append(Part("sacrum", "Bone", "Sacrum", "midline", "Musculoskeletal"))
    parts.append(Part("sternum", "Bone", "Sternum", "midline", "Musculoskeletal"))
    parts.append(Part("calvarium", "Bone", "Calvarium", None, "Musculoskeletal"))
    for code, cap, side in _SIDES:
        for n in range(1, 13):
            parts.append(
                Part(
                    f"rib_{code}{n}",
                    "Bone",
                    f"{cap} {_ORDINALS[n - 1]} rib",
                    side,
                    "Musculoskeletal",
                )
            )
        for key, name in (
            ("clavicle", "clavicle"),
            ("scapula", "scapula"),
            ("ilium", "ilium"),
            ("acetabulum", "acetabulum"),
            ("femur", "proximal femur"),
            ("pubis", "superior pubic ramus"),
            ("ischium", "ischium"),
        ):
            parts.append(Part(f"{key}_{code}", "Bone", f"{cap} {name}", side, "Musculoskeletal"))
    return tuple(parts)


PARTS: tuple[Part, ...] = _part_table()
PART_ID: dict[str, int] = {p.key: i + 1 for i, p in enumerate(PARTS)}  # 0 = no part
