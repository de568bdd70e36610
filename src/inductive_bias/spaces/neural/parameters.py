"""The parameters of the neural-network spaces (docs/method.md §4), declared once and without torch: each
built-in architecture's options (:data:`ARCHITECTURE_PARAMETERS`, whose defaults
:data:`.architectures.ARCHITECTURES` reads) and the training parameters every architecture shares
(:data:`TRAINING_PARAMETERS`, whose defaults :class:`.space.NeuralNetworks` reads)."""

from __future__ import annotations

from ..._fit_rule import FIT_FRACTION
from ...exceptions import InputError
from ..infinite_width.space import BIAS_VAR, LAYERS, READOUT, WEIGHT_VAR
from ...parameters import NON_NEGATIVE, POSITIVE, Parameter, Spelling, defaults_of

__all__ = ["ARCHITECTURE_PARAMETERS", "MLP_SHORTHANDS", "NTK_ARCHITECTURES", "NTK_PARAMETERS", "PREPARE",
           "TRAINING_PARAMETERS", "TWIN_WIDTH", "layers_alone", "parameters_of", "refusal", "width_and_depth"]


def _image_shape() -> Parameter:
    return Parameter("image_shape", int, None, "the flat inputs' image shape (channels, height, width) (default: "
                     "the task's recorded image shape, else square, one channel)", length=3,
                     metavar=("C", "H", "W"), **POSITIVE)


#: the channels of every hidden layer of a layer list's finite twin, unless given
TWIN_WIDTH = 32

#: each built-in architecture's options: the keyword (``Parameter.argument``) is the module's own
#: name for it (``kernel_size``, ``dim``), the name the one the command line and experiments use
ARCHITECTURE_PARAMETERS = {
    "mlp": (
        Parameter("hidden", int, (256, 256), "hidden widths", length="*", metavar="WIDTH", **POSITIVE),
        Parameter("activation", str, "relu", "activation function (relu, tanh, sigmoid, gelu, identity)"),
    ),
    "cnn": (
        Parameter("channels", int, (16, 32), "output channels of each convolutional layer", length="+",
                  metavar="C", **POSITIVE),
        Parameter("filter_size", int, 3, "filter size, odd", keyword="kernel_size", metavar="F", **POSITIVE),
        Parameter("activation", str, "relu", "activation function (relu, tanh, sigmoid, gelu, identity)"),
        _image_shape(),
        READOUT,
        # the finite twin of an infinite-width layer list (docs/method.md §7): the same layers, each
        # hidden layer with weights ``width`` channels wide
        LAYERS,
        Parameter("width", int, TWIN_WIDTH, "with layers: the channels of every layer with weights but the "
                  "read-out", metavar="W", **POSITIVE),
    ),
    "lcn": (
        Parameter("channels", int, (16, 32), "output channels of each locally connected layer", length="+",
                  metavar="C", **POSITIVE),
        Parameter("filter_size", int, 3, "filter size, odd", keyword="kernel_size", metavar="F", **POSITIVE),
        Parameter("activation", str, "relu", "activation function (relu, tanh, sigmoid, gelu, identity)"),
        _image_shape(),
    ),
    "vit": (
        Parameter("patch_size", int, 2, "patch side, dividing the image", metavar="P", **POSITIVE),
        Parameter("width", int, 32, "the token width dim", keyword="dim", metavar="W", **POSITIVE),
        Parameter("depth", int, 2, "transformer blocks", metavar="D", **POSITIVE),
        Parameter("heads", int, 4, "attention heads, dividing width", metavar="H", **POSITIVE),
        Parameter("mlp_dim", int, 64, "hidden width of each block's MLP", metavar="M", **POSITIVE),
        Parameter("activation", str, "gelu", "activation function (relu, tanh, sigmoid, gelu, identity)"),
        _image_shape(),
    ),
}

#: mlp: ``width`` and ``depth`` set ``hidden = (width,) * depth`` (:func:`width_and_depth`)
MLP_SHORTHANDS = (
    Parameter("width", int, None, "every hidden layer's width (with depth: hidden = width repeated depth times; "
              "default: the first of hidden's default)", metavar="W", **POSITIVE),
    Parameter("depth", int, None, "hidden layers, each of width (default: as many as hidden's default)",
              metavar="D", **NON_NEGATIVE),
)

# The limit up front: an epoch is at least one optimiser step of every member, ~1e-4 s for the
# smallest network here, so 1e7 epochs is hours a member and 2**63 (which torch cannot even hold as
# a step count) would never end.
MAX_EPOCHS = 10**7
EPOCHS_LIMIT = "an epoch is at least one optimiser step of each member: 10^7 is hours a member"

#: training parameters every architecture takes
TRAINING_PARAMETERS = (
    Parameter("optimizer", str, None, "optimizer (default adam; sgd with parameterization ntk)",
              choices=("adam", "sgd")),
    Parameter("lr", float, 1e-3, "learning rate", **POSITIVE),
    Parameter("epochs", int, None, "train exactly this many epochs (default: until each member fits the training "
              "data, docs/method.md §8, within max_epochs)", high=MAX_EPOCHS, limit=EPOCHS_LIMIT, **POSITIVE),
    Parameter("max_epochs", int, 1000, "epoch budget of training until fit", metavar="E", high=MAX_EPOCHS,
              limit=EPOCHS_LIMIT, **POSITIVE),
    Parameter("fit_fraction", float, FIT_FRACTION, "training until fit stops a member at training MSE <= this "
              "times the training targets' variance", metavar="F", **POSITIVE),
    Parameter("batch_size", int, None, "minibatch size, or 'full' for full-batch gradient descent (default 32; "
              "'full' with parameterization ntk)", special=("full",), **POSITIVE),
    Parameter("stop_train_mse", float, None, "stop a member once its training MSE is at or below this (default: "
              "the fit_fraction rule without epochs; all epochs with it)", metavar="MSE", **NON_NEGATIVE),
    Parameter("device", str, "cpu", "where to train", choices=("cpu", "cuda")),
    Parameter("chunk_size", int, None, "members trained per call and committed together; on a CPU each worker "
              "splits its share into groups that fit the cache (default: automatic)", metavar="K", **POSITIVE),
    Parameter("compile", bool, False, "compile the batched gradient step of cnn and vit with torch.compile "
              "(about half a minute once per process and batch shape; vit measured 1.5x faster afterwards)"),
)

#: the architectures that have an NTK parameterisation (docs/method.md §7), and its parameters
NTK_ARCHITECTURES = ("mlp", "cnn")
NTK_PARAMETERS = (
    Parameter("parameterization", str, "standard", "'ntk' draws weights and biases N(0, 1) and scales each layer "
              "by sqrt(weight_var / fan_in) and sqrt(bias_var) (docs/method.md §7)", choices=("standard", "ntk")),
    WEIGHT_VAR,
    BIAS_VAR,
)

TRAINING_DEFAULTS = defaults_of(TRAINING_PARAMETERS + NTK_PARAMETERS)


def parameters_of(architecture: str) -> tuple[Parameter, ...]:
    """Every parameter of the space of a built-in architecture."""
    own = ARCHITECTURE_PARAMETERS[architecture]
    return (own + (MLP_SHORTHANDS if architecture == "mlp" else ()) + TRAINING_PARAMETERS
            + (NTK_PARAMETERS if architecture in NTK_ARCHITECTURES else ()))


def width_and_depth(options: dict, spelling: Spelling = Spelling.keywords()) -> dict:
    """mlp's ``width``/``depth`` turned into ``hidden`` (a new dict); errors as ``spelling`` writes them."""
    options = dict(options)
    width, depth = options.pop("width", None), options.pop("depth", None)
    if width is None and depth is None:
        return options
    given = "width" if width is not None else "depth"
    if "hidden" in options:
        raise InputError(spelling.key(given), f"cannot be combined with {spelling.key('hidden')} (both set the "
                                              "hidden layers)")
    default = dict((p.name, p.default) for p in ARCHITECTURE_PARAMETERS["mlp"])["hidden"]
    width = default[0] if width is None else width
    depth = len(default) if depth is None else depth
    options["hidden"] = (width,) * depth
    return options


#: what a layer list replaces in the ``cnn`` space (it carries its own filters, activations and read-out)
_REPLACED_BY_LAYERS = ("channels", "filter_size", "activation", "readout")


def layers_alone(options: dict, spelling: Spelling = Spelling.keywords()) -> dict:
    """cnn's options, checked for what a layer list excludes: ``width`` sizes a layer list (it needs
    ``layers``), and the layers replace ``channels``, ``filter_size``, ``activation`` and
    ``readout``; errors as ``spelling`` writes them. ``options`` by parameter name or keyword."""
    keywords = {"kernel_size": "filter_size"}
    given = {keywords.get(key, key) for key, value in options.items() if value is not None}
    if "layers" not in given:
        if "width" in given:
            raise InputError(spelling.key("width"), f"sizes a layer list: it applies with {spelling.key('layers')}; "
                                                    f"without them give {spelling.key('channels')} (one per layer)")
        return options
    for name in _REPLACED_BY_LAYERS:
        if name in given:
            raise InputError(spelling.key(name), f"cannot be combined with {spelling.key('layers')} (the layers "
                                                 "carry their own filters, activations and read-out)")
    return options


#: each architecture's rewriting of its checked options before the space is built (the registry's
#: ``prepare``): mlp's width and depth into hidden, cnn's layer list alone
PREPARE = {"mlp": width_and_depth, "cnn": layers_alone}


def refusal(architecture: str, key: str, spelling: Spelling) -> str | None:
    """Why ``architecture`` does not take ``key``, where another architecture's option explains
    more than "does not apply" (None elsewhere)."""
    if key in ("width", "depth") and architecture in ("cnn", "lcn"):
        takers = f"vit and cnn with {spelling.key('layers')}" if key == "width" else "vit"
        return (f"applies to {spelling.setting('space', 'mlp')} and {takers}; for {architecture} give "
                f"{spelling.key('channels')} (one per layer)")
    options = {p.name for declared in ARCHITECTURE_PARAMETERS.values() for p in declared}
    if key in options:
        own = ", ".join(p.name for p in ARCHITECTURE_PARAMETERS[architecture])
        return f"is not an option of architecture {architecture!r}; its options are {own}"
    return None
