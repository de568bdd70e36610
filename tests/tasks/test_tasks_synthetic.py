"""Synthetic tasks whose intrinsic dimension is set while the ambient dimension stays fixed."""

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from inductive_bias._validation import InputError
from inductive_bias.tasks.synthetic import load_synthetic


def levina_bickel(X: np.ndarray, k: int = 20) -> float:
    """Maximum-likelihood intrinsic dimension (Levina & Bickel 2004), averaged over points with
    the MacKay–Ghahramani correction (average the inverse estimates)."""
    distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X)
    distances = distances[:, 1:]
    logs = np.log(distances[:, -1:] / distances[:, :-1])
    return 1.0 / np.mean(np.mean(logs, axis=1))


@pytest.mark.parametrize("m", [1, 2, 4])
def test_inputs_lie_on_an_m_dimensional_manifold(m):
    task = load_synthetic(3000, 10, intrinsic_dim=m, ambient_dim=32, seed=0)
    assert task.X_train.shape == (3000, 32)
    estimate = levina_bickel(task.X_train)
    # The estimator is biased low for curved manifolds at finite n; 3,000 points give m within 25%.
    assert abs(estimate - m) < 0.25 * m, estimate


def test_ambient_dimension_and_scale_do_not_change_with_m():
    norms = []
    for m in (1, 4, 16):
        task = load_synthetic(500, 10, intrinsic_dim=m, ambient_dim=24, seed=1)
        assert task.n_features == 24
        norms.append(np.mean(np.sum(task.X_train**2, axis=1)))
    # E||x||² = 1 for every m (mean of 2 cos² over random phases); 500 points: within 10%.
    assert np.allclose(norms, 1.0, rtol=0.1)


def test_classes_are_balanced_and_seeded():
    task = load_synthetic(2000, 500, intrinsic_dim=3, n_classes=4, seed=2)
    counts = task.Y_train.sum(axis=0)
    # quantile bins of the teacher: each class has probability 1/4; 2000 draws: sd ~ 19.
    assert np.all(np.abs(counts - 500) < 100), counts
    again = load_synthetic(2000, 500, intrinsic_dim=3, n_classes=4, seed=2)
    assert np.array_equal(again.X_test, task.X_test) and np.array_equal(again.Y_test, task.Y_test)


def test_labels_are_a_smooth_function_of_the_inputs():
    # Nearest neighbours on the manifold share labels far more often than chance (1/2).
    task = load_synthetic(2000, 10, intrinsic_dim=2, seed=3)
    _, index = NearestNeighbors(n_neighbors=2).fit(task.X_train).kneighbors(task.X_train)
    labels = np.argmax(task.Y_train, axis=1)
    assert np.mean(labels[index[:, 1]] == labels) > 0.9


def test_bad_dimensions_are_named():
    with pytest.raises(InputError, match="intrinsic_dim"):
        load_synthetic(intrinsic_dim=40, ambient_dim=32)
    with pytest.raises(InputError, match="n_classes"):
        load_synthetic(n_classes=1)
