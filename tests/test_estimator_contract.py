"""The estimator contract: every estimator name, on every public road, gives the figures, intervals,
kinds and chosen method of calling the estimator directly on the same members.

Roads: ``measure``, ``measure_losses``, ``measure_store``, ``Experiment.run``, the CLI's ``measure``
(trained now, and from a store) and ``experiment --json``. A check that only an internal call
passes proves nothing (issue: the estimator was decided in four places, and "sampled" meant
another estimator on the roads users take than in the benchmark that chose it).
"""

import json
import math
import warnings

import numpy as np
import pytest

from inductive_bias import Experiment, ScikitLearnSpace, digits, measure, measure_losses, measure_store
from inductive_bias._random import split_seed
from inductive_bias.cli.main import main
from inductive_bias.estimators import ESTIMATOR_NAMES, estimate_bits, get_estimator
from inductive_bias.exceptions import ExtrapolationWarning
from inductive_bias.store import SampleStore, sample_into_store

N, SEED, BOOT = 40, 3, 20
TASK = {"n_train": 100, "n_test": 100, "seed": 1}
CLI_TASK = ["--data", "digits", "--n-train", "100", "--n-test", "100", "--task-seed", "1"]
SPACE = ["--space", "decision_tree"]


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    """The members every road trains (run seed SEED), their losses and predictions, and the ε: two
    inside the sample and one below it."""
    task = digits(**TASK)
    path = tmp_path_factory.mktemp("contract") / "members.db"
    run = sample_into_store(task, ScikitLearnSpace("decision_tree"), path, N, SEED, predictions=True)
    with SampleStore(path) as store:
        samples = store.samples(run.space_id, predictions=True)
    losses = samples.losses
    eps = [float(np.quantile(losses, 0.5)), float(np.quantile(losses, 0.15)), float(losses.min()) * 0.9]
    return {"task": task, "path": path, "space_id": run.space_id, "losses": losses,
            "predictions": samples.predictions, "eps": [float(f"{e:.6g}") for e in eps]}


def _direct(members, name) -> dict:
    """The estimator called directly on the members, with the bootstrap stream every road uses."""
    est = estimate_bits(members["losses"], members["eps"], name, n_bootstrap=BOOT, seed=split_seed(SEED)[1],
                        predictions=members["predictions"] if get_estimator(name).uses_predictions else None,
                        targets=members["task"].Y_test)
    return {"estimator": est.estimator, "kinds": list(est.kinds), "bits": [float(b) for b in est.bits],
            "intervals": [[float(v) for v in row] for row in est.interval], "rejection": est.rejection}


def _of_result(record: dict) -> dict:
    """The same fields from a result's JSON (``MeasureResult.to_dict``)."""
    inf = {None: math.inf}
    return {"estimator": record["estimator"], "kinds": [r["kind"] for r in record["results"]],
            "bits": [float(r["bits"]) for r in record["results"]],
            "intervals": [[float(inf.get(v, v)) for v in r["interval"]] for r in record["results"]],
            "rejection": (record.get("fit") or {}).get("rejection")}


def _cli(capsys, *argv) -> dict:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def _experiment(members, name) -> str:
    eps = ", ".join(repr(e) for e in members["eps"])
    return f"""
[task]
data = "digits"
n_train = {TASK['n_train']}
n_test = {TASK['n_test']}
seed = {TASK['seed']}
[measure]
target_error = [{eps}]
hypotheses = {N}
seed = {SEED}
bootstrap = {BOOT}
estimator = "{name}"
[[space]]
name = "tree"
space = "decision_tree"
"""


@pytest.mark.parametrize("name", ESTIMATOR_NAMES)
def test_every_road_gives_what_the_estimator_gives(tmp_path, capsys, members, name):
    want = _direct(members, name)
    eps, task = members["eps"], members["task"]
    common = ["-e", *map(str, eps), "--estimator", name, "--seed", str(SEED), "--bootstrap", str(BOOT), "--json"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExtrapolationWarning)
        roads = {
            "measure": measure(task, ScikitLearnSpace("decision_tree"), eps, estimator=name, hypotheses=N,
                               seed=SEED, n_bootstrap=BOOT).to_dict(),
            "measure_store": measure_store(members["path"], members["space_id"], eps, estimator=name, seed=SEED,
                                           n_bootstrap=BOOT, task=task).to_dict(),
            "cli measure": _cli(capsys, "measure", *CLI_TASK, *SPACE, "--hypotheses", str(N), *common),
        }
        if not get_estimator(name).uses_predictions:  # losses alone, and a store read without the task
            roads["measure_losses"] = measure_losses(members["losses"], eps, estimator=name, seed=SEED,
                                                     n_bootstrap=BOOT).to_dict()
        roads["cli measure --store"] = _cli(capsys, "measure", *CLI_TASK, *SPACE, "--store", str(members["path"]),
                                            *common)
        experiment = Experiment.from_toml(_experiment(members, name)).run(":memory:", progress=False)
        roads["Experiment"] = experiment.space("tree").result.to_dict()
        toml = tmp_path / "e.toml"
        toml.write_text(_experiment(members, name))
        roads["cli experiment"] = _cli(capsys, "experiment", str(toml), "--store", str(tmp_path / "e.db"), "--json")
    for road, record in roads.items():
        if road == "cli experiment":
            record = record["spaces"][0]
            record = {"estimator": record["estimator"], "results": record["results"], "fit": record.get("fit")}
        assert _of_result(record) == want, road


def test_sampled_is_the_count_on_every_road_and_holds_its_point(members):
    """The default on a trained space is the direct count: a point inside its interval where
    members reach ε, a lower bound (interval to +inf) where none does."""
    result = measure_store(members["path"], members["space_id"], members["eps"], task=members["task"])
    assert result.estimator == "count" and result.fit.requested_estimator == "sampled"
    assert result.kinds == ("count", "count", "bound")
    for r in result.results:
        assert r.interval[0] <= r.bits <= r.interval[1]
    assert result.results[2].interval[1] == math.inf
    assert result.results[2].bits == pytest.approx(-math.log2(1 - 0.025 ** (1 / N)))
