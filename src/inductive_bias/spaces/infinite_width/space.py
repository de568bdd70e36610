"""Infinite-width network spaces: the exact law of the test loss of an NNGP or an NTK-trained
network (docs/method.md §7), through the shared Gaussian-loss law (docs/method.md §2).

Both hypothesis distributions are Gaussian at the test inputs with a mean M and a covariance Σ:

- ``nngp``: the GP posterior of docs/method.md §2 with κ = K (amplitude 1):
  M = K* K^-1 Y,  Σ = K** − K* K^-1 K*^T.
- ``ntk``: an infinite network trained to convergence by gradient descent on MSE (docs/method.md §7,
  Lee et al. 2019 eq. 16): M = Θ* Θ^-1 Y and
  Σ = K** + R K R^T − (R K*^T + K* R^T),  R = Θ* Θ^-1.
- ``ntk`` with a finite ``training_time`` T (Lee et al. 2019, eqs. 14-16): the same network
  stopped after gradient flow for a time T, R = Θ* Θ^-1 (I − e^{−τΘ}) with τ = 2T/(n k)
  (:func:`training_time_scale`); T = 0 is the initial network (M = 0, Σ = K**), T → ∞ the above.

Both are computed by the one Gaussian road, :func:`..gaussian.posterior`: this space supplies only
its kernels K and Θ.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from ..._validation import check_choice, check_positive
from ...exceptions import InputError
from ...parameters import NON_NEGATIVE, POSITIVE, Parameter, defaults_of
from ...tasks import Task
from .._gaussian_space import GaussianPosteriorSpace
from .._images import read_images, square_image
from ..gaussian import GaussianPosterior, check_device, posterior
from .activations import ACTIVATIONS, CLOSED_FORM
from .conv_kernels import conv_kernels
from ..conditioning import COLLAPSED_CORRELATION, correlation_spread
from .kernels import layer_trace, mlp_kernels, mlp_variances
from .layers import _plain_conv, layer_kernels, parse_layers

__all__ = ["InfiniteWidthNetwork", "NetworkPosterior", "KINDS", "ARCHITECTURES", "READOUTS", "training_time_scale"]

KINDS = ("nngp", "ntk")
ARCHITECTURES = ("mlp", "cnn", "lcn")
READOUTS = ("flatten", "gap")
#: The name of :class:`..gaussian.GaussianPosterior` before every Gaussian space shared it.
NetworkPosterior = GaussianPosterior


#: σw² and σb² of the NTK parameterisation (docs/method.md §7): of the infinite-width spaces, and of finite
#: networks with ``parameterization="ntk"`` (:mod:`..neural`), declared once for both.
WEIGHT_VAR = Parameter("weight_var", float, 2.0, "weight variance σw² of the NTK parameterisation (docs/method.md §7)",
                       metavar="SW2", **POSITIVE)
BIAS_VAR = Parameter("bias_var", float, 0.1, "bias variance σb² of the NTK parameterisation (docs/method.md §7)",
                     metavar="SB2", **NON_NEGATIVE)

#: The read-out and the composable layers, declared once for the infinite-width spaces and their
#: finite trained twins (the ``cnn`` space of :mod:`..neural`), so that one experiment file gives
#: both the same value.
READOUT = Parameter("readout", str, "flatten", "read-out of cnn and lcn: a weight per position (flatten) or global "
                    "average pooling (gap)", choices=READOUTS)
LAYERS = Parameter("layers", str, None, "the network as layers, replacing architecture and depth (nngp, ntk) or "
                   "channels, filter size and activation (cnn): a preset (mlp, cnn, cnn-flatten, lcn, myrtle5, "
                   "myrtle7, myrtle10, resnet) or a layer string such as conv3-relu-avgpool2-gap-dense",
                   metavar="LAYERS")

#: The deepest network whose kernel recursion is run (a limit checked before any work).
MAX_DEPTH = 10_000

#: The parameters of ``nngp`` and ``ntk`` (the ``kind``), declared once: the constructor's defaults,
#: the command line's flags and experiment tables read them.
PARAMETERS = (
    Parameter("architecture", str, "mlp", "network architecture", choices=ARCHITECTURES),
    # The limit up front: each layer is one pass of the kernel recursion over every pair of
    # inputs, and depth 10**6 ran for minutes before failing; deep kernels converge to a constant.
    Parameter("depth", int, 2, f"hidden layers L (convolutional layers for cnn and lcn, at least 1 there; at most "
              f"{MAX_DEPTH:,})", metavar="D", high=MAX_DEPTH, limit="each layer is one pass of the kernel recursion "
              "over every pair of inputs, and deep kernels collapse to a constant or overflow", **NON_NEGATIVE),
    Parameter("activation", str, "relu", "activation function", choices=tuple(ACTIVATIONS)),
    WEIGHT_VAR,
    BIAS_VAR,
    READOUT,
    Parameter("channels", int, None, "the input images' channels, cnn and lcn (default: the task's recorded "
              "image shape, else 1 channel of square images)", metavar="C", **POSITIVE),
    Parameter("filter_size", int, 3, "filter size, odd", metavar="F", **POSITIVE),
    Parameter("jitter", float, None, "added to the diagonal of K (nngp) or Θ (ntk) for numerical stability only "
              "(default 1e-10 times its mean diagonal)", **NON_NEGATIVE),
    LAYERS,
    Parameter("precision", str, "float64", "the pooled CNN kernel's arithmetic (cnn with gap read-out, or a plain "
              "conv stack with gap): float32 is about 2x faster, to ~1e-7 relative; the posterior is float64 "
              "either way", choices=("float64", "float32")),
    Parameter("device", str, "cpu", "where the pooled CNN kernel is computed: cpu (the fused kernel) or cuda (the "
              "same recursion by torch; not measured here: no GPU was available)", choices=("cpu", "cuda")),
    Parameter("training_time", float, None, "ntk: the law after gradient descent on the mean MSE for T = learning "
              "rate x steps (gradient flow; default: trained to convergence); or give --lr and --steps",
              metavar="T", **NON_NEGATIVE),
    Parameter("lr", float, None, "ntk: with --steps, the gradient-descent step size whose product is the training "
              "time", keyword="learning_rate", **POSITIVE),
    Parameter("steps", int, None, "ntk: gradient-descent steps of size --lr (with --lr: --training-time)",
              **NON_NEGATIVE),
)
_DEFAULT = defaults_of(PARAMETERS)
#: finite training time is a property of the ntk law only
_NTK_ONLY = ("training_time", "lr", "steps")


def parameters_of(kind: str) -> tuple:
    """The declared parameters of ``kind`` ("nngp" or "ntk")."""
    return PARAMETERS if kind == "ntk" else tuple(p for p in PARAMETERS if p.name not in _NTK_ONLY)




# what the conditioning warnings of a network space tell the user to change
_NETWORK_REMEDY = ("increase --bias-var or --jitter, scale the inputs (e.g. pixels to [0, 1]), or remove "
                   "near-duplicate training inputs")
# ... and where K or Θ fails to factor (after the jitter)
_NOT_POSITIVE_DEFINITE_REMEDY = ("increase --bias-var, scale the inputs (e.g. pixels to [0, 1]), or remove duplicate "
                                 "training inputs")


class InfiniteWidthNetwork(GaussianPosteriorSpace):
    """Infinitely wide networks of a given architecture: Bayesian (``nngp``) or trained by gradient
    descent to convergence (``ntk``), docs/method.md §7. Each output is independent; the loss law is exact.

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
        σw² and σb² of the NTK parameterisation (docs/method.md §7); σb² may be 0.
    readout : {"flatten", "gap"}, cnn and lcn only, default "flatten"
        A weight per channel and position, or global average pooling then a weight per channel.
    channels : int, cnn and lcn only, default None
        Channels of the input images: None takes the task's recorded shape, else 1.
    filter_size : odd int, cnn and lcn only, default 3
    jitter : float or None, default None
        δ added to the diagonal of K (nngp) or Θ (ntk) for numerical stability only; None means
        1e-10 times its mean diagonal. The value used is reported.
    training_time : float or None, ntk only, default None
        T = learning rate × steps of full-batch gradient descent on the mean squared error over the
        n training points and k outputs, L = ||f(X) − Y||² / (n k) (the loss the project's finite
        networks minimise, :class:`~inductive_bias.NeuralNetworks`), taken as gradient flow: the
        law of the infinitely wide network stopped at T (Lee et al. 2019, eqs. 14-16). None (or
        inf): trained to convergence, the ``ntk`` law of docs/method.md §7; 0: the initial network's law.
    learning_rate, steps : float, int, ntk only
        The same thing given as T = ``learning_rate`` × ``steps`` (both, instead of
        ``training_time``). Gradient flow is the small-learning-rate limit of those steps.

    Examples
    --------
    >>> from inductive_bias import InfiniteWidthNetwork, digits, measure
    >>> space = InfiniteWidthNetwork("ntk", "mlp", depth=2, activation="relu")
    >>> result = measure(digits(n_train=100, n_test=100), space, target_error=0.03)
    >>> [round(float(b), 2) for b in result.bits]
    [2678.21]
    """

    remedy = _NETWORK_REMEDY

    def __init__(self, kind: str = "nngp", architecture: str = _DEFAULT["architecture"], depth: int = _DEFAULT["depth"],
                 activation: str = _DEFAULT["activation"], weight_var: float = _DEFAULT["weight_var"],
                 bias_var: float = _DEFAULT["bias_var"], *, readout: str | None = None, channels: int | None = None,
                 filter_size: int | None = None, jitter: float | None = _DEFAULT["jitter"],
                 training_time: float | None = None, learning_rate: float | None = None, steps: int | None = None,
                 layers=None, precision: str = _DEFAULT["precision"], device: str = _DEFAULT["device"]):
        declared = {p.name: p for p in PARAMETERS}
        self.kind = check_choice("kind", kind, KINDS)
        self.architecture = declared["architecture"].check(architecture)
        self.depth = declared["depth"].check(depth)
        if self.architecture != "mlp" and self.depth < 1:
            raise InputError("depth", f"must be >= 1 for architecture {self.architecture}; got {self.depth}")
        if self.architecture == "mlp":
            for name, value in (("readout", readout), ("channels", None if layers is not None else channels),
                                ("filter_size", filter_size)):
                if value is not None:
                    raise InputError(name, "applies to architecture cnn and lcn, not mlp")
            channels = None if channels is None else declared["channels"].check(channels)
        else:  # None: the declared default of an image architecture
            readout = declared["readout"].check(_DEFAULT["readout"] if readout is None else readout)
            channels = None if channels is None else declared["channels"].check(channels)
            filter_size = declared["filter_size"].check(_DEFAULT["filter_size"] if filter_size is None else filter_size)
            if filter_size % 2 == 0:
                raise InputError("filter_size", f"must be odd ('same' padding keeps the image size); got {filter_size}")
        self.readout, self.channels, self.filter_size = readout, channels, filter_size
        self.activation = declared["activation"].check(activation)
        self.weight_var = declared["weight_var"].check(weight_var)
        self.bias_var = declared["bias_var"].check(bias_var)
        self.jitter = None if jitter is None else declared["jitter"].check(jitter)
        self.training_time = _training_time(self.kind, training_time, learning_rate, steps)
        # composable layers (a preset, a layer string or layer objects) replace architecture/depth
        if layers is not None:
            for name, value in (("architecture", self.architecture), ("depth", self.depth),
                                ("activation", self.activation)):
                if value != _DEFAULT[name]:
                    raise InputError(name, f"{value!r} cannot be combined with layers (the layers carry their "
                                           "own architecture, depth and activations)")
        self.layers = None if layers is None else parse_layers(layers)
        self.layer_string = layers if isinstance(layers, str) else (None if layers is None else repr(self.layers))
        self.precision = declared["precision"].check(precision)
        self.device = declared["device"].check(device)
        if self.device != "cpu":
            check_device(self.device)  # no silent fall back to the CPU
        if (self.precision, self.device) != (_DEFAULT["precision"], _DEFAULT["device"]) and not self._pooled():
            name = "precision" if self.precision != _DEFAULT["precision"] else "device"
            raise InputError(name, "applies to the pooled CNN kernel only (cnn with readout gap, or a plain conv "
                                   "stack ending in gap); the other kernels are computed in float64 on the CPU")
        self.name = self.kind

    def _pooled(self) -> bool:
        """Whether the kernels take the pooled CNN road (the fused kernel, or torch on a device)."""
        if self.layers is not None:
            plain = _plain_conv(self.layers)
            return plain is not None and plain[3] == "gap" and plain[4]
        return self.architecture == "cnn" and self.readout == "gap"

    def spec(self) -> dict:
        spec = {"space": self.kind, "architecture": self.architecture, "depth": self.depth,
                "activation": self.activation, "weight_var": self.weight_var, "bias_var": self.bias_var}
        if self.architecture != "mlp":
            spec.update(readout=self.readout, channels=self.channels, filter_size=self.filter_size)
        if self.layers is not None:  # the layers replace architecture, depth and activation
            del spec["architecture"], spec["depth"], spec["activation"]
            spec["layers"] = self.layer_string
        spec["jitter"] = self.jitter
        if self.precision != _DEFAULT["precision"]:  # the device changes nothing but rounding
            spec["precision"] = self.precision
        if self.training_time is not None:
            spec["training_time"] = self.training_time
        return spec

    def __repr__(self) -> str:
        conv = (f", readout={self.readout!r}, channels={self.channels}, filter_size={self.filter_size}"
                if self.architecture != "mlp" else "")
        return (f"InfiniteWidthNetwork({self.kind!r}, {self.architecture!r}, depth={self.depth}, "
                f"activation={self.activation!r}, weight_var={self.weight_var!r}, bias_var={self.bias_var!r}"
                f"{conv}, jitter={self.jitter!r}"
                + ("" if self.training_time is None else f", training_time={self.training_time!r}") + ")")

    def image_shape(self, n_features: int) -> tuple[int, int, int]:
        """(channels, H, W) of flat channel-first inputs with ``n_features`` (square images)."""
        return square_image(n_features, self.channels, "channels", "give the number of channels of the images")

    def _inputs(self, task: Task):
        """The task's inputs as the kernels read them (images channel-first, :func:`.._images.read_images`,
        the reading the trained image networks share) and their image shape."""
        if self.architecture == "mlp" and self.layers is None:
            return task.X_train, task.X_test, None
        return read_images(task, channels=self.channels)

    # -- docs/method.md §7 kernels -------------------------------------------------------------------------
    def kernels(self, X1: np.ndarray, X2: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """NNGP K(X1, X2) and, for ``ntk``, the NTK Θ(X1, X2) (else None); X2 None means X1.
        Images (cnn, lcn) are flat rows read channel-first (:meth:`image_shape`)."""
        X2 = X1 if X2 is None else X2
        shape = None if self.architecture == "mlp" and self.layers is None else self.image_shape(np.shape(X1)[1])
        return self._kernels(X1, X2, shape, ntk=self.kind == "ntk")

    def _kernels(self, X1, X2, shape, *, ntk: bool):
        road = dict(dtype=self.precision, backend="torch" if self.device != "cpu" else "auto",
                    device=None if self.device == "cpu" else self.device)
        if self.layers is not None:
            return layer_kernels(X1, X2, shape, self.layers, self.weight_var, self.bias_var, ntk=ntk, **road)
        if self.architecture == "mlp":
            return mlp_kernels(X1, X2, self.depth, self.activation, self.weight_var, self.bias_var, ntk=ntk)
        return conv_kernels(X1, X2, shape, self.depth, self.activation, self.weight_var,
                            self.bias_var, filter_size=self.filter_size, readout=self.readout,
                            weight_sharing=self.architecture == "cnn", ntk=ntk, **road)

    # -- docs/method.md §7: mean and covariance at the test inputs -----------------------------------------
    def posterior(self, task: Task) -> GaussianPosterior:
        """M and Σ of docs/method.md §7 at the test inputs, by :func:`..gaussian.posterior` (Cholesky solves
        in float64, diagonalised) from this architecture's kernels."""
        tic = time.perf_counter()
        X_train, X_test, shape = self._inputs(task)
        inputs = time.perf_counter() - tic

        def kernels(X1, X2, tangent):
            # past float64's range the recursion overflows: refused by name below, not warned about
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                K, theta = self._kernels(X1, X2, shape, ntk=tangent)
            if not (np.all(np.isfinite(K)) and (theta is None or np.all(np.isfinite(theta)))):
                raise self._overflow(X_train)
            return K, theta

        def check_kernels(K, theta):
            self._refuse_collapsed(K, theta, X_train)

        def remedy():
            return _NOT_POSITIVE_DEFINITE_REMEDY + self._scale_hint(task.X_train)

        tau = None if self.training_time is None else training_time_scale(task) * self.training_time
        post = posterior(kernels, X_train, task.Y_train, X_test, task.Y_test, tangent=self.kind == "ntk",
                         training_time=tau, jitter=self.jitter, remedy=remedy, owner=self.kind,
                         check_kernels=check_kernels)
        timings = dict(post.timings)
        timings["kernel"] = timings.get("kernel", 0.0) + inputs
        return dataclasses.replace(post, timings=timings, training_time=self.training_time)

    def _depth_words(self) -> str:
        """The network's depth as the user gave it, to open a message about ``depth`` or ``layers``."""
        return f"{self.layer_string!r}:" if self.layers is not None else f"at {self.depth} hidden layers"

    def _trace(self, X_rows: np.ndarray) -> dict | None:
        """:func:`.kernels.layer_trace` of a few inputs where the network is a plain mlp, else None."""
        if self.layers is not None or self.architecture != "mlp":
            return None
        return layer_trace(X_rows, self.depth, self.activation, self.weight_var, self.bias_var,
                           ntk=self.kind == "ntk")

    def _overflow(self, X: np.ndarray) -> InputError:
        """Why the kernel left float64's range, naming the argument that took it there: the weight
        (or bias) variance where the first layer already overflows, else the depth, with the hidden
        layer at which the entries pass float64's largest number (docs/method.md §7: the variance is
        multiplied by about σw² E[φ'²] at each layer)."""
        with np.errstate(all="ignore"):
            squared = np.einsum("ij,ij->i", X, X)
            largest_input = X[np.argmax(squared)][None, :]
            first = self.weight_var * float(np.max(squared)) / X.shape[1] + self.bias_var
        what = f"the {self.kind} kernel's entries pass float64's largest number (1.8e308)"
        if not math.isfinite(first) or first > 1e150:
            name, value = ("bias_var", self.bias_var) if self.bias_var > 1e150 else ("weight_var", self.weight_var)
            return InputError(name, f"{value!r} makes {what} (the first layer's variance is {first:.3g}); "
                                    f"the posterior cannot be computed: use a variance of order 1")
        trace = self._trace(np.vstack([largest_input, X[:1]]))
        where = ""
        if trace is not None:
            beyond = np.flatnonzero(~(trace["largest"] < 1e300))
            if beyond.size:
                where = f" from hidden layer {int(beyond[0])} on"
        return InputError("depth" if self.layers is None else "layers",
                          f"{self._depth_words()} {what}{where}, growing layer by layer with --weight-var "
                          f"{self.weight_var!r}; use fewer layers or a smaller --weight-var")

    def _refuse_collapsed(self, K: np.ndarray, theta: np.ndarray | None, X: np.ndarray) -> None:
        """Refuse a kernel whose distinct training inputs all lie within COLLAPSED_CORRELATION of
        correlation 1 (:func:`..conditioning.correlation_spread`): deep networks' kernels converge to
        a constant matrix (docs/method.md §7), and conditioned on one the posterior is rounding's."""
        for label, M, key in (("NNGP kernel K", K, "spread_K"), ("neural tangent kernel Θ", theta, "spread_theta")):
            if M is None:
                continue
            spread, pair = correlation_spread(M)
            if not spread <= COLLAPSED_CORRELATION:
                continue
            rows = X[list(pair)]
            first = self.weight_var * (rows @ rows.T) / X.shape[1] + self.bias_var
            if correlation_spread(first)[0] <= COLLAPSED_CORRELATION:
                # not the depth: the inputs coincide (or are parallel) already, as in any kernel; the
                # solve's conditioning checks speak to that, as for the GP
                return
            trace = self._trace(rows)
            where = ""
            if trace is not None:
                above = np.flatnonzero(~(trace[key] <= COLLAPSED_CORRELATION))
                start = 0 if not above.size else int(above[-1]) + 1
                where = f" from hidden layer {start} on"
            raise InputError("depth" if self.layers is None else "layers",
                             f"{self._depth_words()} the {self.kind} network's {label} has collapsed to a "
                             f"constant matrix: every two distinct training inputs have correlation "
                             + (f"within {spread:.1e} of 1" if spread > 0 else "1 in float64")
                             + f"{where} (float64 resolves no less than "
                             f"{COLLAPSED_CORRELATION:.0e}), so the posterior would be set by rounding, not by the "
                             f"data; use fewer layers, or --weight-var/--bias-var where this activation's "
                             f"correlations do not converge to 1")

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

    def _posterior_info(self, post: GaussianPosterior) -> dict:
        """ntk: the jitter added to K, whose Cholesky factor builds Σ, beside Θ's; the training time."""
        info = {} if post.kernel_jitter is None else {"kernel_jitter": post.kernel_jitter}
        if post.training_time is not None:
            info["training_time"] = post.training_time
        return info


def training_time_scale(task: Task) -> float:
    """τ / T: gradient descent with learning rate η on L = ||f(X) − Y||² / (n k), the mean over the
    n training points and k outputs, moves the infinitely wide network's outputs by
    ḟ = −(2η / (n k)) Θ (f − Y) (the NTK parameterisation, docs/method.md §7), which is gradient flow on
    ½||f(X) − Y||² for the time τ = 2T / (n k), T = η × steps."""
    return 2.0 / (task.n_train * task.n_outputs)


def _training_time(kind: str, training_time, learning_rate, steps) -> float | None:
    """T from ``training_time`` or ``learning_rate`` × ``steps`` (ntk only); None: converged."""
    given = [name for name, value in (("training_time", training_time), ("learning_rate", learning_rate),
                                      ("steps", steps)) if value is not None]
    if not given:
        return None
    if kind != "ntk":
        raise InputError(given[0], f"applies to kind ntk (a network trained by gradient descent), not {kind}")
    if training_time is not None:
        if len(given) > 1:
            raise InputError(given[1], "gives the training time again: give training_time, or learning_rate "
                                       "and steps")
        if not isinstance(training_time, bool) and isinstance(training_time, (int, float)) \
                and training_time == math.inf:
            return None  # trained to convergence
        return check_positive("training_time", training_time, allow_zero=True)
    if learning_rate is None or steps is None:
        missing = "steps" if steps is None else "learning_rate"
        raise InputError(missing, f"is needed with {given[0]}: the training time is learning_rate × steps")
    rate = check_positive("learning_rate", learning_rate)
    return rate * check_positive("steps", steps, integer=True, allow_zero=True)
