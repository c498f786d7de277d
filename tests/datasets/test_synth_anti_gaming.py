"""Anti-gaming checks on the demo: what a model can get without reading the image.

* A region guesser that sees only the lesion's raw axial slice index (1-nearest neighbour
  fitted on the train split) must do no better than the majority class plus 10 points on
  the test split; otherwise a slice number in the prompt or the volume's layout gives the
  region away.
* A constant finding must score below every image-reading baseline on every board metric
  (checked on the shipped, verified demo board entries).
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np

from petar_bench.leaderboard._config import SHIPPED_DIR, load_board_config

MARGIN = 0.10
#: Baselines whose findings come from the image (measure reads it; retrieval picks the
#: training finding nearest in image measurements).
IMAGE_READING = ("measure", "retrieval")


def slice_guesser_accuracy(train: list[tuple[int, str]], test: list[tuple[int, str]]) -> float:
    """Accuracy on `test` of a 1-nearest-neighbour region guess from the slice index alone;
    ties between equally near train slices go to the most frequent region among them."""
    slices = np.array([s for s, _ in train], dtype=float)
    regions = [r for _, r in train]
    hits = 0
    for index, truth in test:
        distance = np.abs(slices - index)
        nearest = Counter(regions[i] for i in np.flatnonzero(distance == distance.min()))
        hits += nearest.most_common(1)[0][0] == truth
    return hits / len(test)


def _pairs(manifest, split: str) -> list[tuple[int, str]]:
    return [
        (int(r.fields.slice), str(r.fields.region))
        for r in manifest.split(split)
        if r.fields.slice is not None and r.fields.region
    ]


def test_slice_guesser_helper_is_a_real_nearest_neighbour() -> None:
    train = [(10, "Thorax"), (12, "Thorax"), (50, "Pelvis"), (52, "Pelvis")]
    assert slice_guesser_accuracy(train, [(11, "Thorax"), (49, "Pelvis")]) == 1.0
    assert slice_guesser_accuracy(train, [(11, "Pelvis"), (49, "Thorax")]) == 0.0


def test_slice_index_does_not_reveal_the_region(demo_dataset) -> None:
    manifest = demo_dataset.manifest
    train, test = _pairs(manifest, "train"), _pairs(manifest, "test")
    assert len(test) >= 40
    majority = Counter(r for _, r in test).most_common(1)[0][1] / len(test)
    accuracy = slice_guesser_accuracy(train, test)
    assert accuracy <= majority + MARGIN, (accuracy, majority)


def _entries(board_dir) -> dict[str, dict]:
    found = {}
    for path in board_dir.glob("*.json"):
        data = json.loads(path.read_text())
        if path.name != "board.json" and data.get("kind") == "baseline":
            found[data["model"]["name"]] = data
    return found


def test_constant_scores_below_every_image_reading_baseline() -> None:
    config = load_board_config("synthetic-demo")
    entries = _entries(SHIPPED_DIR / "synthetic-demo")
    constant = entries["constant"]
    compared = 0
    for model in IMAGE_READING:
        other = entries[model]
        for metric in config.scored_metrics:
            if metric not in constant["metrics"] or metric not in other["metrics"]:
                continue
            c, o = constant["metrics"][metric], other["metrics"][metric]
            worse = c["value"] < o["value"] if o["higher_is_better"] else c["value"] > o["value"]
            assert worse, (model, metric, c["value"], o["value"])
            compared += 1
    # every required metric and the three strict field accuracies, for both baselines
    assert compared >= 2 * (len(config.required_metrics) + 3)
