"""Infinite-width network spaces: the exact law of the test loss of an NNGP or an NTK-trained
network (SPEC §7), through the shared Gaussian-loss law (SPEC §2).

Both hypothesis distributions are Gaussian at the test inputs with a mean M and a covariance Σ:

- ``nngp``: the GP posterior of SPEC §2 with κ = K (amplitude 1):
  M = K* K^-1 Y,  Σ = K** − K* K^-1 K*^T.
- ``ntk``: an infinite network trained to convergence by gradient descent on MSE (SPEC §7,
  Lee et al. 2019 eq. 16): M = Θ* Θ^-1 Y and
  Σ = K** + R K R^T − (R K*^T + K* R^T),  R = Θ* Θ^-1.

We evaluate the NTK covariance as the NNGP posterior plus a positive semidefinite correction,

    Σ = (K** − K* K^-1 K*^T) + G G^T,    G = R L_K − K* L_K^-T,   K = L_K L_K^T,

which is the same matrix (expand G G^T = R K R^T − R K*^T − K* R^T + K* K^-1 K*^T) but is
positive semidefinite by construction, so that rounding cannot produce negative variances.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy import linalg
from scipy.linalg.blas import dsyrk

from ..._validation import check_choice, check_positive
from ...distributions import eigen_decomposition
from ...exceptions import InputError
from ...tasks import Task
from .._gaussian_space import GaussianPosteriorSpace
from ..conditioning import Conditioning, diagnose
from .activations import ACTIVATIONS, CLOSED_FORM
from .conv_kernels import conv_kernels
from .kernels import mlp_kernels, mlp_variances
from .layers import layer_kernels, parse_layers

__all__ = ["InfiniteWidthNetwork", "NetworkPosterior", "KINDS", "ARCHITECTURES", "READOUTS"]

KINDS = ("nngp", "ntk")
ARCHITECTURES = ("mlp", "cnn", "lcn")
READOUTS = ("flatten", "gap")
DEFAULT_RELATIVE_JITTER = 1e-10  # as SPEC §2: times the mean diagonal of the matrix inverted


class NetworkPosterior:
    """The Gaussian law of the hypotheses at the test inputs, diagonalised: Σ = U diag(λ) U^T.

    Attributes
    ----------
    mean : ndarray (m, k)
    eigenvalues : ndarray (m,)      ascending, negative rounding clipped to 0
    eigenvectors : ndarray (m, m)
    jitter : float                  δ added to the diagonal of K (nngp) or Θ (ntk)
    kernel_jitter : float or None   ntk only: δ added to K, whose Cholesky factor builds Σ
    zero_tolerance : float          eigenvalues at or below it count as pinned by the data
    timings : dict                  seconds per stage
    conditioning : Conditioning     diagnostics of the solve that forms the mean (K for nngp, Θ for ntk)
    """

    __slots__ = ("mean", "eigenvalues", "eigenvectors", "jitter", "kernel_jitter", "zero_tolerance", "timings",
                 "conditioning")

    def __init__(self, mean, eigenvalues, eigenvectors, jitter, kernel_jitter, zero_tolerance, timings,
                 conditioning: Conditioning | None = None):
        self.mean, self.eigenvalues, self.eigenvectors = mean, eigenvalues, eigenvectors
        self.jitter, self.kernel_jitter, self.zero_tolerance = jitter, kernel_jitter, zero_tolerance
        self.timings = timings
        self.conditioning = conditioning

    @property
    def covariance(self) -> np.ndarray:
        return (self.eigenvectors * self.eigenvalues) @ self.eigenvectors.T


# what the conditioning warnings of a network space tell the user to change
_NETWORK_REMEDY = ("increase --bias-var or --jitter, scale the inputs (e.g. pixels to [0, 1]), or remove "
                   "near-duplicate training inputs")


class InfiniteWidthNetwork(GaussianPosteriorSpace):
    """Infinitely wide networks of a given architecture: Bayesian (``nngp``) or trained by gradient
    descent to convergence (``ntk``), SPEC §7. Each output is independent; the loss law is exact.

    Parameters
    ----------
    kind : {"nngp", "ntk"}, default "nngp"
    architecture : {"mlp", "cnn", "lcn"}, default "mlp"
        Fully connected; convolutional ('same' convolutions, weight sharing); locally connected
        (the CNN without weight sharing). Images: where the task records its ``image_shape``
        (the image loaders do: (H, W) or (H, W, C), channel-last) and it accounts for every
        feature, that; otherwise square images of ``channels`` channels, read channel-first.
    depth : int, default 2
        Hidden layers L (convolutional layers for cnn and lcn; at least 1 there).
    activation : {"relu", "erf", "identity", "gelu", "tanh", "sigmoid"}, default "relu"
    weight_var, bias_var : float, default 2.0, 0.1
        σw² and σb² of the NTK parameterisation (SPEC §7); σb² may be 0.
    readout : {"flatten", "gap"}, cnn and lcn only, default "flatten"
        A weight per channel and position, or global average pooling then a weight per channel.
    channels : int, cnn and lcn only, default None
        Channels of the input images: None takes the task's recorded shape, else 1.
    filter_size : odd int, cnn and lcn only, default 3
    jitter : float or None, default None
        δ added to the diagonal of K (nngp) or Θ (ntk) for numerical stability only; None means
        1e-10 times its mean diagonal. The value used is reported.

    Examples
    --------
    >>> from inductive_bias import InfiniteWidthNetwork, digits, measure
    >>> space = InfiniteWidthNetwork("ntk", "mlp", depth=2, activation="relu")
    >>> result = measure(digits(n_train=100, n_test=100), space, target_error=0.03)
    >>> [round(float(b), 2) for b in result.bits]
    [2678.21]
    """

    remedy = _NETWORK_REMEDY

    def __init__(self, kind: str = "nngp", architecture: str = "mlp", depth: int = 2, activation: str = "relu",
                 weight_var: float = 2.0, bias_var: float = 0.1, *, readout: str | None = None,
                 channels: int | None = None, filter_size: int | None = None, jitter: float | None = None,
                 layers=None):
        self.kind = check_choice("kind", kind, KINDS)
        self.architecture = check_choice("architecture", architecture, ARCHITECTURES)
        self.depth = check_positive("depth", depth, integer=True, allow_zero=self.architecture == "mlp")
        if self.architecture == "mlp":
            for name, value in (("readout", readout), ("channels", None if layers is not None else channels),
                                ("filter_size", filter_size)):
                if value is not None:
                    raise InputError(name, "applies to architecture cnn and lcn, not mlp")
            channels = None if channels is None else check_positive("channels", channels, integer=True)
        else:
            readout = check_choice("readout", "flatten" if readout is None else readout, READOUTS)
            channels = None if channels is None else check_positive("channels", channels, integer=True)
            filter_size = check_positive("filter_size", 3 if filter_size is None else filter_size, integer=True)
            if filter_size % 2 == 0:
                raise InputError("filter_size", f"must be odd ('same' padding keeps the image size); got {filter_size}")
        self.readout, self.channels, self.filter_size = readout, channels, filter_size
        self.activation = check_choice("activation", activation, ACTIVATIONS)
        self.weight_var = check_positive("weight_var", weight_var)
        self.bias_var = check_positive("bias_var", bias_var, allow_zero=True)
        self.jitter = None if jitter is None else check_positive("jitter", jitter, allow_zero=True)
        # composable layers (a preset, a layer string or layer objects) replace architecture/depth
        if layers is not None and self.architecture != "mlp":
            raise InputError("architecture", f"the layers replace the architecture; got {self.architecture} with layers")
        self.layers = None if layers is None else parse_layers(layers)
        self.layer_string = layers if isinstance(layers, str) else (None if layers is None else repr(self.layers))
        self.name = self.kind

    def spec(self) -> dict:
        spec = {"space": self.kind, "architecture": self.architecture, "depth": self.depth,
                "activation": self.activation, "weight_var": self.weight_var, "bias_var": self.bias_var}
        if self.architecture != "mlp":
            spec.update(readout=self.readout, channels=self.channels, filter_size=self.filter_size)
        if self.layers is not None:  # the layers replace architecture, depth and activation
            del spec["architecture"], spec["depth"], spec["activation"]
            spec["layers"] = self.layer_string
        spec["jitter"] = self.jitter
        return spec

    def __repr__(self) -> str:
        conv = (f", readout={self.readout!r}, channels={self.channels}, filter_size={self.filter_size}"
                if self.architecture != "mlp" else "")
        return (f"InfiniteWidthNetwork({self.kind!r}, {self.architecture!r}, depth={self.depth}, "
                f"activation={self.activation!r}, weight_var={self.weight_var!r}, bias_var={self.bias_var!r}"
                f"{conv}, jitter={self.jitter!r})")

    def image_shape(self, n_features: int) -> tuple[int, int, int]:
        """(channels, H, W) of flat channel-first inputs with ``n_features`` (square images)."""
        channels = self.channels or 1
        side = math.isqrt(n_features // channels)
        if channels * side * side != n_features:
            raise InputError("channels", f"{n_features} features are not {channels} square image channel(s); "
                                         "give the number of channels of the images")
        return (channels, side, side)

    def _inputs(self, task: Task):
        """The task's inputs as the kernels read them (images channel-first) and their image shape."""
        if self.architecture == "mlp" and self.layers is None:
            return task.X_train, task.X_test, None
        recorded = (task.info or {}).get("image_shape")
        if recorded is not None and len(recorded) in (2, 3) and math.prod(recorded) == task.n_features:
            H, W, C = (*recorded, 1) if len(recorded) == 2 else recorded
            if self.channels is not None and self.channels != C:
                raise InputError("channels", f"the task's images have {C} channel(s) (shape {tuple(recorded)}); "
                                             f"got {self.channels}")

            def first(X):  # the loaders store (H, W, C) rows: read them channel-first
                return np.ascontiguousarray(X.reshape(len(X), H, W, C).transpose(0, 3, 1, 2)).reshape(len(X), -1)

            return first(task.X_train), first(task.X_test), (C, H, W)
        return task.X_train, task.X_test, self.image_shape(task.n_features)

    # -- SPEC §7 kernels -------------------------------------------------------------------------
    def kernels(self, X1: np.ndarray, X2: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """NNGP K(X1, X2) and, for ``ntk``, the NTK Θ(X1, X2) (else None); X2 None means X1.
        Images (cnn, lcn) are flat rows read channel-first (:meth:`image_shape`)."""
        X2 = X1 if X2 is None else X2
        shape = None if self.architecture == "mlp" and self.layers is None else self.image_shape(np.shape(X1)[1])
        return self._kernels(X1, X2, shape, ntk=self.kind == "ntk")

    def _kernels(self, X1, X2, shape, *, ntk: bool):
        if self.layers is not None:
            return layer_kernels(X1, X2, shape, self.layers, self.weight_var, self.bias_var, ntk=ntk)
        if self.architecture == "mlp":
            return mlp_kernels(X1, X2, self.depth, self.activation, self.weight_var, self.bias_var, ntk=ntk)
        return conv_kernels(X1, X2, shape, self.depth, self.activation, self.weight_var,
                            self.bias_var, filter_size=self.filter_size, readout=self.readout,
                            weight_sharing=self.architecture == "cnn", ntk=ntk)

    # -- SPEC §7: mean and covariance at the test inputs -----------------------------------------
    def posterior(self, task: Task) -> NetworkPosterior:
        """M and Σ of SPEC §7 at the test inputs, by Cholesky solves in float64, diagonalised."""
        timings = {}
        tic = time.perf_counter()
        X_train, X_test, shape = self._inputs(task)
        ntk = self.kind == "ntk"
        K, theta = self._kernels(X_train, X_train, shape, ntk=ntk)
        K_star, theta_star = self._kernels(X_test, X_train, shape, ntk=ntk)
        K_starstar, _ = self._kernels(X_test, X_test, shape, ntk=False)
        timings["kernel"] = time.perf_counter() - tic

        tic = time.perf_counter()
        scale_K = float(np.mean(np.diag(K)))
        jitter_K = (DEFAULT_RELATIVE_JITTER * scale_K if (ntk or self.jitter is None) else self.jitter)
        hint = self._scale_hint(task.X_train)
        L_K = _cholesky(K, jitter_K, "K", hint)
        V = linalg.solve_triangular(L_K, K_star.T, lower=True, check_finite=False)  # L_K^-1 K*^T
        # Σ_nngp = K** − V^T V: dsyrk fills the lower triangle only, which is all eigh reads
        cov = dsyrk(-1.0, V, beta=1.0, c=K_starstar, trans=1, lower=1, overwrite_c=1)
        if not ntk:
            mean = V.T @ linalg.solve_triangular(L_K, task.Y_train, lower=True, check_finite=False)
            jitter, kernel_jitter, scale_theta = jitter_K, None, scale_K
        else:
            scale_theta = float(np.mean(np.diag(theta)))
            jitter = DEFAULT_RELATIVE_JITTER * scale_theta if self.jitter is None else self.jitter
            L_theta = _cholesky(theta, jitter, "Θ", hint)
            R_T = linalg.cho_solve((L_theta, True), theta_star.T, check_finite=False)  # Θ^-1 Θ*^T = R^T
            mean = R_T.T @ task.Y_train
            G_T = L_K.T @ R_T - V  # (R L_K − K* L_K^-T)^T
            cov = dsyrk(1.0, G_T, beta=1.0, c=cov, trans=1, lower=1, overwrite_c=1)
            kernel_jitter = jitter_K
        timings["solve"] = time.perf_counter() - tic

        tic = time.perf_counter()
        matrix, factor, cross, delta = (theta, L_theta, theta_star, jitter) if ntk else (K, L_K, K_star, jitter_K)
        conditioning = _diagnose(matrix, factor, cross, delta, mean, task)
        timings["conditioning"] = time.perf_counter() - tic

        tic = time.perf_counter()
        lam, U = eigen_decomposition(cov, overwrite=True)
        timings["eigh"] = time.perf_counter() - tic
        # Σ is resolved to about the jitter (δ on K moves it by O(δ); δ on Θ moves R, hence Σ, by
        # O(δ) relative to Θ's scale) plus the rounding of the Cholesky-based products,
        # ~ max(n, m) · eps · the kernel's scale. Directions below that are pinned by the data.
        tolerance = (10.0 * jitter_K + (10.0 * jitter * scale_K / scale_theta if ntk else 0.0)
                     + 16.0 * max(task.n_train, task.n_test) * np.finfo(float).eps * scale_K)
        return NetworkPosterior(mean, lam, U, jitter, kernel_jitter, tolerance, timings, conditioning)

    def _scale_hint(self, X: np.ndarray) -> str:
        """Why a kernel of a quadrature activation may fail to be positive definite: at large
        preactivation variances the activation is nearly a step, the Gauss–Hermite rule loses
        accuracy (activations.DEFAULT_ORDER) and its rounding is not positive semidefinite."""
        if self.activation in CLOSED_FORM:
            return ""
        variances = mlp_variances(X, self.depth, self.activation, self.weight_var, self.bias_var)[:-1]
        variance = float(max(np.max(v) for v in variances))
        return (f"; preactivation variances reach {variance:.3g}: {self.activation} is evaluated by quadrature, "
                "accurate for preactivation variances of order 1: scale the inputs (e.g. pixels to [0, 1])"
                if variance > 5.0 else "")

    def _posterior_info(self, post: NetworkPosterior) -> dict:
        """ntk: the jitter added to K, whose Cholesky factor builds Σ, beside Θ's."""
        return {} if post.kernel_jitter is None else {"kernel_jitter": post.kernel_jitter}



def _diagnose(matrix, factor, cross, delta, mean, task) -> Conditioning:
    """The checks of :mod:`..conditioning` for the solve (matrix + δI) α = Y_train behind the mean."""
    alpha = linalg.cho_solve((factor, True), task.Y_train, check_finite=False)
    residual = matrix @ alpha + delta * alpha - task.Y_train
    # the norms of matrix + δI without forming it (the kernels' diagonals are positive)
    one_norm = float(np.max(np.sum(np.abs(matrix), axis=0))) + delta
    frobenius = math.sqrt(float(np.sum(matrix * matrix)) + 2.0 * delta * float(np.trace(matrix))
                          + matrix.shape[0] * delta**2)
    return diagnose(factor, one_norm, frobenius, residual, alpha, task.Y_train, float(np.linalg.norm(cross)), mean,
                    task.Y_test, added_diagonal=delta)


def _cholesky(matrix: np.ndarray, jitter: float, label: str, hint: str = "") -> np.ndarray:
    """Lower Cholesky factor of matrix + jitter·I (matrix left untouched)."""
    A = matrix.copy()
    A[np.diag_indices_from(A)] += jitter
    try:
        return linalg.cholesky(A, lower=True, overwrite_a=True, check_finite=False)
    except linalg.LinAlgError:
        raise InputError("jitter", f"the training {label} matrix plus jitter {jitter:.3g} is not positive definite; "
                                   "increase the jitter, add bias variance, or remove duplicate training inputs" + hint) from None
