"""A small closed vocabulary of body regions, organs/structures and laterality words.

Why it exists: reference findings and model outputs name the same place in many ways
("hepatic", "liver", "segment VII"; "osseous", "L3 vertebral body"; "4R", "right lower
paratracheal"). Region/organ/laterality accuracy can only be scored after mapping both sides
onto one closed set of canonical names. This module is that set, as plain data, plus three
lookups. It is neutral: model adapters and metrics may import it (they must never import the
synthetic generator), and the synthetic generator writes only canonical names from here.

Regions (``REGIONS``), by where a reader would file the finding:

- ``Head and neck``   brain, skull base, salivary glands, thyroid, cervical nodes
- ``Thorax``          lungs, pleura, mediastinum, hila, heart, breast, axillae
- ``Abdomen``         liver, spleen, pancreas, adrenals, kidneys, stomach, bowel, retroperitoneum
- ``Pelvis``          bladder, prostate / prostate bed, uterus, iliac, obturator, inguinal nodes
- ``Musculoskeletal`` every bone lesion (vertebrae, ribs, pelvis bones, long bones, skull) and
                      muscle/soft tissue, wherever it lies: the skeleton is one reading section

Organs/structures (``ORGANS``): see the keys of ``ORGAN_SYNONYMS``. A nodal station is always
organ ``Lymph node`` (the station goes in the sub-site), a bone always ``Bone``.

Matching rules (all three lookups): case-insensitive; hyphens, underscores and slashes count as
spaces ("para-aortic" == "para aortic"); whole words only. In free text the EARLIEST mention
wins, and at one position the LONGEST synonym wins ("thoracic spine" -> Musculoskeletal, not
Thorax; "external iliac" -> Lymph node, "iliac crest" -> Bone). A text that names no known
word gives None. Synonyms are deliberately conservative: ambiguous words ("iliac", "lobe",
"cervical", "nodule", "mass") are absent or only present in longer unambiguous phrases.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

REGIONS: tuple[str, ...] = ("Head and neck", "Thorax", "Abdomen", "Pelvis", "Musculoskeletal")

LATERALITIES: tuple[str, ...] = ("left", "right", "midline", "bilateral")

# Canonical organ -> synonyms (lower case; the canonical name itself is always a synonym).
# Entries starting with "re:" are regular expressions (after normalisation, lower case).
ORGAN_SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "Brain": (
        "brain",
        "cerebral",
        "cerebrum",
        "cerebellum",
        "cerebellar",
        "intracranial",
        "frontal lobe",
        "parietal lobe",
        "temporal lobe",
        "occipital lobe",
    ),
    "Pituitary gland": ("pituitary", "sella", "sellar"),
    "Salivary gland": ("salivary", "parotid", "submandibular gland", "sublingual gland"),
    "Thyroid": ("thyroid", "thyroidal"),
    "Lung": (
        "lung",
        "lungs",
        "pulmonary",
        "upper lobe",
        "lower lobe",
        "middle lobe",
        "lingula",
        "lingular",
        "re:[rl]ul",
        "re:rml",
        "re:[rl]ll",
        "perihilar lung",
        "apical segment",
        "parenchymal lung",
    ),
    "Pleura": ("pleura", "pleural"),
    "Breast": ("breast", "breasts", "mammary gland"),
    "Heart": ("heart", "cardiac", "myocardium", "myocardial", "pericardial", "pericardium"),
    "Esophagus": ("esophagus", "esophageal", "oesophagus", "oesophageal", "gastroesophageal"),
    "Lymph node": (
        "lymph node",
        "lymph nodes",
        "node",
        "nodes",
        "nodal",
        "lymphadenopathy",
        "adenopathy",
        "paratracheal",
        "subcarinal",
        "prevascular",
        "aortopulmonary",
        "ap window",
        "retrotracheal",
        "paraesophageal",
        "hilar node",
        "hilar nodes",
        "interlobar",
        "axillary",
        "supraclavicular",
        "infraclavicular",
        "internal mammary",
        "cardiophrenic",
        "retrocrural",
        "para aortic",
        "paraaortic",
        "aortocaval",
        "paracaval",
        "retrocaval",
        "retroperitoneal node",
        "retroperitoneal nodes",
        "celiac node",
        "porta hepatis",
        "portocaval",
        "peripancreatic",
        "mesenteric node",
        "mesenteric nodes",
        "splenic hilar",
        "common iliac",
        "external iliac",
        "internal iliac",
        "obturator",
        "presacral",
        "perirectal",
        "mesorectal",
        "inguinal",
        "submental",
        "jugulodigastric",
        "level ii",
        "level iii",
        "level iv",
        "level ia",
        "level ib",
        "level v",
        "retropharyngeal",
        "mediastinal node",
        "mediastinal nodes",
        "station",
    ),
    "Liver": (
        "liver",
        "hepatic",
        "hepatically",
        "couinaud",
        "caudate lobe",
        "hepatic segment",
        "re:segment (?:i|ii|iii|iva|ivb|iv|v|vi|vii|viii)",
    ),
    "Gallbladder": ("gallbladder", "gall bladder", "cholecystic"),
    "Spleen": ("spleen", "splenic"),
    "Adrenal gland": ("adrenal", "adrenals", "adrenal gland", "suprarenal"),
    "Pancreas": ("pancreas", "pancreatic", "uncinate", "pancreatic head", "pancreatic tail"),
    "Kidney": ("kidney", "kidneys", "renal", "upper pole", "lower pole", "interpolar"),
    "Stomach": ("stomach", "gastric"),
    "Bowel": (
        "bowel",
        "colon",
        "colonic",
        "duodenum",
        "duodenal",
        "jejunum",
        "jejunal",
        "ileum",
        "ileal",
        "cecum",
        "caecum",
        "cecal",
        "sigmoid",
        "rectum",
        "rectal",
        "intestine",
        "intestinal",
    ),
    "Peritoneum": ("peritoneum", "peritoneal", "omentum", "omental", "mesentery"),
    "Bladder": ("bladder", "urinary bladder", "vesical"),
    "Prostate": (
        "prostate",
        "prostatic",
        "prostate bed",
        "prostatectomy bed",
        "seminal vesicle",
        "seminal vesicles",
    ),
    "Uterus": ("uterus", "uterine", "cervix", "endometrium", "endometrial"),
    "Ovary": ("ovary", "ovaries", "ovarian", "adnexa", "adnexal"),
    "Bone": (
        "bone",
        "bones",
        "bony",
        "osseous",
        "skeletal",
        "skeleton",
        "marrow",
        "bone marrow",
        "vertebra",
        "vertebrae",
        "vertebral",
        "vertebral body",
        "spine",
        "spinal",
        "cervical spine",
        "thoracic spine",
        "lumbar spine",
        "re:[ctl]\\d{1,2}",
        "re:[ctl]\\d{1,2} vertebra(?:l body)?",
        "sacrum",
        "sacral",
        "coccyx",
        "rib",
        "ribs",
        "costal",
        "sternum",
        "sternal",
        "manubrium",
        "scapula",
        "scapular",
        "clavicle",
        "clavicular",
        "humerus",
        "humeral",
        "femur",
        "femoral head",
        "femoral neck",
        "proximal femur",
        "iliac crest",
        "iliac wing",
        "iliac bone",
        "ilium",
        "ischium",
        "ischial",
        "ischial tuberosity",
        "pubic",
        "pubis",
        "pubic ramus",
        "pubic rami",
        "acetabulum",
        "acetabular",
        "skull",
        "calvarium",
        "calvarial",
        "pelvic bone",
        "pelvic bones",
        "sacroiliac",
        "pedicle",
        "lamina",
        "transverse process",
        "spinous process",
    ),
    "Soft tissue": (
        "soft tissue",
        "muscle",
        "muscular",
        "intramuscular",
        "subcutaneous",
        "cutaneous",
        "skin",
    ),
}

ORGANS: tuple[str, ...] = tuple(ORGAN_SYNONYMS)

# Region -> synonyms: region words proper, then organ/site words that place a finding.
REGION_SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "Head and neck": (
        "head and neck",
        "head & neck",
        "re:head(?! of)",
        "re:neck(?! of)",
        "h&n",
        "brain",
        "cerebral",
        "cerebellum",
        "intracranial",
        "skull base",
        "parotid",
        "salivary",
        "submandibular",
        "thyroid",
        "tonsil",
        "tonsillar",
        "nasopharynx",
        "oropharynx",
        "larynx",
        "pituitary",
        "cervical node",
        "cervical nodes",
        "cervical lymph node",
        "cervical lymph nodes",
        "level ii",
        "level iii",
        "level iv",
        "submental",
        "retropharyngeal",
        "supraclavicular",
    ),
    "Thorax": (
        "thorax",
        "thoracic",
        "chest",
        "intrathoracic",
        "lung",
        "lungs",
        "pulmonary",
        "pleura",
        "pleural",
        "mediastinum",
        "mediastinal",
        "hilum",
        "hilar",
        "heart",
        "cardiac",
        "breast",
        "axilla",
        "axillary",
        "esophagus",
        "esophageal",
        "paratracheal",
        "subcarinal",
        "prevascular",
        "aortopulmonary",
        "internal mammary",
        "upper lobe",
        "lower lobe",
        "middle lobe",
        "lingula",
        "re:[rl]ul",
        "re:rml",
        "re:[rl]ll",
        "cardiophrenic",
        "retrocrural",
    ),
    "Abdomen": (
        "abdomen",
        "abdominal",
        "abdominopelvic",
        "upper abdomen",
        "liver",
        "hepatic",
        "spleen",
        "splenic",
        "pancreas",
        "pancreatic",
        "adrenal",
        "adrenals",
        "kidney",
        "kidneys",
        "renal",
        "stomach",
        "gastric",
        "bowel",
        "colon",
        "duodenum",
        "retroperitoneum",
        "retroperitoneal",
        "para aortic",
        "paraaortic",
        "aortocaval",
        "paracaval",
        "retrocaval",
        "celiac",
        "mesenteric",
        "porta hepatis",
        "peritoneal",
        "gallbladder",
        "peripancreatic",
    ),
    "Pelvis": (
        "pelvis",
        "pelvic",
        "lower pelvis",
        "bladder",
        "prostate",
        "prostatic",
        "prostate bed",
        "seminal vesicle",
        "uterus",
        "uterine",
        "cervix",
        "ovary",
        "ovarian",
        "adnexal",
        "rectum",
        "rectal",
        "sigmoid",
        "common iliac",
        "external iliac",
        "internal iliac",
        "obturator",
        "presacral",
        "perirectal",
        "mesorectal",
        "inguinal",
        "groin",
    ),
    "Musculoskeletal": (
        "musculoskeletal",
        "msk",
        "skeletal",
        "skeleton",
        "bone",
        "bones",
        "bony",
        "osseous",
        "marrow",
        "vertebra",
        "vertebrae",
        "vertebral",
        "spine",
        "spinal",
        "cervical spine",
        "thoracic spine",
        "lumbar spine",
        "re:[ctl]\\d{1,2}",
        "sacrum",
        "sacral",
        "rib",
        "ribs",
        "sternum",
        "sternal",
        "manubrium",
        "scapula",
        "clavicle",
        "humerus",
        "humeral",
        "femur",
        "femoral head",
        "femoral neck",
        "humeral head",
        "iliac crest",
        "iliac wing",
        "iliac bone",
        "ilium",
        "ischium",
        "ischial",
        "pubic",
        "acetabulum",
        "acetabular",
        "skull",
        "calvarium",
        "pelvic bone",
        "pelvic bones",
        "sacroiliac",
        "muscle",
        "soft tissue",
    ),
}

# Laterality -> words (after normalisation). IASLC station codes ("4R", "10L") and lobe
# abbreviations ("RUL", "LLL") carry a side, so they are laterality words too.
LATERALITY_SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "right": ("right", "rt", "re:\\d{1,2}r", "re:r(?:ul|ml|ll)", "dextral"),
    "left": ("left", "lt", "re:\\d{1,2}l", "re:l(?:ul|ll)", "lingula", "lingular", "sinistral"),
    "midline": ("midline", "median plane"),
    "bilateral": (
        "bilateral",
        "bilaterally",
        "both sides",
        "both lungs",
        "both kidneys",
        "both adrenals",
        "left and right",
        "right and left",
    ),
}

# Organs that come in pairs (or have a side), where laterality is meaningful to score.
PAIRED_ORGANS: frozenset[str] = frozenset(
    {"Lung", "Pleura", "Breast", "Kidney", "Adrenal gland", "Salivary gland", "Ovary"}
)


def normalize(text: str) -> str:
    """Lower case; hyphens, underscores and slashes as spaces; one space between words."""
    text = re.sub(r"[-_/]", " ", text.lower())
    return re.sub(r"\s+", " ", text).strip()


def _fragment(synonym: str) -> str:
    if synonym.startswith("re:"):
        return synonym[3:]
    return re.escape(normalize(synonym))


@cache
def _compiled(table_id: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    table = _TABLES[table_id]
    compiled = []
    for canonical, synonyms in table.items():
        words = [canonical, *synonyms] if table_id != "laterality" else list(synonyms)
        # Longest first, so a regex alternation prefers the longest synonym at one position.
        fragments = sorted({_fragment(w) for w in words}, key=len, reverse=True)
        pattern = re.compile(r"(?<![a-z0-9])(?:" + "|".join(fragments) + r")(?![a-z0-9])")
        compiled.append((canonical, pattern))
    return tuple(compiled)


_TABLES: dict[str, Mapping[str, tuple[str, ...]]] = {
    "organ": ORGAN_SYNONYMS,
    "region": REGION_SYNONYMS,
    "laterality": LATERALITY_SYNONYMS,
}


def _lookup(table_id: str, text: str | None) -> str | None:
    """Canonical name of the earliest mention; at one position the longest mention wins."""
    if not text:
        return None
    norm = normalize(text)
    best: tuple[int, int, int] | None = None
    best_name: str | None = None
    for order, (canonical, pattern) in enumerate(_compiled(table_id)):
        match = pattern.search(norm)
        if match is None:
            continue
        key = (match.start(), -(match.end() - match.start()), order)
        if best is None or key < best:
            best, best_name = key, canonical
    return best_name


def canonical_region(text: str | None) -> str | None:
    """The canonical region (one of ``REGIONS``) that a text names first, or None."""
    return _lookup("region", text)


def canonical_organ(text: str | None) -> str | None:
    """The canonical organ/structure (one of ``ORGANS``) that a text names first, or None."""
    return _lookup("organ", text)


def find_laterality(text: str | None) -> str | None:
    """'left', 'right', 'midline' or 'bilateral' as the text states it, or None.

    A bilateral word anywhere wins (a text that says "bilateral" means both sides even if it
    later names one); otherwise the earliest side word wins.
    """
    if not text:
        return None
    norm = normalize(text)
    for canonical, pattern in _compiled("laterality"):
        if canonical == "bilateral" and pattern.search(norm):
            return "bilateral"
    return _lookup("laterality", text)


__all__ = [
    "LATERALITIES",
    "LATERALITY_SYNONYMS",
    "ORGANS",
    "ORGAN_SYNONYMS",
    "PAIRED_ORGANS",
    "REGIONS",
    "REGION_SYNONYMS",
    "canonical_organ",
    "canonical_region",
    "find_laterality",
    "normalize",
]
