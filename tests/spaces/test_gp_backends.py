"""The GP posterior's backends (docs/method.md §2) against the in-memory numpy path: out of core on tiles on
disk (a tiny memory limit forces many ragged tiles on a small task), and torch float64 on the CPU.

Tolerances: the tasks here are well conditioned (5-D Gaussian inputs, ℓ = 1.5: the smallest
posterior eigenvalue is ~1e-3 of the largest), so two backward-stable orderings of the same
float64 arithmetic differ by ~1e-13 relative; 1e-9 leaves four orders of margin and still fails
on any real mistake (a missing tile update moves the terms by O(1)).
"""

import json
import os

import numpy as np
import pytest

from inductive_bias import GaussianProcess, Task
from inductive_bias.cli.main import main
from inductive_bias.exceptions import InputError


def task_of(n=151, m=70, d=5, k=3, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n + m, d))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.3).astype(int)
    assert len(np.unique(y)) == k
    return Task.from_arrays(X[:n], y[:n], X[n:], y[n:], name="backends")


def law_terms(space, task):
    law, info = space.loss_distribution(task)
    return law, info


def assert_same_law(law, reference, rtol=1e-9):
    np.testing.assert_allclose(law.weights, reference.weights, rtol=rtol)
    np.testing.assert_allclose(law.noncentrality, reference.noncentrality, rtol=rtol)
    assert law.offset == pytest.approx(reference.offset, rel=rtol, abs=1e-15)
    eps = reference.offset + 0.4 * (reference.mean - reference.offset)
    assert float(law.bits(eps)[0]) == pytest.approx(float(reference.bits(eps)[0]), rel=rtol)


@pytest.mark.parametrize("limit", ["150kB", 250_000])
def test_out_of_core_gives_the_in_memory_law(limit, tmp_path):
    task = task_of()
    reference, ref_info = law_terms(GaussianProcess("rbf", 1.5), task)
    space = GaussianProcess("rbf", 1.5, memory_limit=limit, scratch_dir=str(tmp_path))
    law, info = law_terms(space, task)
    backend = info["backend"]
    assert ref_info["backend"]["backend"] == "numpy"
    assert backend["backend"] == "out-of-core" and backend["train_tiles"] >= 3
    assert 151 % backend["tile_size"] != 0  # ragged last tile exercised
    assert_same_law(law, reference)
    post, ref_post = space.posterior(task), GaussianProcess("rbf", 1.5).posterior(task)
    np.testing.assert_allclose(post.mean, ref_post.mean, rtol=1e-9, atol=1e-12)
    assert os.listdir(tmp_path) == []  # the tiles are removed


def test_out_of_core_with_amplitude_jitter_and_laplace_kernel():
    task = task_of(n=90, m=40, seed=3)
    reference, _ = law_terms(GaussianProcess("laplace", 2.0, amplitude=1.7, jitter=1e-6), task)
    law, info = law_terms(GaussianProcess("laplace", 2.0, amplitude=1.7, jitter=1e-6, memory_limit="80kB"), task)
    assert info["backend"]["backend"] == "out-of-core"
    assert info["jitter"] == pytest.approx(1e-6)
    assert_same_law(law, reference)


def test_a_limit_the_in_memory_path_fits_keeps_it():
    task = task_of(n=40, m=20)
    _, info = law_terms(GaussianProcess("rbf", 1.5, memory_limit="1GB"), task)
    assert info["backend"] == {"backend": "numpy", "memory_limit": 10**9}


@pytest.mark.parametrize("text, expected", [("1GB", 10**9), ("500MB", 5 * 10**8), ("2GiB", 2 * 2**30),
                                            ("1.5 kb", 1500), (4096, 4096), ("64", 64)])
def test_memory_sizes_parse(text, expected):
    assert GaussianProcess(memory_limit=text)._memory_bytes == expected


@pytest.mark.parametrize("bad", ["1XB", "GB", -5, 0, True, 1.5, "-1GB"])
def test_bad_memory_sizes_are_refused(bad):
    with pytest.raises(InputError, match="memory_limit"):
        GaussianProcess(memory_limit=bad)


def test_a_limit_below_the_covariance_is_refused_with_the_size_needed():
    task = task_of(n=60, m=50)
    with pytest.raises(InputError, match=r"memory_limit.*50 x 50.*give at least \d+ bytes"):
        GaussianProcess("rbf", 1.5, memory_limit=20_000).loss_distribution(task)


def test_out_of_core_reports_a_kernel_that_is_not_positive_definite():
    task = task_of(n=60, m=20)
    X = np.vstack([task.X_train, task.X_train[:5]])  # duplicated inputs, zero jitter: singular K
    labels = np.argmax(task.Y_train, axis=1)
    twin = Task.from_arrays(X, np.concatenate([labels, labels[:5]]), task.X_test, np.argmax(task.Y_test, axis=1))
    with pytest.raises(InputError, match="jitter.*not positive definite"):
        GaussianProcess("rbf", 1.5, jitter=0.0, memory_limit="30kB").loss_distribution(twin)


def test_memory_limit_and_device_are_exclusive():
    with pytest.raises(InputError, match="memory_limit.*device"):
        GaussianProcess(memory_limit="1GB", device="cpu")


def test_cli_memory_limit_gives_the_same_bits(tmp_path, capsys):
    task = task_of(n=80, m=30)
    path = tmp_path / "t.npz"
    np.savez(path, X_train=task.X_train, y_train=np.argmax(task.Y_train, 1), X_test=task.X_test,
             y_test=np.argmax(task.Y_test, 1))
    outputs = []
    for extra in ([], ["--memory-limit", "60kB", "--scratch-dir", str(tmp_path)]):
        assert main(["measure", "--data", str(path), "--lengthscale", "1.5", "-e", "0.3", "--json", *extra]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[1]["diagnostics"]["backend"]["backend"] == "out-of-core"
    assert outputs[1]["results"][0]["bits"] == pytest.approx(outputs[0]["results"][0]["bits"], rel=1e-9)


def test_cli_refuses_memory_limit_for_trained_spaces(capsys):
    assert main(["measure", "--space", "knn", "--n-train", "30", "--n-test", "10", "-e", "0.1",
                 "--memory-limit", "1GB"]) == 2
    assert "--memory-limit: applies to --space gp" in capsys.readouterr().err


# -- torch -----------------------------------------------------------------------------------------

def test_torch_on_the_cpu_gives_the_numpy_law():
    pytest.importorskip("torch", reason="the torch backend needs torch")
    task = task_of()
    reference, _ = law_terms(GaussianProcess("matern52", 1.5, amplitude=0.8), task)
    law, info = law_terms(GaussianProcess("matern52", 1.5, amplitude=0.8, device="cpu"), task)
    assert info["backend"] == {"backend": "torch", "device": "cpu"}
    assert_same_law(law, reference)


def test_cuda_without_a_gpu_is_an_error_not_a_fallback(capsys):
    torch = pytest.importorskip("torch", reason="the torch backend needs torch")
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present: the error path cannot be reached")
    with pytest.raises(InputError, match="device.*no CUDA device"):
        GaussianProcess(device="cuda")
    assert main(["measure", "--n-train", "30", "--n-test", "10", "-e", "0.5", "--device", "cuda"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no CUDA device" in err and len(err.splitlines()) == 1


def test_unknown_device_is_refused():
    with pytest.raises(InputError, match="device"):
        GaussianProcess(device="tpu")


# -- dask ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dask_scheduler():
    pytest.importorskip("distributed", reason="the Dask backend needs dask and distributed (the dask extra)")
    pytest.importorskip("dask.array", reason="the Dask backend needs dask[array] (the dask extra)")
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_dask_cluster_gives_the_in_memory_law(dask_scheduler):
    task = task_of()
    reference, _ = law_terms(GaussianProcess("rbf", 1.5, amplitude=1.3), task)
    # the limit sets the block: several blocks, the last one ragged
    law, info = law_terms(GaussianProcess("rbf", 1.5, amplitude=1.3, dask_address=dask_scheduler,
                                          memory_limit="200kB"), task)
    assert info["backend"]["backend"] == "dask" and info["backend"]["blocks"] >= 3
    assert_same_law(law, reference)


def test_dask_address_that_answers_nothing_is_an_input_error(monkeypatch):
    pytest.importorskip("distributed", reason="the Dask backend needs dask and distributed (the dask extra)")
    from inductive_bias.spaces.gaussian import _dask as _dask_backend

    monkeypatch.setattr(_dask_backend, "CONNECT_TIMEOUT", "2s")
    space = GaussianProcess(dask_address="tcp://127.0.0.1:9")
    with pytest.raises(InputError, match="dask_address.*cannot reach"):
        space.loss_distribution(task_of(n=20, m=10))


# -- the median lengthscale within the limit ----------------------------------------------------

@pytest.mark.parametrize("n, d, limit", [(2, 3, 1000), (3, 2, 1000), (301, 5, 20_000), (900, 40, 200_000)])
def test_blocked_median_distance_is_pdists_median_exactly(n, d, limit):
    from scipy.spatial.distance import pdist

    from inductive_bias.spaces._out_of_core import median_distance

    X = np.random.default_rng(n).normal(size=(n, d))
    assert median_distance(X, limit) == float(np.median(pdist(X)))  # the same numbers, selected


def test_blocked_median_with_ties_and_through_the_space():
    from scipy.spatial.distance import pdist

    from inductive_bias.spaces._out_of_core import median_distance

    X = np.repeat(np.random.default_rng(0).normal(size=(40, 3)), 5, axis=0)
    assert median_distance(X, 5_000) == float(np.median(pdist(X)))
    task = task_of(n=120, m=30)
    reference = GaussianProcess("rbf", "median").posterior(task)
    post = GaussianProcess("rbf", "median", memory_limit="40kB").posterior(task)  # 7,140 distances > 40 kB
    assert post.lengthscale == reference.lengthscale
    assert post.backend["backend"] == "out-of-core"


@pytest.mark.parametrize("backend", ["out-of-core", "torch"])
def test_observation_noise_and_median_lengthscale_through_every_backend(backend):
    """Noise is part of the model (K + σ²I, docs/method.md §2): each backend conditions on the same diagonal
    as the in-memory path and gives its law to 1e-9; only that path carries the conditioning
    diagnostics (the others report null, as documented)."""
    task = task_of(n=90, m=40, seed=5)
    reference, ref_info = law_terms(GaussianProcess("rbf", "median", noise=1e-3), task)
    options = {"memory_limit": "80kB"} if backend == "out-of-core" else {"device": "cpu"}
    law, info = law_terms(GaussianProcess("rbf", "median", noise=1e-3, **options), task)
    assert info["backend"]["backend"] == backend and info["noise"] == pytest.approx(1e-3)
    assert ref_info["conditioning"] is not None and info["conditioning"] is None
    assert_same_law(law, reference)
