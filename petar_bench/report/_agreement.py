"""Rank correlation and inter-reader agreement, written out so every step can be checked.

- `spearman_rho`: Pearson correlation of average ranks (ties share their mean rank).
- `kendall_tau_b`: (concordant - discordant) / sqrt((n0 - n1)(n0 - n2)), ties in either
  variable removed from the denominator as in Kendall (1945).
- `icc2`: ICC(2,1) and ICC(2,k) of Shrout & Fleiss (1979) / McGraw & Wong (1996), "two-way
  random effects, absolute agreement": targets x raters matrix, no missing cells.
- `krippendorff_alpha_ordinal`: Krippendorff's alpha with the ordinal distance metric on a
  raters x units matrix (NaN = not rated), from the coincidence matrix.
- `SpearmanStatistic`: the correlation as a "metric" over per-sample rows (x, y), so the
  project's patient-clustered bootstrap (petar_bench.stats) gives its confidence interval.

Tests compare each against scipy, pingouin and the krippendorff package.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks; tied values get the mean of the ranks they span."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=np.float64)
    sorted_values = values[order]
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2.0 + 1.0
        start = end + 1
    return ranks


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


def spearman_rho(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho; NaN when fewer than 3 pairs or either side is constant."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(x) != len(y):
        raise ValueError(f"{len(x)} x values for {len(y)} y values")
    if len(x) < 3:
        return float("nan")
    return _pearson(average_ranks(x), average_ranks(y))


def kendall_tau_b(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall's tau-b (O(n^2) pairs: reader studies have hundreds of cases, not millions)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(x) != len(y):
        raise ValueError(f"{len(x)} x values for {len(y)} y values")
    if len(x) < 2:
        return float("nan")
    dx = np.sign(x[:, None] - x[None, :])
    dy = np.sign(y[:, None] - y[None, :])
    upper = np.triu_indices(len(x), k=1)
    sx, sy = dx[upper], dy[upper]
    score = float((sx * sy).sum())  # concordant - discordant
    untied_x = float(np.count_nonzero(sx))
    untied_y = float(np.count_nonzero(sy))
    if untied_x == 0 or untied_y == 0:
        return float("nan")
    return score / float(np.sqrt(untied_x * untied_y))


@dataclass(frozen=True)
class ICC:
    """ICC(2,1) and ICC(2,k): two-way random effects, absolute agreement."""

    single: float  # ICC(2,1): one rater's score
    average: float  # ICC(2,k): the mean of k raters' scores
    n_targets: int
    n_raters: int


def icc2(ratings: np.ndarray) -> ICC:
    """ICC(2,1) and ICC(2,k) of a (targets, raters) matrix without missing cells."""
    y = np.asarray(ratings, dtype=np.float64)
    if y.ndim != 2 or np.isnan(y).any():
        raise ValueError("ICC needs a complete (targets, raters) matrix")
    n, k = y.shape
    if n < 2 or k < 2:
        return ICC(float("nan"), float("nan"), n, k)
    grand = y.mean()
    ss_rows = k * float(((y.mean(axis=1) - grand) ** 2).sum())
    ss_cols = n * float(((y.mean(axis=0) - grand) ** 2).sum())
    ss_error = float(((y - grand) ** 2).sum()) - ss_rows - ss_cols
    ms_rows = ss_rows / (n - 1)
    ms_cols = ss_cols / (k - 1)
    ms_error = ss_error / ((n - 1) * (k - 1))
    single_den = ms_rows + (k - 1) * ms_error + k * (ms_cols - ms_error) / n
    average_den = ms_rows + (ms_cols - ms_error) / n
    single = (ms_rows - ms_error) / single_den if single_den else float("nan")
    average = (ms_rows - ms_error) / average_den if average_den else float("nan")
    return ICC(float(single), float(average), n, k)


def krippendorff_alpha_ordinal(reliability: np.ndarray) -> float:
    """Krippendorff's alpha, ordinal metric, of a (raters, units) matrix (NaN = missing).

    Units rated by fewer than two raters are not pairable and are left out. The ordinal
    distance between values c < k is (sum of n_g for g from c to k - (n_c + n_k) / 2)^2,
    n_g being how often value g occurs among pairable values.
    """
    data = np.asarray(reliability, dtype=np.float64)
    values = np.unique(data[~np.isnan(data)])
    if len(values) < 2:
        return float("nan")
    index = {v: i for i, v in enumerate(values)}
    coincidence = np.zeros((len(values), len(values)))
    for unit in data.T:
        present = unit[~np.isnan(unit)]
        m = len(present)
        if m < 2:
            continue
        counts = np.zeros(len(values))
        for value in present:
            counts[index[value]] += 1
        pairs = np.outer(counts, counts) - np.diag(counts)
        coincidence += pairs / (m - 1)
    n_c = coincidence.sum(axis=1)
    total = n_c.sum()
    cumulative = np.concatenate([[0.0], np.cumsum(n_c)])
    i, j = np.meshgrid(np.arange(len(values)), np.arange(len(values)), indexing="ij")
    low, high = np.minimum(i, j), np.maximum(i, j)
    between = cumulative[high + 1] - cumulative[low]
    distance = (between - (n_c[low] + n_c[high]) / 2.0) ** 2
    observed = float((coincidence * distance).sum())
    expected = float((np.outer(n_c, n_c) * distance).sum()) / (total - 1)
    return 1.0 - observed / expected if expected > 0 else float("nan")


class SpearmanStatistic:
    """Spearman's rho over rows (x, y): the shape `clustered_bootstrap_ci` resamples.

    A bootstrap resample repeats rows; repeated rows are ties, which average ranks handle.
    """

    def aggregate(self, stats: np.ndarray) -> float:
        stats = np.asarray(stats, dtype=np.float64)
        return spearman_rho(stats[:, 0], stats[:, 1])
