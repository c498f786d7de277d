"""The reader-study statistics against independent implementations (scipy, pingouin,
krippendorff), on random data with ties and on degenerate inputs."""

from __future__ import annotations

import numpy as np
import pytest

from petar_bench.report._agreement import (
    SpearmanStatistic,
    icc2,
    kendall_tau_b,
    krippendorff_alpha_ordinal,
    spearman_rho,
)
from petar_bench.stats import clustered_bootstrap_ci


@pytest.mark.parametrize("seed", range(6))
def test_rank_correlations_match_scipy(seed: int) -> None:
    from scipy import stats

    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, size=40).astype(float)  # many ties, like 1-5 ratings
    y = x + rng.normal(0, 1.5, size=40)
    y[:5] = y[5]  # ties on the other side too
    assert spearman_rho(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert kendall_tau_b(x, y) == pytest.approx(
        stats.kendalltau(x, y, variant="b").statistic, abs=1e-12
    )


def test_rank_correlations_degenerate() -> None:
    assert np.isnan(spearman_rho([1, 2], [2, 1]))
    assert np.isnan(spearman_rho([1, 1, 1], [1, 2, 3]))
    assert np.isnan(kendall_tau_b([3, 3, 3], [1, 2, 3]))
    assert spearman_rho([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert kendall_tau_b([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)


@pytest.mark.parametrize("seed", range(4))
def test_icc_matches_pingouin(seed: int) -> None:
    import pandas as pd
    import pingouin

    rng = np.random.default_rng(seed)
    truth = rng.normal(3, 1, size=25)
    bias = np.array([0, 0.3, -0.2, 0.5])
    ratings = np.clip(np.rint(truth[:, None] + rng.normal(0, 0.8, (25, 4)) + bias), 1, 5)
    long = pd.DataFrame(
        [(t, r, ratings[t, r]) for t in range(25) for r in range(4)],
        columns=["target", "rater", "score"],
    )
    table = pingouin.intraclass_corr(long, targets="target", raters="rater", ratings="score")
    found = dict(zip(table["Type"], table["ICC"], strict=True))
    # pingouin < 0.6 names them ICC2 / ICC2k, later versions ICC(A,1) / ICC(A,k).
    single = found.get("ICC2", found.get("ICC(A,1)"))
    average = found.get("ICC2k", found.get("ICC(A,k)"))
    ours = icc2(ratings)
    assert ours.single == pytest.approx(single, abs=1e-10)
    assert ours.average == pytest.approx(average, abs=1e-10)
    assert (ours.n_targets, ours.n_raters) == (25, 4)


def test_icc_refuses_missing_cells_and_is_nan_when_too_small() -> None:
    with pytest.raises(ValueError):
        icc2(np.array([[1.0, np.nan], [2.0, 3.0]]))
    assert np.isnan(icc2(np.array([[1.0, 2.0]])).single)


@pytest.mark.parametrize("seed", range(4))
def test_krippendorff_ordinal_matches_the_package(seed: int) -> None:
    import krippendorff

    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, size=30)
    data = np.clip(truth[None, :] + rng.integers(-1, 2, size=(4, 30)), 1, 5).astype(float)
    data[rng.random(data.shape) < 0.15] = np.nan  # missing ratings
    data[1:, 0] = np.nan  # a unit only one rater rated: not pairable
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal")
    assert krippendorff_alpha_ordinal(data) == pytest.approx(expected, abs=1e-10)


def test_krippendorff_published_example() -> None:
    """Krippendorff (2011), 'Computing Krippendorff's alpha-reliability', the 4-observer
    example with missing values: ordinal alpha 0.815."""
    nan = np.nan
    data = np.array(
        [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
            [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
        ]
    )
    assert krippendorff_alpha_ordinal(data) == pytest.approx(0.815, abs=5e-4)
    assert np.isnan(krippendorff_alpha_ordinal(np.ones((3, 4))))


def test_spearman_bootstrap_ci_resamples_patients() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    rows = np.column_stack([x, x + rng.normal(0, 0.5, 60)])
    patients = [f"p{i // 3}" for i in range(60)]
    ci = clustered_bootstrap_ci(SpearmanStatistic(), rows, patients, n=200, seed=1)
    assert ci.unit == "patient" and ci.n_clusters == 20
    assert ci.low < ci.value < ci.high and ci.value == pytest.approx(spearman_rho(*rows.T))
