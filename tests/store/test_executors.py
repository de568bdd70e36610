"""Trained members on Ray (store/executors.py) against the local executor: the same seeds give the
same members; the driver alone commits; a chunk whose worker dies is retried; a partial store is
resumed. A local one-CPU Ray cluster stands in for a real one."""

import json
import os
import sys

import numpy as np
import pytest

from inductive_bias import digits
from inductive_bias.cli.main import main
from inductive_bias.exceptions import InputError
from inductive_bias.spaces.sklearn_models import ScikitLearnSpace
from inductive_bias.store import SampleStore, sample_into_store
from inductive_bias.store.executors import LocalExecutor, make_executor


@pytest.fixture(scope="module")
def task():
    return digits(100, 60, seed=4)


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray", reason="the Ray executor needs ray (pip install 'inductive-bias[ray]')")
    # this module's classes travel to the workers by value: the workers cannot import tests/
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


def losses(path, space_id):
    with SampleStore(path) as store:
        members = store.members(space_id)
    return [m.seed for m in members], np.array([m.test_loss for m in members]), np.array(
        [m.train_loss for m in members])


def test_ray_gives_the_local_members_of_a_scikit_learn_space(tmp_path, task, ray_cluster):
    space = ScikitLearnSpace("random_forest", n_estimators=3)
    local = sample_into_store(task, space, tmp_path / "local.db", 5, seed=3)
    remote = sample_into_store(task, space, tmp_path / "ray.db", 5, seed=3, executor="ray")
    assert remote.space_id == local.space_id and (remote.trained, remote.stored) == (5, 5)
    seeds_a, test_a, train_a = losses(tmp_path / "local.db", local.space_id)
    seeds_b, test_b, train_b = losses(tmp_path / "ray.db", remote.space_id)
    assert seeds_a == seeds_b
    np.testing.assert_array_equal(test_a, test_b)  # float64 trees: identical
    np.testing.assert_array_equal(train_a, train_b)
    assert ray_cluster.is_initialized()  # a cluster the caller started is left running


@pytest.mark.slow  # a worker imports torch: ~30-70 s here; the scikit-learn test covers the same road
def test_ray_gives_the_local_members_of_a_neural_space(tmp_path, task, ray_cluster):
    from inductive_bias.spaces.neural import NeuralNetworks

    space = NeuralNetworks("mlp", hidden=(16,), epochs=2, chunk_size=2)
    local = sample_into_store(task, space, tmp_path / "local.db", 4, seed=1)
    remote = sample_into_store(task, space, tmp_path / "ray.db", 4, seed=1, executor="ray")
    seeds_a, test_a, _ = losses(tmp_path / "local.db", local.space_id)
    seeds_b, test_b, _ = losses(tmp_path / "ray.db", remote.space_id)
    assert seeds_a == seeds_b
    # float32 training: the same chunks in another process agree to float32 rounding
    np.testing.assert_allclose(test_b, test_a, rtol=1e-5)


def test_ray_resumes_a_partial_store(tmp_path, task, ray_cluster):
    space = ScikitLearnSpace("extra_trees", n_estimators=2)
    whole = sample_into_store(task, space, tmp_path / "whole.db", 6, seed=2)
    sample_into_store(task, space, tmp_path / "parts.db", 2, seed=2)  # as if the driver was killed
    resumed = sample_into_store(task, space, tmp_path / "parts.db", 6, seed=2, executor="ray")
    assert (resumed.present_before, resumed.trained, resumed.stored) == (2, 4, 6)
    assert losses(tmp_path / "parts.db", whole.space_id)[0] == losses(tmp_path / "whole.db", whole.space_id)[0]
    np.testing.assert_array_equal(losses(tmp_path / "parts.db", whole.space_id)[1],
                                  losses(tmp_path / "whole.db", whole.space_id)[1])


class DiesOnce(ScikitLearnSpace):
    """Its first chunk kills the worker process (as an out-of-memory kill would)."""

    def __init__(self, marker, **params):
        super().__init__("random_forest", **params)
        self.marker = marker

    def train_members(self, task, seeds, **options):
        if not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os._exit(1)
        return super().train_members(task, seeds, **options)


def test_a_chunk_whose_worker_dies_is_retried(tmp_path, task, ray_cluster):
    space = DiesOnce(str(tmp_path / "died"), n_estimators=2)
    run = sample_into_store(task, space, tmp_path / "s.db", 3, seed=0, executor="ray")
    assert os.path.exists(tmp_path / "died") and run.stored == 3
    reference = sample_into_store(task, ScikitLearnSpace("random_forest", n_estimators=2), tmp_path / "r.db", 3,
                                  seed=0)
    np.testing.assert_array_equal(losses(tmp_path / "s.db", run.space_id)[1],
                                  losses(tmp_path / "r.db", reference.space_id)[1])


def test_cli_sample_executor_ray_matches_local(tmp_path, capsys, ray_cluster):
    common = ["sample", "--space", "random_forest", "--n-estimators", "2", "--n-train", "80", "--n-test", "40",
              "--hypotheses", "4", "--json"]
    records = []
    for executor, name in (("local", "a.db"), ("ray", "b.db")):
        assert main([*common, "--store", str(tmp_path / name), "--executor", executor]) == 0
        records.append(json.loads(capsys.readouterr().out))
    assert records[0]["space_id"] == records[1]["space_id"] and records[1]["trained"] == 4
    assert records[1]["test_loss_mean"] == records[0]["test_loss_mean"]


# -- without Ray ------------------------------------------------------------------------------------

def test_executor_names_are_checked(tmp_path, task):
    assert isinstance(make_executor("local"), LocalExecutor)
    with pytest.raises(InputError, match="executor.*local, ray.*'spark'"):
        make_executor("spark")
    with pytest.raises(InputError, match="ray_address.*--executor ray"):
        sample_into_store(task, ScikitLearnSpace("random_forest"), tmp_path / "s.db", 2, ray_address="auto")


def test_an_unreachable_ray_address_fails_fast_with_one_line():
    from inductive_bias.store.executors import _check_reachable

    with pytest.raises(InputError, match="ray_address.*cannot reach a Ray cluster at '127.0.0.1:1'"):
        _check_reachable("127.0.0.1:1")
    with pytest.raises(InputError, match="ray_address.*cannot reach"):
        _check_reachable("ray://127.0.0.1:1")
    with pytest.raises(InputError, match="ray_address.*host:port"):
        _check_reachable("nonsense")
    _check_reachable("auto")  # resolved by Ray itself
