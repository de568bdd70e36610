"""Composable layers of infinitely wide networks: the NNGP and NTK of a stack of layers (docs/method.md §7).

A network is a tuple of small frozen layer objects (or a compact string, or a preset name)::

    conv3-relu-conv3-relu-avgpool2-gap-dense

Each layer maps the covariance between the pre-activations of two inputs x, x', carried for every
pair of positions (p, p') as a tensor (H, W, H, W) — NNGP K, and for the NTK Θ — to the next
layer's, in the NTK parameterisation of docs/method.md §7 (weights and biases N(0, 1), scaled by σw/√fan-in
and σb):

- ``Conv(F, stride)``: 'same' convolution, K ← σw²/F² Σ_δ K(p+δ, p'+δ) + σb², Θ ← that of Θ + K
  (the new K), then positions subsampled by the stride; the first layer sums channels too;
- ``LocallyConnected(F)``: the same without weight sharing: positions untied, K(p, p') = 0 for
  p ≠ p' (the LCN of docs/method.md §7);
- ``Dense()``: a 1x1 convolution (per position, over channels); a fully connected layer is
  ``Flatten()`` then ``Dense()``;
- ``Flatten()``: K ← mean_p K(p, p) (every (channel, position) becomes a feature);
- ``GlobalAvgPool()``: K ← mean_{p,p'} K(p, p');
- ``AvgPool(window, stride)``: K ← mean over the window at p and, independently, at p' ('valid');
- an activation (``relu``, ``erf``, ``identity``, ``gelu``, ``tanh``, ``sigmoid``): K ← T(K),
  Θ ← T'(K) Θ (:mod:`.activations`);
- ``Residual(branch)``: x + branch(x): K ← K + K_branch, Θ ← Θ + Θ_branch, exact because the
  branch ends in a layer with fresh zero-mean weights (required), so that it is uncorrelated
  with its input, and x is a Gaussian pre-activation (required, as for every activation: the
  dual maps hold for Gaussian inputs only), so that the sum is Gaussian;
- ``LayerNorm(axis)``: (h - mean) / std over the channels at each position (``axis="channels"``,
  token ``layernorm``) or over channels and positions together (``axis="all"``, token
  ``layernorm_all``), with no learned gain or shift (as neural-tangents' ``stax.LayerNorm``).
  On a Gaussian pre-activation the channel mean vanishes and the squared norm over the infinitely
  many channels converges to the constant K(x, p; x, p) (or its mean over p), so
  K(p, p') ← K(p, p') / (s(x, p) s(x', p')) with s the square root of that constant. The
  normalisation's Jacobian is (I - P)/s with P a rank-2 projection over the channels, whose part
  in any one channel is O(1/width): Θ is divided by the same s(x, p) s(x', p'). As the first
  layer it normalises the input images themselves (exact, mean removed). After an activation it
  is refused (the channel mean of the activation's outputs does not vanish; not built);
- ``GlobalSelfAttention(logit_scale)`` (token ``attention``, ``attention0.5``): one attention
  over all positions, queries and keys from one tied weight matrix, logits scaled by
  1/(fan-in · d_key) as in Hron et al. 2020 and neural-tangents (``linear_scaling=True``), no
  positional embedding. At infinite width the logits of an input converge to
  c K(x; p, q) (c the logit scale), so the attention weights A_x = softmax_q(c K(x; p, q)) are
  deterministic; values and the output projection are two fresh weight matrices, so
  K ← σw² A_x K A_x'ᵀ + σb² and Θ ← σw² A_x (Θ + 2 K) A_x'ᵀ + σb² (the value and output weights
  each contribute A K Aᵀ; the key weights and the logits' dependence on earlier weights only
  O(1/width)). The standard 1/√d_key scaling leaves Gaussian logits whose softmax expectation
  has no closed form: ``GlobalSelfAttention(scaling="sqrt")`` and ``attention_sqrt`` are refused.

Max pooling and batch normalisation have no closed-form kernel (the maximum of correlated
Gaussians; statistics over a batch couple the inputs), nor has instance normalisation (the mean
and variance over finitely many positions stay random): asking for them is an error that says so.

The read-out must end the stack with one position and a ``Dense`` (``...-gap-dense``,
``...-flatten-dense``): the output is one scalar per input, and its K and Θ are the kernels.
The presets ``cnn`` (with ``flatten`` or ``gap``) reproduce :func:`~.conv_kernels.conv_kernels`.

Examples
--------
>>> parse_layers("conv3-relu-avgpool2-gap-dense")
(Conv(filter_size=3, stride=1), Activation(name='relu'), AvgPool(window=2, stride=2), GlobalAvgPool(), Dense())
>>> parse_layers("maxpool2")
Traceback (most recent call last):
...
inductive_bias.exceptions.InputError: layers: max pooling has no closed-form infinite-width kernel (the maximum of correlated Gaussians); use avgpool
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ...exceptions import InputError
from .activations import ACTIVATIONS, dual_maps

__all__ = ["PRESETS", "Activation", "AvgPool", "Conv", "Dense", "Flatten", "GlobalAvgPool", "GlobalSelfAttention",
           "LayerNorm", "LocallyConnected", "Residual", "layer_kernels", "parse_layers", "preset"]


@dataclass(frozen=True)
class Conv:
    filter_size: int = 3
    stride: int = 1

    def __post_init__(self):
        if self.filter_size < 1 or self.filter_size % 2 == 0:
            raise InputError("layers", f"conv filter size must be odd and positive ('same' padding); got {self.filter_size}")
        if self.stride < 1:
            raise InputError("layers", f"conv stride must be positive; got {self.stride}")


@dataclass(frozen=True)
class LocallyConnected:
    filter_size: int = 3

    def __post_init__(self):
        if self.filter_size < 1 or self.filter_size % 2 == 0:
            raise InputError("layers", f"lc filter size must be odd and positive; got {self.filter_size}")


@dataclass(frozen=True)
class Dense:
    pass


@dataclass(frozen=True)
class Flatten:
    pass


@dataclass(frozen=True)
class GlobalAvgPool:
    pass


@dataclass(frozen=True)
class AvgPool:
    window: int = 2
    stride: int | None = None

    def __post_init__(self):
        if self.stride is None:
            object.__setattr__(self, "stride", self.window)
        if self.window < 1 or self.stride < 1:
            raise InputError("layers", f"avgpool window and stride must be positive; got {self.window}, {self.stride}")


@dataclass(frozen=True)
class Activation:
    name: str

    def __post_init__(self):
        if self.name not in ACTIVATIONS:
            raise InputError("layers", f"unknown activation {self.name!r}; one of {', '.join(ACTIVATIONS)}")


@dataclass(frozen=True)
class LayerNorm:
    """(h - mean) / std over the channels at each position (``axis="channels"``) or over channels and
    positions (``axis="all"``); no learned gain or shift (docs/method.md §7)."""
    axis: str = "channels"

    def __post_init__(self):
        if self.axis == "positions":
            raise InputError("layers", "layernorm over positions alone (instance normalisation) has no closed-form "
                                       "infinite-width kernel (the mean and variance over finitely many positions "
                                       "stay random); use axis 'channels' or 'all'")
        if self.axis not in ("channels", "all"):
            raise InputError("layers", f"layernorm axis must be 'channels' or 'all'; got {self.axis!r}")


@dataclass(frozen=True)
class GlobalSelfAttention:
    """Self-attention over all positions with tied query and key weights and logits scaled by
    1/(fan-in · d_key), times ``logit_scale`` (docs/method.md §7)."""
    logit_scale: float = 1.0
    scaling: str = "linear"

    def __post_init__(self):
        if self.scaling == "sqrt":
            raise InputError("layers", _NO_CLOSED_FORM["attention_sqrt"])
        if self.scaling != "linear":
            raise InputError("layers", f"attention scaling must be 'linear'; got {self.scaling!r}")
        if not (isinstance(self.logit_scale, (int, float)) and np.isfinite(self.logit_scale)):
            raise InputError("layers", f"attention logit scale must be a finite number; got {self.logit_scale!r}")


@dataclass(frozen=True)
class Residual:
    branch: tuple

    def __post_init__(self):
        object.__setattr__(self, "branch", tuple(self.branch))
        if not self.branch or not isinstance(self.branch[-1], (Conv, Dense, LocallyConnected, GlobalSelfAttention)):
            raise InputError("layers", "a residual branch must end with conv, lc, dense or attention (fresh zero-mean "
                                       "weights make it uncorrelated with the identity path)")
        if any(isinstance(layer, (Flatten, GlobalAvgPool, AvgPool)) or getattr(layer, "stride", 1) != 1
               for layer in self.branch):
            raise InputError("layers", "a residual branch must keep the image shape (no pooling, flatten or stride)")


_NO_CLOSED_FORM = {
    "maxpool": "max pooling has no closed-form infinite-width kernel (the maximum of correlated Gaussians); use avgpool",
    "batchnorm": "batch normalisation has no closed-form infinite-width kernel (batch statistics couple the inputs)",
    "instancenorm": ("instance normalisation has no closed-form infinite-width kernel (the mean and variance over "
                     "finitely many positions stay random); use layernorm"),
    "attention_sqrt": ("attention with 1/sqrt(d_key) logit scaling has no closed-form infinite-width kernel (the "
                       "logits stay Gaussian and the softmax's expectation over them has no closed form); use "
                       "attention (1/d_key scaling, tied query and key weights)"),
}

PRESETS = {
    "mlp": "flatten-dense-relu-dense-relu-dense",
    "cnn": "conv3-relu-conv3-relu-gap-dense",
    "cnn-flatten": "conv3-relu-conv3-relu-flatten-dense",
    "lcn": "lc3-relu-lc3-relu-flatten-dense",
    # Shankar et al. 2020 (as neural-tangents builds them): 3x3 'same' convolutions in three stages
    # separated by 2x2 average pooling; the three final 2x2 poolings of 32x32 images are a global
    # average, written as gap so that the presets apply to any image size
    "myrtle5": "conv3-relu-conv3-relu-avgpool2-conv3-relu-avgpool2-conv3-relu-gap-dense",
    "myrtle7": "conv3-relu-conv3-relu-conv3-relu-avgpool2-conv3-relu-conv3-relu-avgpool2-conv3-relu-conv3-relu-gap-dense",
    "myrtle10": ("conv3-relu-conv3-relu-conv3-relu-conv3-relu-avgpool2-conv3-relu-conv3-relu-conv3-relu-avgpool2-"
                 "conv3-relu-conv3-relu-conv3-relu-gap-dense"),
    # pre-activation residual blocks (as neural-tangents' WideResnet): the identity carries the
    # Gaussian pre-activations, so that the sum stays Gaussian
    "resnet": "conv3-res(relu-conv3-relu-conv3)-res(relu-conv3-relu-conv3)-relu-gap-dense",
}


def preset(name: str) -> tuple:
    """The layers of a preset (:data:`PRESETS`)."""
    if name not in PRESETS:
        raise InputError("layers", f"unknown preset {name!r}; one of {', '.join(PRESETS)}")
    return parse_layers(PRESETS[name])


def _split(text: str) -> list[str]:
    """Split on '-' outside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise InputError("layers", f"unbalanced parentheses in {text!r}")
        if ch == "-" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    if depth != 0:
        raise InputError("layers", f"unbalanced parentheses in {text!r}")
    return parts + [current]


def parse_layers(layers) -> tuple:
    """Layers from a preset name, a compact string ("conv3-relu-avgpool2-gap-dense"; conv3s2: stride
    2; lc3: locally connected; res(...): a residual block) or a sequence of layer objects."""
    if isinstance(layers, str):
        text = layers.strip().lower()
        if text in PRESETS:
            return preset(text)
        layers = tuple(_token(token, text) for token in _split(text))
    layers = tuple(layers)
    kinds = (Conv, LocallyConnected, Dense, Flatten, GlobalAvgPool, AvgPool, Activation, Residual, LayerNorm,
             GlobalSelfAttention)
    for layer in layers:
        if not isinstance(layer, kinds):
            raise InputError("layers", f"not a layer: {layer!r}")
    _check_gaussian(layers, False, at_input=True)
    return layers


def _check_gaussian(layers, gaussian: bool, at_input: bool = False) -> bool:
    """The dual maps T, T' hold for Gaussian inputs: an activation, and a residual block (whose sum
    with its branch must stay Gaussian), must see the output of a layer with weights (averages of
    it, by pooling, stay Gaussian). Layer normalisation must see a Gaussian pre-activation (its
    channel mean vanishes) or, as the first layer, the input itself; a Gaussian input stays Gaussian.
    Returns whether the stack's output is Gaussian."""
    for index, layer in enumerate(layers):
        if isinstance(layer, LayerNorm) and not gaussian and not (at_input and index == 0):
            raise InputError("layers", "layernorm must be the first layer (it then normalises the input) or follow a "
                                       "layer with weights (conv, lc, dense, attention), possibly pooled: after an "
                                       "activation the channel mean does not vanish, and that case is not built")
        if isinstance(layer, (Activation, Residual)) and not gaussian:
            what = f"activation {layer.name}" if isinstance(layer, Activation) else "a residual block"
            raise InputError("layers", f"{what} must follow a layer with weights (conv, lc, dense, attention), "
                                       "possibly pooled or layer-normalised: "
                                       "its input must be Gaussian (put the activation inside the residual branch: "
                                       "res(relu-conv3-relu-conv3))")
        if isinstance(layer, Residual):
            _check_gaussian(layer.branch, True)
        gaussian = isinstance(layer, (Conv, LocallyConnected, Dense, Residual, GlobalSelfAttention)) or (
            gaussian and isinstance(layer, (AvgPool, GlobalAvgPool, Flatten, LayerNorm)))
    return gaussian


def _token(token: str, text: str):
    if token.startswith("res(") and token.endswith(")"):
        inner = token[4:-1]
        return Residual(tuple(_token(t, inner) for t in _split(inner)))
    if token in ACTIVATIONS:
        return Activation(token)
    for name, why in _NO_CLOSED_FORM.items():
        if token.startswith(name):
            raise InputError("layers", why)
    simple = {"dense": Dense(), "flatten": Flatten(), "gap": GlobalAvgPool(), "layernorm": LayerNorm(),
              "layernorm_all": LayerNorm("all")}
    if token in simple:
        return simple[token]
    m = re.fullmatch(r"attention(\d+(?:\.\d*)?)?", token)
    if m:
        return GlobalSelfAttention(float(m.group(1)) if m.group(1) else 1.0)
    m = re.fullmatch(r"(conv|lc|avgpool)(\d+)(?:s(\d+))?", token)
    if m:
        kind, size, stride = m.group(1), int(m.group(2)), m.group(3)
        if kind == "conv":
            return Conv(size, int(stride) if stride else 1)
        if kind == "lc":
            if stride:
                raise InputError("layers", f"lc takes no stride; got {token!r}")
            return LocallyConnected(size)
        return AvgPool(size, int(stride) if stride else None)
    raise InputError("layers", f"unknown layer {token!r} in {text!r} (conv3, conv3s2, lc3, dense, flatten, gap, "
                               f"avgpool2, layernorm, layernorm_all, attention, attention0.5, res(...), an activation, "
                               f"or a preset: {', '.join(PRESETS)})")


# -- the recursion --------------------------------------------------------------------------------


def _box(x, F: int):
    """Σ_δ x(p+δ, p'+δ) over the F x F offsets, zero outside the image, on the last four axes
    (p_y, p_x, p'_y, p'_x): F joint shifts along the rows of p and p', then along the columns. ``x``
    is a numpy array or a torch tensor (the fused kernel's torch road sums with it too)."""
    for axes in ((-4, -2), (-3, -1)):
        out = x.clone() if hasattr(x, "clone") else x.copy()
        n = x.shape[axes[0]]
        for d in range(1, min(F // 2, n - 1) + 1):
            lo, hi = [slice(None)] * x.ndim, [slice(None)] * x.ndim
            for axis in axes:
                lo[axis], hi[axis] = slice(0, n - d), slice(d, n)
            out[tuple(lo)] += x[tuple(hi)]
            out[tuple(hi)] += x[tuple(lo)]
        x = out
    return x


def _pool(x: np.ndarray, window: int, stride: int) -> np.ndarray:
    """Mean over a window at p and at p' independently ('valid'), on each of the last four axes."""
    for axis in (-4, -3, -2, -1):
        n = x.shape[axis]
        count = (n - window) // stride + 1
        if count < 1:
            raise InputError("layers", f"avgpool{window} does not fit an image side of {n}")
        parts = [np.take(x, np.arange(d, d + stride * (count - 1) + 1, stride), axis=axis) for d in range(window)]
        x = sum(parts[1:], parts[0]) / window
    return x


def _diagonal(K: np.ndarray) -> np.ndarray:
    """K(p, p) of (n, H, W, H, W): (n, H, W)."""
    n, H, W = K.shape[:3]
    return np.diagonal(K.reshape(n, H * W, H * W), axis1=1, axis2=2).reshape(n, H, W)


def _linear(layer, K, Th, sw2, sb2, ntk):
    """A layer with weights: K ← σw² A(K) + σb², Θ ← σw² A(Θ) + K (A the layer's average)."""
    if isinstance(layer, Conv):
        F, s = layer.filter_size, layer.stride

        def average(x):
            return (_box(x, F) / (F * F))[:, ::s, ::s, ::s, ::s]
    elif isinstance(layer, LocallyConnected):
        F = layer.filter_size

        def average(x):
            out = _box(x, F) / (F * F)
            n, H, W = out.shape[:3]
            keep = np.eye(H * W, dtype=bool).reshape(1, H, W, H, W)
            return np.where(keep, out, 0.0)
    else:  # Dense: per position, over channels

        def average(x):
            return x

    K_new = sw2 * average(K) + sb2
    if isinstance(layer, LocallyConnected):  # untied biases too: none between different positions
        n, H, W = K_new.shape[:3]
        K_new = np.where(np.eye(H * W, dtype=bool).reshape(1, H, W, H, W), K_new, 0.0)
    Th_new = sw2 * average(Th) + K_new if ntk else None
    return K_new, Th_new


def _norm(Kx: np.ndarray, axis: str) -> np.ndarray:
    """The limit of a layer norm's divisor at every position, (n, H, W): √K(x, p; x, p), or the root
    of its mean over p for ``axis="all"``."""
    v = _diagonal(Kx)
    if axis == "all":
        v = np.broadcast_to(v.reshape(len(v), -1).mean(axis=1)[:, None, None], v.shape)
    if np.any(v <= 0):
        raise InputError("layers", "layernorm of a pre-activation with zero variance (zero inputs and bias_var 0?)")
    return np.sqrt(v)


def _attention_weights(Kx: np.ndarray, scale: float) -> np.ndarray:
    """softmax over the key position q of scale · K(x; p, q), (n, H·W, H·W): the deterministic attention
    weights of one input at infinite width."""
    n, P = len(Kx), Kx.shape[1] * Kx.shape[2]
    logits = scale * Kx.reshape(n, P, P)
    e = np.exp(logits - logits.max(axis=2, keepdims=True))
    return e / e.sum(axis=2, keepdims=True)


def _mix(x: np.ndarray, Aa: np.ndarray, Ab: np.ndarray) -> np.ndarray:
    """Σ_{q, q'} A_a(p, q) x(q, q') A_b(p', q'), on (n, H, W, H, W)."""
    shape = x.shape
    n, P = shape[0], shape[1] * shape[2]
    return (Aa @ x.reshape(n, P, P) @ Ab.transpose(0, 2, 1)).reshape(shape)


def _normalise_input(X: np.ndarray, axis: str) -> np.ndarray:
    """A first-layer layer norm applied to the images themselves (n, C, H, W): exact, mean removed."""
    axes = 1 if axis == "channels" else (1, 2, 3)
    centred = X - X.mean(axis=axes, keepdims=True)
    std = np.sqrt((centred ** 2).mean(axis=axes, keepdims=True))
    # relative test: equal channels leave rounding noise, not an exact zero
    if np.any(std <= 1e-10 * np.sqrt((X ** 2).mean(axis=axes, keepdims=True))):
        what = "at some position over its channels (one channel, or equal channels)" if axis == "channels" else ""
        raise InputError("layers", " ".join(f"layernorm of the input: an input is constant {what}".split())
                                   + "; it cannot be normalised")
    return centred / std


def _run(layers, K, Th, sw2, sb2, ntk, per_image, record=None):
    """Propagate (K(x, x'), Θ(x, x')), each (pairs, H, W, H, W), through ``layers``.

    Some layers read a quantity of each input alone: an activation's dual map the variances
    K(x, p; x, p), a layer norm its divisors s(x, p), an attention layer its weights A_x.
    ``per_image`` yields them for x and for x', one pair per such layer in the order the layers
    meet them. With ``per_image`` None, K is each image with itself (x = x'): the quantities are
    computed from it and appended to ``record`` — that is how they are made, once per image
    rather than once per pair of images."""
    for layer in layers:
        if isinstance(layer, Activation):
            va, vb = _alone(per_image, record, _diagonal, K)
            K, dt = dual_maps(layer.name, va[:, :, :, None, None], vb[:, None, None], K, derivative=ntk)
            Th = dt * Th if ntk else None
        elif isinstance(layer, (Conv, LocallyConnected, Dense)):
            K, Th = _linear(layer, K, Th, sw2, sb2, ntk)
        elif isinstance(layer, AvgPool):
            K = _pool(K, layer.window, layer.stride)
            Th = _pool(Th, layer.window, layer.stride) if ntk else None
        elif isinstance(layer, (GlobalAvgPool, Flatten)):
            def reduce(x):
                n = len(x)
                if isinstance(layer, GlobalAvgPool):
                    return x.reshape(n, -1).mean(axis=1).reshape(n, 1, 1, 1, 1)
                return _diagonal(x).reshape(n, -1).mean(axis=1).reshape(n, 1, 1, 1, 1)
            K = reduce(K)
            Th = reduce(Th) if ntk else None
        elif isinstance(layer, LayerNorm):
            sa, sb = _alone(per_image, record, lambda k: _norm(k, layer.axis), K)
            divisor = sa[:, :, :, None, None] * sb[:, None, None]
            K = K / divisor
            Th = Th / divisor if ntk else None
        elif isinstance(layer, GlobalSelfAttention):
            Aa, Ab = _alone(per_image, record, lambda k: _attention_weights(k, layer.logit_scale), K)
            mixed = _mix(K, Aa, Ab)
            Th = sw2 * (_mix(Th, Aa, Ab) + 2.0 * mixed) + sb2 if ntk else None
            K = sw2 * mixed + sb2
        elif isinstance(layer, Residual):
            K2, Th2 = _run(layer.branch, K, Th, sw2, sb2, ntk, per_image, record)
            K = K + K2
            Th = Th + Th2 if ntk else None
    return K, Th


def _alone(per_image, record, compute, K):
    """The pair (for x, for x') of what a layer reads of each input alone: the next of ``per_image``,
    or, on the images' own pass (``per_image`` None, K each image with itself), ``compute(K)`` for
    both, appended to ``record``."""
    if per_image is None:
        value = compute(K)
        record.append(value)
        return value, value
    return next(per_image)


def _gram(P, Q, C: int):
    """Channel-mean products of every pair of positions: (b, H, W, H, W)."""
    return np.einsum("bcpq,bcrs->bpqrs", P, Q) / C


def _per_image(A, layers, sw2, sb2, step: int) -> list:
    """What each activation, layer norm and attention layer of ``layers`` reads of an input alone
    (see :func:`_run`), one array over the images A (n, C, H, W) per such layer: the recursion on
    each image with itself, ``step`` images at a time."""
    maps = []
    for start in range(0, len(A), step):
        block = A[start:start + step]
        record = []
        _run(layers, _gram(block, block, A.shape[1]), None, sw2, sb2, False, None, record)
        maps.append(record)
    return [np.concatenate(parts) for parts in zip(*maps)]


def _plain_conv(layers):
    """(depth, activation, filter size, read-out, weight sharing) where ``layers`` is a plain stack
    of stride-1 convolutions (or locally connected layers) of one filter size, each followed by
    the same activation, then gap or flatten and the dense read-out: the network of
    :func:`~.conv_kernels.conv_kernels`, whose roads (the fused kernel, the position diagonal)
    need no position-pair tensor. None for any other stack."""
    body, readout = layers[:-2], layers[-2:-1]
    if len(body) < 2 or len(body) % 2 or not readout or not isinstance(layers[-1], Dense):
        return None
    convs, acts = body[0::2], body[1::2]
    first = convs[0]
    kind = type(first)
    if kind not in (Conv, LocallyConnected) or any(c != first for c in convs):
        return None
    if kind is Conv and first.stride != 1:
        return None
    if not all(isinstance(a, Activation) and a == acts[0] for a in acts):
        return None
    if isinstance(readout[0], GlobalAvgPool):
        name = "gap"
    elif isinstance(readout[0], Flatten):
        name = "flatten"
    else:
        return None
    return len(convs), acts[0].name, first.filter_size, name, kind is Conv


def layer_kernels(X1, X2, image_shape, layers, weight_var: float, bias_var: float, *, ntk: bool = True,
                  block_entries: int = 2_000_000, **road):
    """K(X1, X2) and Θ(X1, X2) (Θ None unless ``ntk``) of the network ``layers`` (see
    :func:`parse_layers`), on flat channel-first images of ``image_shape`` (C, H, W); vectors are
    images (d, 1, 1). A plain CNN or LCN (convolutions and one activation, then gap or flatten)
    takes the roads of :func:`~.conv_kernels.conv_kernels` (the fused pooled kernel: a few ms per
    pair of 28 x 28 images); any other stack carries every pair of positions (memory (H·W)² per
    pair, a block of pairs at a time), which is meant for small images (Myrtle-5 on 32 x 32 x 3:
    ~0.4 s per pair). ``road``: ``backend``, ``device``, ``dtype`` of
    :func:`~.conv_kernels.conv_kernels`, for a plain stack (the other stacks compute in float64)."""
    layers = parse_layers(layers)
    if not layers or not isinstance(layers[-1], Dense):
        raise InputError("layers", "the network must end with dense (the read-out), after gap or flatten")
    if isinstance(layers[0], LayerNorm):  # the input is known: normalise it exactly
        def normalised(X):
            X = _normalise_input(np.asarray(X, dtype=np.float64).reshape(-1, *image_shape), layers[0].axis)
            return X.reshape(len(X), -1)

        same = X2 is X1
        X1 = normalised(X1)
        X2 = X1 if same else normalised(X2)
        layers = layers[1:]
    plain = _plain_conv(layers)
    if plain is not None and len(image_shape) == 3 and image_shape[1:] != (1, 1):
        from .conv_kernels import conv_kernels

        depth, activation, F, readout, sharing = plain
        return conv_kernels(X1, X2, image_shape, depth, activation, weight_var, bias_var, filter_size=F,
                            readout=readout, weight_sharing=sharing, ntk=ntk, **road)
    return _all_pairs(X1, X2, image_shape, layers, weight_var, bias_var, ntk=ntk, block_entries=block_entries)


def _all_pairs(X1, X2, image_shape, layers, weight_var, bias_var, *, ntk, block_entries):
    """:func:`layer_kernels` by the position-pair tensor of every pair of images."""
    C, H, W = image_shape
    A = np.asarray(X1, dtype=np.float64).reshape(-1, C, H, W)
    same = X2 is X1
    B = A if same else np.asarray(X2, dtype=np.float64).reshape(-1, C, H, W)
    n1, n2 = len(A), len(B)
    I, J = np.tril_indices(n1) if same else np.divmod(np.arange(n1 * n2), n2)
    outK, outT = np.empty(len(I)), np.empty(len(I))
    step = max(1, block_entries // (H * W) ** 2)
    alone_a = _per_image(A, layers, weight_var, bias_var, step)
    alone_b = alone_a if same else _per_image(B, layers, weight_var, bias_var, step)
    for start in range(0, len(I), step):
        i, j = I[start:start + step], J[start:start + step]
        K = _gram(A[i], B[j], C)
        per_image = ((a[i], b[j]) for a, b in zip(alone_a, alone_b))
        # the input has no parameters: Θ⁰ = 0
        K, Th = _run(layers, K, np.zeros_like(K) if ntk else None, weight_var, bias_var, ntk, per_image)
        if K.shape[1:] != (1, 1, 1, 1):
            raise InputError("layers", "the read-out must see one position: put gap or flatten before the last dense")
        outK[start:start + step] = K.reshape(-1)
        if ntk:
            outT[start:start + step] = Th.reshape(-1)
    K = np.empty((n1, n2))
    K[I, J] = outK
    theta = None
    if ntk:
        theta = np.empty((n1, n2))
        theta[I, J] = outT
    if same:
        K[J, I] = outK
        if ntk:
            theta[J, I] = outT
    return K, theta
