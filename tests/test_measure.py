"""measure(): the result record, its JSON, and the exact and sampled paths (docs/method.md §1–§3)."""

import json
import math

import numpy as np
import pytest

from inductive_bias import GaussianProcess, MeasureResult, Task, digits, measure, measure_losses
from inductive_bias._validation import InputError
from inductive_bias.estimators import ExtrapolationWarning


@pytest.fixture(scope="module")
def task():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return Task.from_arrays(X[:60], y[:60], X[60:], y[60:], name="toy")


def test_exact_result_carries_bits_bound_and_description(task):
    space = GaussianProcess("rbf", 2.0)
    law, _ = space.loss_distribution(task)
    eps = [law.mean - 2 * law.std, law.mean - 5 * law.std]
    result = measure(task, space, eps)
    np.testing.assert_allclose(result.bits, law.bits(eps), rtol=1e-12)
    for r in result.results:
        assert r.bits_lower_bound <= r.bits
    assert result.task["name"] == "toy" and result.space["kernel"] == "rbf"
    assert result.diagnostics["jitter"] == pytest.approx(1e-10)
    assert {"kernel", "cholesky", "solve", "eigh", "tail", "total"} <= set(result.timings)


def test_default_targets_are_below_the_mean(task):
    result = measure(task, GaussianProcess("rbf", 2.0))
    assert len(result.results) >= 1
    assert np.all(result.target_errors < result.loss.mean)
    assert np.all(np.diff(result.bits) > 0)


def test_impossible_target_is_infinite_with_a_reason_and_null_in_json(task):
    X_test = np.vstack([task.X_train[:2], task.X_test])
    Y_test = np.vstack([task.Y_train[:2] + 1.0, task.Y_test])  # pinned errors: offset > 0
    pinned = Task(task.X_train, task.Y_train, X_test, Y_test, name="pinned")
    result = measure(pinned, GaussianProcess("rbf", 2.0), [1e-6])
    r = result.results[0]
    assert math.isinf(r.bits) and r.impossible and "no hypothesis reaches it" in r.reason
    data = json.loads(result.to_json())
    assert data["results"][0]["bits"] is None and data["results"][0]["impossible"] is True
    assert data["results"][0]["bits_lower_bound"] is None


def test_json_round_trip(task):
    result = measure(task, GaussianProcess("matern32", "median"), [0.2, 0.1])
    again = MeasureResult.from_json(result.to_json())
    np.testing.assert_array_equal(again.bits, result.bits)
    assert again.space == json.loads(json.dumps(result.space))
    assert [r.bits_lower_bound for r in again.results] == [r.bits_lower_bound for r in result.results]


def test_sampled_estimators_on_a_gp_space(task):
    space = GaussianProcess("rbf", 2.0)
    law, _ = space.loss_distribution(task)
    eps = [law.mean - law.std]
    result = measure(task, space, eps, estimator="empirical", hypotheses=4000, seed=1, n_bootstrap=20)
    p = 2.0 ** -result.results[0].bits
    exact_p = 2.0 ** -float(law.bits(eps)[0])
    assert abs(p - exact_p) < 4 * math.sqrt(exact_p * (1 - exact_p) / 4000)
    lo, hi = result.results[0].interval
    assert lo <= result.results[0].bits <= hi
    again = measure(task, space, eps, estimator="empirical", hypotheses=4000, seed=1, n_bootstrap=20)
    assert again.bits[0] == result.bits[0]


def test_measure_losses_flags_extrapolation():
    rng = np.random.default_rng(2)
    losses = 0.01 * rng.noncentral_chisquare(50, 5, size=300)
    with pytest.warns(ExtrapolationWarning):
        result = measure_losses(losses, [losses.min() * 0.5], estimator="paper", n_bootstrap=20)
    assert "model extrapolation" in result.results[0].reason and result.results[0].extrapolated
    assert result.results[0].samples_below == 0


def test_bad_arguments(task):
    space = GaussianProcess()
    with pytest.raises(InputError, match="target_error"):
        measure(task, space, [0.1, -0.2])
    with pytest.raises(InputError, match="target_error"):
        measure(task, space, [float("nan")])
    with pytest.raises(InputError, match="estimator"):
        measure(task, space, [0.1], estimator="guess")
    with pytest.raises(InputError, match="hypotheses"):
        measure(task, space, [0.1], estimator="paper", hypotheses=0)
    with pytest.raises(InputError, match="task"):
        measure("digits", space, [0.1])


def test_task_construction_checks():
    with pytest.raises(InputError, match="y_train"):
        Task.from_arrays(np.zeros((3, 2)), [0, 1], np.zeros((2, 2)), [0, 1])
    with pytest.raises(InputError, match="X_test"):
        Task.from_arrays(np.zeros((3, 2)), [0, 1, 1], np.zeros((2, 3)), [0, 1])
    with pytest.raises(InputError, match="X_train.*finite"):
        Task.from_arrays([[0.0, np.nan], [1.0, 1.0]], [0, 1], np.zeros((2, 2)), [0, 1])
    with pytest.raises(InputError, match="y_test.*empty"):
        Task.from_arrays(np.zeros((3, 2)), [0, 1, 1], np.zeros((0, 2)), [])
    t = Task.from_arrays(np.zeros((3, 2)), [0.5, 1.5, 2.0], np.zeros((2, 2)), [0.1, 0.2])
    assert t.classes is None and t.Y_train.shape == (3, 1)
    d = digits(100, 50, seed=3)
    assert d.Y_train.shape == (100, 10) and np.all(d.Y_train.sum(axis=1) == 1)


# -- sample-size planning -----------------------------------------------------------------------
def test_members_needed_gives_a_count_interval_of_the_asked_width_and_a_first_member():
    """The planning rule of the direct count (members_needed), checked by drawing what it asks for.

    Losses are draws of a chi-square law (df 10), ε its 20 % quantile (I = log2 5 = 2.32 bits). The
    members asked for a 0.5-bit interval give Clopper–Pearson intervals whose mean width over 8
    samples lies within 15 % of 0.5 bit (the normal approximation behind the rule is good at
    k ~ 700); and a bound's planning asks for the fewest members that give a first member below ε
    with probability >= 95 %: (1 - p)^N <= 0.05 < (1 - p)^(N - 1).
    """
    from scipy import stats

    from inductive_bias.measuring import members_needed

    eps = float(stats.chi2(10).ppf(0.2))
    truth = math.log2(5)
    needed = members_needed("count", truth, width=0.5)
    rng = np.random.default_rng(5)
    widths = []
    for seed in range(8):
        result = measure_losses(rng.chisquare(10, needed), [eps], interval_width=0.5, seed=seed)
        lo, hi = result.results[0].interval
        widths.append(hi - lo)
    assert abs(np.mean(widths) / 0.5 - 1) < 0.15
    first = members_needed("bound", truth)
    assert (1 - 0.2) ** first <= 0.05 < (1 - 0.2) ** (first - 1)


def test_members_needed_in_json_and_table():
    from inductive_bias.reports import format_result

    rng = np.random.default_rng(0)
    result = measure_losses(rng.chisquare(10, 200), [6.0, 5.0, 0.5], interval_width=0.5)
    assert all(r.members_needed is not None and r.members_needed > 0 for r in result.results[:2])
    back = MeasureResult.from_json(result.to_json())
    assert [r.members_needed for r in back.results] == [r.members_needed for r in result.results]
    assert result.fit.interval_width == 0.5
    assert result.kinds == ("count", "count", "bound")
    assert "plan   members needed for a 0.5-bit interval" in format_result(result)
    assert result.results[2].members_needed is None  # a bound says only: more than the 200 there are
    assert "at ε = 0.5: more than 200 (none reached it" in format_result(result)
    with pytest.raises(InputError, match="^interval_width"):
        measure_losses(rng.chisquare(10, 20), [6.0], interval_width=0.0)
