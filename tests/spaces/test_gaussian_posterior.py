"""One Gaussian posterior (docs/method.md §2, §7): every Gaussian space and every backend reaches its posterior
through :func:`inductive_bias.spaces.gaussian.posterior`, gets one record type, one default jitter
and one message for a matrix that is not positive definite."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

import inductive_bias
from inductive_bias import GaussianProcess, InfiniteWidthNetwork, Task
from inductive_bias.exceptions import InputError
from inductive_bias.spaces import gaussian
from inductive_bias.spaces.gaussian import GaussianPosterior, _posterior

SOURCE = Path(inductive_bias.__file__).parent


def small_task(n=40, m=15, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n + m, d))
    y = rng.integers(0, 3, size=n + m)
    return Task.from_arrays(X[:n], y[:n], X[n:], y[n:], name="posterior-road")


@pytest.fixture
def road(monkeypatch):
    """Records which backend of the one ``posterior`` each computation went through: the backends
    are private to it, so a call recorded here came through it."""
    calls = []
    for name in ("_conditioned", "_trained", "_torch"):
        real = getattr(_posterior, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(_posterior, name, spy)
    real_elsewhere = _posterior._elsewhere

    def elsewhere(*args, **kwargs):
        calls.append("elsewhere")
        return real_elsewhere(*args, **kwargs)

    monkeypatch.setattr(_posterior, "_elsewhere", elsewhere)
    return calls


def _spaces():
    yield "gp numpy", GaussianProcess("rbf", 1.5), ["_conditioned"], "numpy"
    yield "gp out-of-core", GaussianProcess("rbf", 1.5, memory_limit="15kB"), ["elsewhere"], "out-of-core"
    yield "gp torch", GaussianProcess("rbf", 1.5, device="cpu"), ["elsewhere", "_torch"], "torch"
    yield "nngp mlp", InfiniteWidthNetwork("nngp"), ["_conditioned"], "numpy"
    yield "ntk mlp", InfiniteWidthNetwork("ntk"), ["_trained"], "numpy"
    yield "nngp cnn", InfiniteWidthNetwork("nngp", "cnn", depth=1, channels=1), ["_conditioned"], "numpy"
    yield "ntk lcn", InfiniteWidthNetwork("ntk", "lcn", depth=1, channels=1), ["_trained"], "numpy"


@pytest.mark.parametrize("label, space, expected, backend", list(_spaces()), ids=[s[0] for s in _spaces()])
def test_every_space_and_backend_goes_through_the_one_posterior(road, label, space, expected, backend):
    if label == "gp torch":
        pytest.importorskip("torch", reason="the torch backend needs torch")
    task = small_task(d=16 if "cnn" in label or "lcn" in label else 4)
    post = space.posterior(task)
    assert road == expected
    assert type(post) is GaussianPosterior and post.backend["backend"] == backend
    law, info = space.loss_distribution(task)  # the law is built from the same road
    assert road == expected * 2 and info["backend" if label.startswith("gp") else "jitter"] is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        post.jitter = 1.0


def test_the_dask_backend_goes_through_the_one_posterior(road):
    pytest.importorskip("distributed", reason="the Dask backend needs dask and distributed (the dask extra)")
    pytest.importorskip("dask.array", reason="the Dask backend needs dask[array] (the dask extra)")
    from distributed import LocalCluster

    task = small_task()
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        post = GaussianProcess("rbf", 1.5, dask_address=cluster.scheduler_address).posterior(task)
    assert road == ["elsewhere"] and post.backend["backend"] == "dask"
    reference = GaussianProcess("rbf", 1.5).posterior(task)
    np.testing.assert_allclose(post.mean, reference.mean, rtol=1e-9, atol=1e-12)


def test_the_spaces_import_the_one_function():
    from inductive_bias.spaces import gaussian_process
    from inductive_bias.spaces.infinite_width import space

    assert gaussian_process.posterior is gaussian.posterior is space.posterior
    assert inductive_bias.spaces.GPPosterior is GaussianPosterior  # the old name, the same type


def test_the_default_jitter_and_the_failure_message_are_defined_once():
    """Structure: outside spaces/gaussian no module assigns a default jitter, factors a posterior's
    kernel matrix or words the failure. (The marginal likelihood factors its own matrix A to
    evaluate a likelihood, not a posterior; its failures are reported by the fit.)"""
    outside = [p for p in SOURCE.rglob("*.py") if p.parent.name != "gaussian"]
    for path in outside:
        text = path.read_text()
        assert not re.search(r"^\s*DEFAULT_RELATIVE_JITTER\s*=", text, re.M), path
        if path.name == "marginal_likelihood.py":
            continue
        assert "is not positive definite" not in text, path
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">>>"))
        assert not re.search(r"\b(dpotrf|cho_factor|cho_solve|cholesky|cholesky_ex)\(", code), path


@pytest.mark.parametrize("space", [GaussianProcess("rbf", 1.0, jitter=0.0),
                                   GaussianProcess("rbf", 1.0, jitter=0.0, memory_limit="20kB"),
                                   InfiniteWidthNetwork("nngp", jitter=0.0), InfiniteWidthNetwork("ntk", jitter=0.0)],
                         ids=["gp", "gp out-of-core", "nngp", "ntk"])
def test_one_message_for_a_matrix_that_is_not_positive_definite(space):
    """Duplicated training inputs with no jitter: singular on every road, and the message names the
    argument, the matrix and what to do, first of all to increase the jitter."""
    task = small_task()
    labels = np.argmax(task.Y_train, axis=1)
    twin = Task.from_arrays(np.vstack([task.X_train, task.X_train[:5]]), np.concatenate([labels, labels[:5]]),
                            task.X_test, np.argmax(task.Y_test, axis=1))
    with pytest.raises(InputError, match=r"^jitter: the training (kernel|K|Θ) matrix plus jitter 0 is not positive "
                                         r"definite; increase the jitter \(jitter= / --jitter\), or "):
        space.loss_distribution(twin)
