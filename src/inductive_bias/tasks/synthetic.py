"""Synthetic classification tasks whose intrinsic dimension is set (docs/method.md §6).

The inputs lie on an m-dimensional manifold in a fixed ambient space R^D, so that m can change
while the number of features stays D:

    z ~ N(0, I_m)                                   (latent coordinates)
    x = sqrt(2 / D) cos(W z + b),   W_ij ~ N(0, ω²/m),  b_i ~ U[0, 2π)    (i < D)

a smooth embedding (random Fourier features). With ω = 1 the expected ||x||² is 1 and the
expected squared distance between two points is 2 (1 - E exp(-ω² ||z - z'||² / (2m))), nearly the
same for every m, so tasks of different m differ in their dimension, not in their scale.

Labels come from a smooth random teacher on the manifold:

    g(z) = sum_{j < J} a_j cos(v_j · z + φ_j),   v_j ~ N(0, τ²/m · I_m),  a_j ~ N(0, 1)

(a random function with nearly Gaussian covariance of lengthscale sqrt(m)/τ in z, i.e. the same
relative smoothness for every m); the label is the k-quantile bin of g(z), the quantiles taken over
a reference sample of 20,000 latent points, so the k classes are equally likely (for k = 2: the
sign of g minus its median).
The embedding and the teacher are drawn from one seeded stream, the training and test points from
two others.
"""

from __future__ import annotations

import math

import numpy as np

from .._random import check_random_state
from .._memory import check_memory
from ..exceptions import InputError
from .._validation import check_positive
from ._preprocess import seed_record
from .task import Task

__all__ = ["load_synthetic"]

_REFERENCE = 20_000


def load_synthetic(n_train: int = 500, n_test: int = 500, *, intrinsic_dim: int = 2, ambient_dim: int = 32,
                   n_classes: int = 2, frequency: float = 1.0, teacher_frequency: float = 1.0,
                   teacher_features: int = 256, seed=0) -> Task:
    """A classification task on an ``intrinsic_dim``-dimensional manifold in R^``ambient_dim``.

    Parameters
    ----------
    n_train, n_test : int, default 500
    intrinsic_dim : int, default 2
        m, the manifold's dimension (1 <= m <= ambient_dim).
    ambient_dim : int, default 32
        D, the number of input features, whatever m is.
    n_classes : int, default 2
        k, the number of classes (quantile bins of the teacher).
    frequency : float, default 1.0
        ω, the embedding's frequency scale (larger: a more curved manifold).
    teacher_frequency : float, default 1.0
        τ, the teacher's frequency scale (larger: a rougher labelling).
    teacher_features : int, default 256
        J, the number of random cosines in each teacher output.
    seed : int or Generator, default 0

    Returns
    -------
    Task
        X (n, D); Y one-hot over classes 0..k-1.

    Examples
    --------
    >>> task = load_synthetic(100, 100, intrinsic_dim=4, ambient_dim=32, seed=0)
    >>> task.X_train.shape, task.n_outputs
    ((100, 32), 2)
    """
    n_train = check_positive("n_train", n_train, integer=True)
    n_test = check_positive("n_test", n_test, integer=True)
    ambient_dim = check_positive("ambient_dim", ambient_dim, integer=True)
    m = check_positive("intrinsic_dim", intrinsic_dim, integer=True)
    if m > ambient_dim:
        raise InputError("intrinsic_dim", f"must be at most ambient_dim = {ambient_dim}; got {m}")
    k = check_positive("n_classes", n_classes, integer=True)
    if k < 2:
        raise InputError("n_classes", f"a classification task needs at least 2 classes; got {k}")
    omega = check_positive("frequency", frequency)
    tau = check_positive("teacher_frequency", teacher_frequency)
    J = check_positive("teacher_features", teacher_features, integer=True)
    rows = max(n_train, n_test)  # the training and test points are made one set after the other
    # float64: the embedding W and, per set, z W^T and its cosine (rows x D) and the teacher (rows x J)
    needed = 8.0 * (ambient_dim * (m + 1) + rows * (2 * ambient_dim + J + m) + (n_train + n_test) * ambient_dim)
    argument, value = (("ambient_dim", ambient_dim) if ambient_dim >= rows
                       else ("n_train", n_train) if n_train >= n_test else ("n_test", n_test))
    check_memory(argument, value, needed, f"{n_train} + {n_test} points in R^{ambient_dim}")
    world, train_rng, test_rng = check_random_state(seed).spawn(3)
    W = world.standard_normal((ambient_dim, m)) * (omega / math.sqrt(m))
    b = world.uniform(0.0, 2.0 * math.pi, size=ambient_dim)
    V = world.standard_normal((J, m)) * (tau / math.sqrt(m))
    phi = world.uniform(0.0, 2.0 * math.pi, size=J)
    a = world.standard_normal(J)

    def teacher(z):
        return np.cos(z @ V.T + phi) @ a

    # Class boundaries: the k-quantiles of the teacher over a reference sample, so the classes
    # are equally likely.
    reference = teacher(world.standard_normal((_REFERENCE, m)))
    cuts = np.quantile(reference, np.arange(1, k) / k)

    def points(n, rng):
        z = rng.standard_normal((n, m))
        x = math.sqrt(2.0 / ambient_dim) * np.cos(z @ W.T + b)
        return x, np.searchsorted(cuts, teacher(z))

    X_train, y_train = points(n_train, train_rng)
    X_test, y_test = points(n_test, test_rng)
    counts = np.bincount(y_train, minlength=k)
    info = {
        "source": f"built-in: synthetic, {m}-dimensional manifold (random Fourier embedding, ω = {omega:g}) in "
                  f"R^{ambient_dim}, labels the {k}-quantile bin of a random smooth teacher (τ = {tau:g}, J = {J})",
        "preprocessing": "none",
        "intrinsic_dim": m,
        "ambient_dim": ambient_dim,
        "train_class_counts": counts.tolist(),
        "split": "independent draws of the latent coordinates for training and test points",
        "seed": seed_record(seed),
    }
    return Task.from_arrays(X_train, y_train, X_test, y_test, name=f"synthetic-m{m}", classes=list(range(k)),
                            info=info)
