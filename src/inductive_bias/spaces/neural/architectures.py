"""Built-in architectures of neural-network hypothesis spaces (docs/method.md §4).

Every builder takes the task's shape, ``(n_features, n_outputs)``, and returns a stateless
``torch.nn.Module`` (no running-statistics buffers) mapping flat inputs ``(batch, n_features)`` to
``(batch, n_outputs)``. Image architectures reshape the flat input to ``(channels, height, width)``
themselves, so every space sees the same task.

- ``mlp``: fully connected layers.
- ``cnn``: convolutions (locality and weight sharing), then one linear read-out of every position
  (``readout="flatten"``) or of their average (``readout="gap"``); or, with ``layers``, the finite
  twin of an infinite-width layer list (:func:`build_layers`).
- ``lcn``: the same network without weight sharing: every output position has its own filter.
- ``vit``: a small vision transformer (patch embedding, self-attention blocks, mean-pooled read-out).

Initialisation is PyTorch's default for each layer (uniform ±1/sqrt(fan_in) for linear,
convolutional and locally connected weights and biases), drawn from an explicit
``torch.Generator`` in a fixed order by :func:`initialise`, so that a member's initial weights are
a function of its seed alone.

``mlp`` and ``cnn`` (layer lists included) also come in the NTK parameterisation (docs/method.md §7; ``build(...,
ntk=(weight_var, bias_var))``): every weight and bias is drawn N(0, 1) and a layer computes
``σ_w / sqrt(fan_in) · W x + σ_b · b`` (fan_in: inputs of a unit, ``C_in · k · k`` for a
convolution), the parameterisation in which a wide network trained by gradient descent follows
the neural tangent kernel.

>>> net = build("mlp", 3, 1, resolve_options("mlp", {"hidden": (4,)}), ntk=(2.0, 0.1))
>>> initialise(net, torch.Generator().manual_seed(0))
>>> [type(m).__name__ for m in net], round(net[0].weight_scale ** 2, 4)
(['NTKLinear', 'ReLU', 'NTKLinear'], 0.6667)
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from ...exceptions import InputError
from ..._validation import check_choice
from .. import _images
from ..infinite_width import layers as _layers
from .parameters import ARCHITECTURE_PARAMETERS, NTK_ARCHITECTURES, layers_alone

__all__ = ["ACTIVATIONS", "ARCHITECTURES", "NTK_ARCHITECTURES", "LocallyConnected2d", "NTKConv2d", "NTKLinear",
           "NTKLocallyConnected2d", "VisionTransformer", "build", "build_layers", "image_shape_for", "initialise",
           "resolve_options"]

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "identity": nn.Identity,
}

# The options each built-in architecture takes, with their defaults (declared in .parameters).
ARCHITECTURES = {name: {p.argument: p.default for p in declared} for name, declared in ARCHITECTURE_PARAMETERS.items()}





# -- options ------------------------------------------------------------------------------------
IMAGE_SHAPE_REMEDY = "give image_shape=(channels, height, width)"


def image_shape_for(n_features: int, image_shape) -> tuple[int, int, int]:
    """``(C, H, W)`` of the flat inputs: ``image_shape`` if given, else a square single-channel
    image when ``n_features`` is a perfect square (digits: 64 -> 1x8x8)."""
    if image_shape is None:
        return _images.square_image(n_features, None, "image_shape", IMAGE_SHAPE_REMEDY)
    try:
        shape = tuple(int(s) for s in image_shape)
    except (TypeError, ValueError):
        raise InputError("image_shape", f"must be (channels, height, width); got {image_shape!r}") from None
    if len(shape) != 3 or min(shape) < 1 or shape[0] * shape[1] * shape[2] != n_features:
        raise InputError("image_shape", f"must be 3 positive sizes whose product is the {n_features} "
                                        f"features; got {image_shape!r}")
    return shape


def resolve_options(architecture: str, options: dict) -> dict:
    """The full, checked option set of a built-in architecture (defaults filled in); each option
    checked by its declaration (:mod:`.parameters`), and then what ties options together."""
    declared = {p.argument: p for p in ARCHITECTURE_PARAMETERS[architecture]}
    unknown = sorted(set(options) - set(declared))
    if unknown:
        raise InputError(unknown[0], f"is not an option of architecture {architecture!r}; "
                                     f"its options are {', '.join(declared)}")
    if architecture == "cnn":
        layers_alone(options)
    resolved = {key: None if value is None else declared[key].check(value)
                for key, value in {**ARCHITECTURES[architecture], **options}.items()}
    check_choice("activation", resolved["activation"], ACTIVATIONS)
    if resolved.get("layers") is not None:
        _layers.parse_layers(resolved["layers"])   # a bad layer string fails here, before any task
    if architecture in ("cnn", "lcn") and resolved["kernel_size"] % 2 == 0:
        raise InputError("kernel_size", f"must be odd (padding keeps the image size); got {resolved['kernel_size']}")
    if architecture == "vit" and resolved["dim"] % resolved["heads"]:
        raise InputError("heads", f"must divide dim={resolved['dim']}; got {resolved['heads']}")
    return resolved


# -- modules ------------------------------------------------------------------------------------
class _Unflatten(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)


class LocallyConnected2d(nn.Module):
    """A convolution without weight sharing: each output position (i, j) has its own
    ``(out_channels, in_channels * k * k)`` filter and bias ("same" padding, stride 1)."""

    def __init__(self, in_channels: int, out_channels: int, height: int, width: int, kernel_size: int):
        super().__init__()
        self.kernel_size = kernel_size
        self.out_shape = (out_channels, height, width)
        fan_in = in_channels * kernel_size * kernel_size
        self.weight = nn.Parameter(torch.empty(height * width, out_channels, fan_in))
        self.bias = nn.Parameter(torch.empty(height * width, out_channels))

    def reset_parameters(self, generator=None):
        bound = 1.0 / math.sqrt(self.weight.shape[-1])
        with torch.no_grad():
            self.weight.uniform_(-bound, bound, generator=generator)
            self.bias.uniform_(-bound, bound, generator=generator)

    def forward(self, x):
        patches = F.unfold(x, self.kernel_size, padding=self.kernel_size // 2)  # (B, fan_in, L)
        out = torch.einsum("bfl,lof->blo", patches, self.weight) + self.bias      # (B, L, O)
        return out.transpose(1, 2).reshape(x.shape[0], *self.out_shape)


class NTKLinear(nn.Linear):
    """A linear layer in the NTK parameterisation (docs/method.md §7): ``W``, ``b`` ~ N(0, 1) and
    ``y = sqrt(weight_var / in_features) · x Wᵀ + sqrt(bias_var) · b``."""

    def __init__(self, in_features: int, out_features: int, weight_var: float, bias_var: float):
        self.weight_scale = math.sqrt(weight_var / in_features)
        self.bias_scale = math.sqrt(bias_var)
        super().__init__(in_features, out_features)

    def reset_parameters(self, generator=None):
        with torch.no_grad():
            self.weight.normal_(generator=generator)
            self.bias.normal_(generator=generator)

    def forward(self, x):
        return F.linear(x, self.weight * self.weight_scale, self.bias * self.bias_scale)


class NTKConv2d(nn.Conv2d):
    """A 'same' convolution in the NTK parameterisation: ``W``, ``b`` ~ N(0, 1), the filter
    scaled by ``sqrt(weight_var / (in_channels · k · k))`` and the bias by ``sqrt(bias_var)``;
    with a ``stride``, the positions 0, s, 2s, ... of the 'same' output."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, weight_var: float, bias_var: float,
                 stride: int = 1):
        self.weight_scale = math.sqrt(weight_var / (in_channels * kernel_size * kernel_size))
        self.bias_scale = math.sqrt(bias_var)
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2)

    def reset_parameters(self, generator=None):
        with torch.no_grad():
            self.weight.normal_(generator=generator)
            self.bias.normal_(generator=generator)

    def forward(self, x):
        return F.conv2d(x, self.weight * self.weight_scale, self.bias * self.bias_scale, stride=self.stride,
                        padding=self.padding)


class NTKLocallyConnected2d(LocallyConnected2d):
    """:class:`LocallyConnected2d` in the NTK parameterisation: every position's filter and bias
    N(0, 1), scaled by ``sqrt(weight_var / (in_channels · k · k))`` and ``sqrt(bias_var)``."""

    def __init__(self, in_channels: int, out_channels: int, height: int, width: int, kernel_size: int,
                 weight_var: float, bias_var: float):
        super().__init__(in_channels, out_channels, height, width, kernel_size)
        self.weight_scale = math.sqrt(weight_var / (in_channels * kernel_size * kernel_size))
        self.bias_scale = math.sqrt(bias_var)

    def reset_parameters(self, generator=None):
        with torch.no_grad():
            self.weight.normal_(generator=generator)
            self.bias.normal_(generator=generator)

    def forward(self, x):
        patches = F.unfold(x, self.kernel_size, padding=self.kernel_size // 2)
        out = (torch.einsum("bfl,lof->blo", patches, self.weight) * self.weight_scale
               + self.bias * self.bias_scale)
        return out.transpose(1, 2).reshape(x.shape[0], *self.out_shape)


class _Attention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(x).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // self.heads), dim=-1)
        return self.proj((weights @ v).transpose(1, 2).reshape(b, t, d))


class _Block(nn.Module):
    """Pre-norm transformer block: x + attn(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, dim: int, heads: int, mlp_dim: int, activation: str):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = _Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_dim), ACTIVATIONS[activation](), nn.Linear(mlp_dim, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VisionTransformer(nn.Module):
    """Non-overlapping patches, linear patch embedding plus a learned position embedding,
    ``depth`` transformer blocks, mean over tokens, LayerNorm and a linear read-out."""

    def __init__(self, image_shape, n_outputs: int, patch_size: int, dim: int, depth: int, heads: int,
                 mlp_dim: int, activation: str):
        super().__init__()
        c, h, w = image_shape
        if h % patch_size or w % patch_size:
            raise InputError("patch_size", f"must divide the image height and width {h}x{w}; got {patch_size}")
        self.image_shape = tuple(image_shape)
        self.patch_size = patch_size
        tokens = (h // patch_size) * (w // patch_size)
        self.embed = nn.Linear(c * patch_size * patch_size, dim)
        self.position = nn.Parameter(torch.zeros(1, tokens, dim))
        self.blocks = nn.Sequential(*[_Block(dim, heads, mlp_dim, activation) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_outputs)

    def reset_parameters(self, generator=None):
        with torch.no_grad():
            nn.init.trunc_normal_(self.position, std=0.02, generator=generator)

    def forward(self, x):
        x = x.reshape(x.shape[0], *self.image_shape)
        patches = F.unfold(x, self.patch_size, stride=self.patch_size).transpose(1, 2)  # (B, T, c p p)
        z = self.blocks(self.embed(patches) + self.position)
        return self.head(self.norm(z.mean(dim=1)))


# -- finite twins of infinite-width layer lists (docs/method.md §7) ---------------------------------
class _Erf(nn.Module):
    def forward(self, x):
        return torch.erf(x)


class _GlobalAvgPool(nn.Module):
    """The mean over positions, kept as one position: (B, C, H, W) -> (B, C, 1, 1)."""

    def forward(self, x):
        return x.mean(dim=(2, 3), keepdim=True)


class _FlattenPositions(nn.Module):
    """Every (channel, position) a channel of one position: (B, C, H, W) -> (B, C·H·W, 1, 1)."""

    def forward(self, x):
        return x.reshape(x.shape[0], -1, 1, 1)


class _Residual(nn.Module):
    """``x + branch(x)``."""

    def __init__(self, branch):
        super().__init__()
        self.branch = nn.Sequential(*branch)

    def forward(self, x):
        return x + self.branch(x)


class _Outputs(nn.Module):
    """The read-out's one position: (B, k, 1, 1) -> (B, k)."""

    def forward(self, x):
        return x.reshape(x.shape[0], -1)


# the twin of each activation of the infinite-width spaces (the same φ: torch's GELU is the exact one)
_TWIN_ACTIVATIONS = {"relu": nn.ReLU, "erf": _Erf, "identity": nn.Identity, "gelu": nn.GELU, "tanh": nn.Tanh,
                     "sigmoid": nn.Sigmoid}


def build_layers(layers, image_shape, n_outputs: int, width: int, ntk=None) -> nn.Module:
    """The finite network of an infinite-width layer list (:func:`..infinite_width.layers.parse_layers`:
    a preset, a layer string or layer objects) on flat channel-first images of ``image_shape``
    (C, H, W), each layer mapped to its finite counterpart, ``width`` channels wide:

    - ``Conv(F, s)``: a 'same' F x F convolution (zero padding F // 2) with stride s;
    - ``LocallyConnected(F)``: the same without weight sharing (:class:`LocallyConnected2d`);
    - ``Dense()``: per position, over channels (a 1 x 1 convolution); the last one is the
      read-out, ``n_outputs`` wide, and must see one position;
    - ``Flatten()``, ``GlobalAvgPool()``: every (channel, position), or the mean over positions,
      as one position; ``AvgPool(w, s)``: w x w average pooling with stride s, no padding;
    - an activation: the same function; ``Residual(branch)``: ``x + branch(x)``, the branch's last
      layer as wide as its input.

    ``ntk=(weight_var, bias_var)``: the NTK parameterisation of docs/method.md §7 (weights and biases
    N(0, 1), a layer ``σ_w/sqrt(fan_in) · W x + σ_b · b``, fan_in = input channels x F²), in which
    the output at initialisation tends to the NNGP of the same layer list as ``width`` grows
    (the wide-network tests); None: PyTorch's default initialisation. A layer the finite network
    cannot build is an error naming ``layers``.
    """
    layers = _layers.parse_layers(layers)
    if not layers or not isinstance(layers[-1], _layers.Dense):
        raise InputError("layers", "the network must end with dense (the read-out), after gap or flatten")
    modules, shape = _twin_modules(layers, tuple(image_shape), n_outputs, width, ntk)
    if shape[1:] != (1, 1):
        raise InputError("layers", "the read-out must see one position: put gap or flatten before the last dense")
    return nn.Sequential(_Unflatten(image_shape), *modules, _Outputs())


def _twin_modules(layers, shape, last_out: int, width: int, ntk):
    """The modules of ``layers`` on (C, H, W) inputs, and the output's shape; the last layer with
    weights is ``last_out`` wide, the others ``width``."""
    modules = []
    c, h, w = shape
    for i, layer in enumerate(layers):
        out = last_out if i == len(layers) - 1 else width
        if isinstance(layer, _layers.Conv):
            k, stride = layer.filter_size, layer.stride
            modules.append(nn.Conv2d(c, out, k, stride=stride, padding=k // 2) if ntk is None
                           else NTKConv2d(c, out, k, *ntk, stride=stride))
            c, h, w = out, (h - 1) // stride + 1, (w - 1) // stride + 1
        elif isinstance(layer, _layers.LocallyConnected):
            k = layer.filter_size
            modules.append(LocallyConnected2d(c, out, h, w, k) if ntk is None
                           else NTKLocallyConnected2d(c, out, h, w, k, *ntk))
            c = out
        elif isinstance(layer, _layers.Dense):
            modules.append(nn.Conv2d(c, out, 1) if ntk is None else NTKConv2d(c, out, 1, *ntk))
            c = out
        elif isinstance(layer, _layers.Flatten):
            modules.append(_FlattenPositions())
            c, h, w = c * h * w, 1, 1
        elif isinstance(layer, _layers.GlobalAvgPool):
            modules.append(_GlobalAvgPool())
            h = w = 1
        elif isinstance(layer, _layers.AvgPool):
            if min(h, w) < layer.window:
                raise InputError("layers", f"avgpool{layer.window} does not fit an image side of {min(h, w)}")
            modules.append(nn.AvgPool2d(layer.window, layer.stride))
            h, w = (h - layer.window) // layer.stride + 1, (w - layer.window) // layer.stride + 1
        elif isinstance(layer, _layers.Activation):
            if layer.name not in _TWIN_ACTIVATIONS:
                raise InputError("layers", f"activation {layer.name!r} has no finite twin here; one of "
                                           f"{', '.join(_TWIN_ACTIVATIONS)}")
            modules.append(_TWIN_ACTIVATIONS[layer.name]())
        elif isinstance(layer, _layers.Residual):
            # the branch ends in a layer with weights (parse_layers checks) as wide as the identity
            branch, _ = _twin_modules(layer.branch, (c, h, w), c, width, ntk)
            modules.append(_Residual(branch))
        else:
            raise InputError("layers", f"{type(layer).__name__} has no finite twin: the trained cnn builds conv, lc, "
                                       "dense, flatten, gap, avgpool, res(...) and the activations")
    return modules, (c, h, w)


# The flag that sets each architecture's size, for a refusal to name.
_SIZE_ARGUMENT = {"mlp": "hidden", "cnn": "channels", "lcn": "channels", "vit": "dim"}
# float32 weights, their gradients and Adam's two moments: 16 bytes per parameter of one member,
# a lower bound on training memory (activations and the batch come on top).
_BYTES_PER_PARAMETER = 16


def check_parameters(architecture: str, count: int, options: dict | None = None) -> None:
    """Refuse a network whose parameters alone, trained, exceed the available memory."""
    from ..._memory import check_memory

    layers = (options or {}).get("layers") is not None
    argument = "width" if layers else _SIZE_ARGUMENT.get(architecture, "architecture")
    check_memory(argument, f"{count:,} parameters", _BYTES_PER_PARAMETER * float(count),
                 "one member's weights, gradients and optimizer state")


def check_size(architecture: str, n_features: int, n_outputs: int, options: dict) -> None:
    """Size checks that need the task's shape, made before any module is built: an MLP's
    parameter count in closed form (building 100000 layers, even without memory, takes
    minutes), and a filter no larger than the image can use."""
    if architecture == "mlp":
        widths = (n_features, *options["hidden"], n_outputs)
        count = sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))
        check_parameters("mlp", count)
    elif architecture in ("cnn", "lcn") and options.get("layers") is None:
        _, h, w = image_shape_for(n_features, options["image_shape"])
        k = options["kernel_size"]
        if k > 2 * max(h, w) - 1:
            raise InputError("kernel_size", f"{k} is wider than a filter on {h}x{w} images can use: with the image "
                                            f"size kept (padding {k // 2}), weights beyond {2 * max(h, w) - 1} wide "
                                            "never meet a pixel; give at most that")


def build(architecture: str, n_features: int, n_outputs: int, options: dict, ntk=None) -> nn.Module:
    """The module of a built-in architecture for a task with ``n_features`` inputs and
    ``n_outputs`` outputs; ``options`` as returned by :func:`resolve_options`. ``ntk=(weight_var,
    bias_var)``: the NTK parameterisation (``mlp`` and ``cnn``), σ_w² and σ_b² as in docs/method.md §7."""
    act = ACTIVATIONS[options["activation"]]
    if ntk is not None and architecture not in NTK_ARCHITECTURES:
        raise InputError("parameterization", f"'ntk' is an option of {' and '.join(NTK_ARCHITECTURES)}, "
                                             f"not {architecture!r}")

    def linear(fan_in, out):
        return nn.Linear(fan_in, out) if ntk is None else NTKLinear(fan_in, out, *ntk)

    if architecture == "mlp":
        layers, width = [], n_features
        for h in options["hidden"]:
            layers += [linear(width, h), act()]
            width = h
        layers.append(linear(width, n_outputs))
        return nn.Sequential(*layers)
    shape = image_shape_for(n_features, options["image_shape"])
    if architecture == "cnn" and options["layers"] is not None:
        return build_layers(options["layers"], shape, n_outputs, options["width"], ntk)
    if architecture in ("cnn", "lcn"):
        c, h, w = shape
        k = options["kernel_size"]
        layers = [_Unflatten(shape)]
        for out in options["channels"]:
            if architecture == "lcn":
                layer = LocallyConnected2d(c, out, h, w, k)
            else:
                layer = nn.Conv2d(c, out, k, padding=k // 2) if ntk is None else NTKConv2d(c, out, k, *ntk)
            layers += [layer, act()]
            c = out
        if options.get("readout", "flatten") == "gap":     # the mean over positions, then a weight per channel
            layers += [_GlobalAvgPool(), nn.Flatten(), linear(c, n_outputs)]
        else:
            layers += [nn.Flatten(), linear(c * h * w, n_outputs)]
        return nn.Sequential(*layers)
    if architecture == "vit":
        return VisionTransformer(shape, n_outputs, options["patch_size"], options["dim"], options["depth"],
                                 options["heads"], options["mlp_dim"], options["activation"])
    raise InputError("architecture", f"unknown architecture {architecture!r}")


def initialise(module: nn.Module, generator: torch.Generator) -> None:
    """Draw a built-in module's parameters from ``generator``, layer by layer in module order,
    with PyTorch's default rule (the same numbers as constructing it after
    ``torch.manual_seed(seed)``, without touching the global generator); NTK-parameterised layers
    draw N(0, 1) weights, then biases."""
    with torch.no_grad():
        for sub in module.modules():
            if isinstance(sub, (NTKLinear, NTKConv2d)):
                sub.reset_parameters(generator)      # N(0, 1): weight, then bias
            elif isinstance(sub, (nn.Linear, nn.Conv2d)):
                nn.init.kaiming_uniform_(sub.weight, a=math.sqrt(5), generator=generator)
                if sub.bias is not None:
                    fan_in = sub.weight[0].numel()
                    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                    sub.bias.uniform_(-bound, bound, generator=generator)
            elif isinstance(sub, nn.LayerNorm):
                sub.reset_parameters()   # ones and zeros: nothing random
            elif isinstance(sub, (LocallyConnected2d, VisionTransformer)):
                sub.reset_parameters(generator)
