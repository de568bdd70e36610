"""One road from samples to bits: ``measure()``, the store and the CLI give the same result for
the same members (issue: one pipeline), and the seed is split into independent streams."""

import json
import warnings

import numpy as np
import pytest

from inductive_bias import (GaussianProcess, HypothesisSamples, SampleStore, ScikitLearnSpace, digits, measure,
                            measure_store, sample_into_store)
from inductive_bias.measuring import measure_samples, plan_measurement
from inductive_bias.cli.main import main
from inductive_bias.exceptions import InputError, PointMassWarning
from inductive_bias.store import SpaceKey

ARGS = {"n_train": 120, "n_test": 80, "seed": 5}
CLI_TASK = ["--data", "digits", "--n-train", "120", "--n-test", "80", "--task-seed", "5"]


@pytest.fixture(scope="module")
def task():
    return digits(**ARGS)


def _cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def _comparable(record: dict) -> dict:
    """What must agree between the roads: the figures and the members, not where they came from."""
    d = record["members"]
    return {"estimator": record["estimator"], "results": record["results"],
            "loss": record["loss"],
            "members": {k: d.get(k) for k in ("members", "members_used", "members_fit", "fit_share",
                                              "fit_threshold", "test_losses", "train_losses", "point_mass",
                                              "non_finite_members")}}


@pytest.mark.parametrize("flags, space_args", [
    (["--space", "extra_trees", "--n-estimators", "3"], ("extra_trees", {"n_estimators": 3})),
    (["--space", "knn"], ("knn", {})),
])
def test_measure_store_and_cli_agree_on_the_same_members(tmp_path, capsys, task, flags, space_args):
    model, params = space_args
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PointMassWarning)
        space = ScikitLearnSpace(model, **params)
    # a loss-only estimator: stored predictions are float32, so function-space figures from a
    # store agree with in-memory ones to float32 rounding only
    eps, estimator = [0.05, 0.06], "gchi2-moments"
    direct = measure(task, space, eps, estimator=estimator, hypotheses=6, seed=2, n_bootstrap=20).to_dict()

    path = tmp_path / "s.db"
    run = sample_into_store(task, space, path, 6, seed=2)
    stored = measure_store(path, run.space_id, eps, estimator=estimator, seed=2, n_bootstrap=20).to_dict()

    common = ["--seed", "2", "--bootstrap", "20", "-e", "0.05", "0.06", "--estimator", estimator, "--json"]
    cli = _cli(capsys, "measure", *CLI_TASK, *flags, "--hypotheses", "6", *common)
    cli_stored = _cli(capsys, "measure", *CLI_TASK, *flags, "--store", str(path), *common)
    assert _comparable(direct) == _comparable(stored) == _comparable(cli) == _comparable(cli_stored)
    if model == "knn":
        assert direct["estimator"] == "point-mass" and direct["members"]["point_mass"] is True
    else:
        assert direct["estimator"] == "gchi2-moments" and direct["members"]["members"] == 6


def test_a_single_random_member_is_not_a_point_mass(task):
    """One member of a random space says nothing of its spread: an error, not +inf bits."""
    samples = HypothesisSamples(losses=np.array([0.05]), train_losses=np.array([0.0]))
    with pytest.raises(InputError, match="^hypotheses: a sample-based estimate needs at least 2 members"):
        measure_samples(samples, [0.04], space={"space": "random_forest"}, task=task)


def test_negative_losses_are_refused():
    with pytest.raises(InputError, match="^losses: must be >= 0"):
        measure_samples(HypothesisSamples(losses=np.array([0.1, -0.2, 0.3])))


def test_seed_feeds_sampling_and_bootstrap_from_separate_streams(task):
    """GP hypotheses and the bootstrap no longer draw the same numbers: the estimate from a
    given seed equals the one from the losses drawn with the first child stream, bootstrapped
    with the second."""
    space = GaussianProcess("rbf", "median")
    result = measure(task, space, [0.07], estimator="gchi2-moments", hypotheses=200, seed=11, n_bootstrap=20)
    sampling, bootstrap = np.random.SeedSequence(11).spawn(2)
    losses = space.sample(task, 200, np.random.default_rng(sampling)).losses
    plan = plan_measurement("gchi2-moments", has_exact_law=False, n_bootstrap=20)
    again = measure_samples(HypothesisSamples(losses=losses), [0.07], plan=plan, seed=bootstrap)
    np.testing.assert_array_equal(result.bits, again.bits)
    assert result.results[0].interval == again.results[0].interval
    assert result.fit.seed == 11


def test_store_finds_spaces_and_names_the_nearest(tmp_path, task):
    path = tmp_path / "s.db"
    forest = ScikitLearnSpace("random_forest", n_estimators=2)
    run = sample_into_store(task, forest, path, 2, seed=1)
    with SampleStore(path) as store:
        assert store.find(forest, task, 1).space_id == run.space_id
        assert store.resolve(run.space_id[:6], task).space_id == run.space_id
        with pytest.raises(InputError, match=r"^store: .* holds no space .* the nearest, [0-9a-f]{16}, differs in "
                                             r"space.n_estimators: 2 stored, 3 given"):
            store.find(ScikitLearnSpace("random_forest", n_estimators=3), task, 1)
        with pytest.raises(InputError, match="^task: the task given .* is not the one space"):
            store.resolve(run.space_id, digits(50, 50, seed=0))
    key = SpaceKey.of(forest, task, 1)
    assert key.space_id == run.space_id and key.difference(key) == "no difference"


def test_result_keeps_the_law_and_samples_and_round_trips(task):
    result = measure(task, ScikitLearnSpace("extra_trees", n_estimators=2), [0.06], hypotheses=5, seed=0,
                     n_bootstrap=20)
    assert result.samples is not None and len(result.samples) == 5 and result.law is not None
    again = type(result).from_json(result.to_json())
    assert again.fit == result.fit and again.members == result.members and again.results == result.results
    assert again.to_dict() == result.to_dict()
