"""The flags of hypothesis spaces (GP, infinite-width, neural networks, scikit-learn models),
shared by ``sample`` and ``measure``, and by experiment files (:mod:`inductive_bias.experiment`
parses a ``[[space]]`` table with these very parsers); and the flags that locate a space in a
sample store.

Every space flag defaults to None, meaning "the space's own default", so that a flag given for a
space it does not apply to (``--epochs`` with ``--space knn``) is an error instead of being ignored.
"""

from __future__ import annotations

import argparse
import warnings

from ..exceptions import InputError
from ..spaces.neural import ARCHITECTURE_NAMES as NEURAL_SPACES


def _sklearn_models():
    from ..spaces.sklearn_models import SKLEARN_MODELS

    return SKLEARN_MODELS


def trained_spaces() -> tuple:
    return (*NEURAL_SPACES, *_sklearn_models())


def _max_features(text: str):
    if text in ("sqrt", "log2"):
        return text
    try:
        return int(text)
    except ValueError:
        return float(text)


def _lengthscale(text: str):
    return text if text in ("median", "ml") else float(text)


def _number_or_ml(text: str):
    return text if text == "ml" else float(text)


def _batch_size(text: str):
    if text == "full":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer or 'full'; got {text!r}") from None


def add_gp_arguments(group, *, shared_with_kernel_ridge: bool = False) -> None:
    """The GP space's flags (SPEC §2) on an argument group; defaults are the published setting."""
    also = " (and kernel_ridge)" if shared_with_kernel_ridge else ""
    from ..spaces import KERNELS

    group.add_argument("--kernel", default="rbf", choices=list(KERNELS), help=f"GP{also} kernel (default rbf)")
    group.add_argument("--lengthscale", type=_lengthscale, default=1.0,
                       help=f"GP{also} lengthscale: a number, 'median', or (GP) 'ml': fitted by marginal "
                            "likelihood (default 1.0, as published)")
    group.add_argument("--amplitude", type=_number_or_ml, default=1.0,
                       help="GP prior standard deviation a, or 'ml' (default 1)")
    group.add_argument("--noise", type=_number_or_ml, default=0.0, metavar="SIGMA2",
                       help="GP observation noise variance σ² (K + σ²I in the solves), or 'ml' (default 0: "
                            "interpolate the training data exactly, as published)")
    group.add_argument("--jitter", type=float,
                       help="added to the kernel diagonal for numerical stability only (default 1e-10 a^2)")
    group.add_argument("--restarts", type=int, default=5,
                       help="GP: starting points of the marginal-likelihood fit of 'ml' hyperparameters (default 5; "
                            "seeded by --seed)")
    group.add_argument("--memory-limit", metavar="SIZE",
                       help="GP: bound on the posterior's working memory, e.g. 1GB or 500MB; beyond it the "
                            "Cholesky and solves run on tiles on disk (default: no bound, all in memory)")
    group.add_argument("--dask-address", metavar="ADDR",
                       help="GP: run the Cholesky and solves on this Dask scheduler (e.g. tcp://head:8786); "
                            "needs the dask extra")
    group.add_argument("--scratch-dir", metavar="DIR",
                       help="GP with --memory-limit: where the tiles are written (default: the system's temp dir)")


def build_gp_space(args):
    from ..spaces import GaussianProcess

    return GaussianProcess(args.kernel, args.lengthscale, args.amplitude, args.jitter, args.noise,
                           restarts=args.restarts, seed=getattr(args, "seed", 0), memory_limit=args.memory_limit,
                           device=getattr(args, "device", None), scratch_dir=args.scratch_dir,
                           dask_address=args.dask_address)


#: the exactly measured infinite-width network spaces (SPEC §7)
INFINITE_WIDTH_SPACES = ("nngp", "ntk")

# flags of --space gp alone, with their defaults (nngp and ntk take --jitter and --method too)
_GP_ONLY = (("amplitude", 1.0), ("jitter", None), ("method", "auto"), ("noise", 0.0), ("restarts", 5),
            ("memory_limit", None), ("scratch_dir", None), ("dask_address", None))


def refuse_gp_flags(args, space: str | None) -> None:
    """A GP flag given for another space (or for a stored space, ``space`` None) is an error."""
    infinite = space in INFINITE_WIDTH_SPACES
    other = f"--space {space}" if infinite else "trained spaces"
    for dest, default in _GP_ONLY:
        if infinite and dest in ("jitter", "method"):
            continue
        if getattr(args, dest, default) != default:
            raise InputError(dest, f"applies to --space gp, not to {other}")


def build_space(args, notes: list | None = None):
    """The space ``--space`` names (default gp), each kind refusing the flags of the others.
    ``notes`` collects one-line remarks of trained spaces (:func:`build_trained_space`)."""
    space = args.space or "gp"
    if space == "gp":
        refuse_foreign_flags(args, "gp", {"device"})
        return build_gp_space(args)
    refuse_gp_flags(args, space)
    if space in INFINITE_WIDTH_SPACES:
        return build_infinite_width_space(args)
    return build_trained_space(args, notes)


def add_infinite_width_arguments(parser) -> None:
    """Flags of the infinite-width spaces alone (SPEC §7). They share ``--activation``, ``--depth``,
    ``--weight-var``, ``--bias-var``, ``--channels`` and ``--filter-size`` with the network spaces
    (:func:`add_trained_space_arguments`, which must be added too)."""
    from ..spaces.infinite_width import ARCHITECTURES, READOUTS

    g = parser.add_argument_group("infinite-width network spaces (--space nngp, ntk; also --activation, --depth, "
                                  "--weight-var, --bias-var, --channels, --filter-size, --jitter)")
    g.add_argument("--architecture", choices=list(ARCHITECTURES), help="network architecture (default mlp)")
    g.add_argument("--readout", choices=list(READOUTS),
                   help="cnn, lcn: a weight per position (flatten, default) or global average pooling (gap)")
    g.add_argument("--layers", metavar="LAYERS",
                   help="the network as layers, replacing --architecture/--depth: a preset (mlp, cnn, cnn-flatten, "
                        "lcn, myrtle5, myrtle7, myrtle10, resnet) or a string such as conv3-relu-avgpool2-gap-dense")


def build_infinite_width_space(args):
    """The nngp or ntk space the flags describe; flags of other spaces are refused."""
    refuse_foreign_flags(args, args.space, {"activation", *_INFINITE_WIDTH_FLAGS})
    for dest, default in (("kernel", "rbf"), ("lengthscale", 1.0), ("amplitude", 1.0)):
        if getattr(args, dest, default) != default:
            raise InputError(dest, f"does not apply to --space {args.space}")
    from ..spaces.infinite_width import InfiniteWidthNetwork

    options = _given(args, {"activation", *_INFINITE_WIDTH_FLAGS})
    if "channels" in options:  # hidden layers are infinitely wide: the one count is the input's
        if len(options["channels"]) != 1:
            raise InputError("channels", f"takes one value for --space {args.space} (the input images' channels); "
                                         f"got {' '.join(map(str, options['channels']))}")
        options["channels"] = options["channels"][0]
    return InfiniteWidthNetwork(args.space, jitter=getattr(args, "jitter", None), **options)


# flag dest -> parameter name, for each family
_NEURAL_FLAGS = {"hidden": "hidden", "activation": "activation", "optimizer": "optimizer", "lr": "lr",
                 "epochs": "epochs", "batch_size": "batch_size", "stop_train_mse": "stop_train_mse",
                 "device": "device", "chunk_size": "chunk_size", "parameterization": "parameterization",
                 "weight_var": "weight_var", "bias_var": "bias_var", "max_epochs": "max_epochs",
                 "fit_fraction": "fit_fraction", "channels": "channels", "filter_size": "kernel_size",
                 "patch_size": "patch_size", "heads": "heads", "mlp_dim": "mlp_dim", "image_shape": "image_shape",
                 "width": "width", "depth": "depth", "compile": "compile"}
# --width and --depth name one thing across architectures: mlp hidden=(width,) * depth, vit dim and depth
_WIDTH_DEPTH = {"mlp": ("hidden width", "hidden layers"), "vit": ("dim", "depth")}
_SKLEARN_FLAGS = {"n_estimators": "n_estimators", "max_depth": "max_depth", "max_features": "max_features",
                  "min_samples_leaf": "min_samples_leaf", "subsample": "subsample", "lr": "learning_rate",
                  "n_neighbors": "n_neighbors", "alpha": "alpha", "kernel": "kernel", "lengthscale": "lengthscale",
                  "n_jobs": "n_jobs", "splitter": "splitter", "epochs": "epochs", "step_size": "step_size",
                  "init_std": "init_std"}
_INFINITE_WIDTH_FLAGS = ("architecture", "depth", "weight_var", "bias_var", "readout", "channels", "filter_size",
                         "layers")


def _add_variance_flags(group) -> None:
    """σw² and σb² (SPEC §7): one pair of flags for the infinite-width spaces and for finite
    networks in the NTK parameterisation alike."""
    group.add_argument("--weight-var", type=float, metavar="SW2",
                       help="weight variance σw² of nngp/ntk and of --parameterization ntk (default 2)")
    group.add_argument("--bias-var", type=float, metavar="SB2",
                       help="bias variance σb² of nngp/ntk and of --parameterization ntk (default 0.1)")


def add_trained_space_arguments(parser, *, kernel_flags: bool = True) -> None:
    """Flags of the trained spaces. ``kernel_flags=False`` where the command already has the GP
    flags ``--kernel`` and ``--lengthscale`` (kernel_ridge then uses those)."""
    nn = parser.add_argument_group("neural-network spaces (--space mlp, cnn, lcn, vit)")
    nn.add_argument("--hidden", type=int, nargs="+", metavar="WIDTH", help="mlp: hidden widths (default 256 256)")
    nn.add_argument("--width", type=int, metavar="W",
                    help="mlp: every hidden layer's width (with --depth: --hidden W W ..., default 256); vit: the "
                         "token width dim (default 32)")
    nn.add_argument("--depth", type=int, metavar="D",
                    help="mlp, nngp, ntk: hidden layers (default 2); vit: transformer blocks (default 2)")
    nn.add_argument("--channels", type=int, nargs="+", metavar="C",
                    help="cnn, lcn: output channels of each layer (default 16 32); nngp, ntk: one value, the input "
                         "images' channels (default: the loader's recorded shape, else 1 channel of square images)")
    nn.add_argument("--filter-size", type=int, metavar="F", help="cnn, lcn, nngp, ntk: filter size, odd (default 3)")
    nn.add_argument("--patch-size", type=int, metavar="P", help="vit: patch side, dividing the image (default 2)")
    nn.add_argument("--heads", type=int, metavar="H", help="vit: attention heads, dividing --width (default 4)")
    nn.add_argument("--mlp-dim", type=int, metavar="M", help="vit: hidden width of each block's MLP (default 64)")
    nn.add_argument("--image-shape", type=int, nargs=3, metavar=("C", "H", "W"),
                    help="cnn, lcn, vit: the flat inputs' image shape (default: square, one channel)")
    nn.add_argument("--activation", help="activation function (default relu; vit gelu)")
    nn.add_argument("--optimizer", choices=["adam", "sgd"], help="optimizer (default adam)")
    nn.add_argument("--lr", type=float, help="learning rate (default 1e-3; gradient_boosting: 0.1)")
    nn.add_argument("--epochs", type=int, help="train exactly this many epochs (default: until each member fits "
                                               "the training data, SPEC §8, within --max-epochs)")
    nn.add_argument("--max-epochs", type=int, metavar="E", help="epoch budget of training until fit (default 1000)")
    nn.add_argument("--fit-fraction", type=float, metavar="F",
                    help="training until fit stops a member at training MSE <= F x the training targets' "
                         "variance (default 0.01, R^2 >= 0.99)")
    nn.add_argument("--batch-size", type=_batch_size, help="minibatch size, or 'full' for full-batch gradient "
                                                             "descent (default 32; 'full' with --parameterization ntk)")
    nn.add_argument("--stop-train-mse", type=float, metavar="MSE",
                    help="stop a member once its training MSE is at or below this (default: the --fit-fraction "
                         "rule without --epochs; all --epochs with it)")
    nn.add_argument("--parameterization", choices=["standard", "ntk"],
                    help="mlp, cnn: 'ntk' draws weights and biases N(0, 1) and scales each layer by "
                         "sqrt(weight-var / fan_in) and sqrt(bias-var) (SPEC §7); default standard")
    _add_variance_flags(nn)
    nn.add_argument("--device", choices=["cpu", "cuda"], help="where to train (default cpu); --space gp: compute the "
                    "posterior with torch float64 there (default: numpy)")
    nn.add_argument("--compile", action="store_const", const=True, default=None,
                    help="cnn, vit: compile the batched gradient step with torch.compile (about half a minute "
                         "once per process and batch shape; vit measured 1.5x faster afterwards)")
    nn.add_argument("--chunk-size", type=int, metavar="K",
                    help="members trained per call and committed together; on a CPU each worker splits its share into groups that fit the cache (default: automatic)")
    sk = parser.add_argument_group("scikit-learn spaces (--space random_forest, extra_trees, gradient_boosting, "
                                   "decision_tree, knn, kernel_ridge, least_squares, linear)")
    sk.add_argument("--n-estimators", type=int, help="trees / boosting stages (default 100)")
    sk.add_argument("--max-depth", type=int, help="tree depth (default: unlimited; gradient_boosting 3)")
    sk.add_argument("--max-features", type=_max_features,
                    help="features tried per split: a fraction, a count, sqrt or log2 (default 1.0; "
                         "decision_tree sqrt)")
    sk.add_argument("--splitter", choices=["best", "random"],
                    help="decision_tree: best split of the features tried, or a random threshold (default best)")
    sk.add_argument("--min-samples-leaf", type=int, help="minimum samples per leaf (default 1)")
    sk.add_argument("--subsample", type=float, help="gradient_boosting: fraction of rows per stage (default 0.8)")
    sk.add_argument("--n-neighbors", type=int, help="knn: neighbours (default 5)")
    sk.add_argument("--alpha", type=float, help="kernel_ridge: regularisation (default 1); least_squares: ridge "
                                                "penalty (default 0, least squares)")
    sk.add_argument("--step-size", type=float, metavar="S",
                    help="linear: gradient-descent step times 1/(largest curvature), in (0, 2) (default 1); "
                         "its --epochs are full-batch steps (default 1000)")
    sk.add_argument("--init-std", type=float, metavar="SD",
                    help="linear: initial weights N(0, SD^2/(features+1)) (default 1)")
    if kernel_flags:
        sk.add_argument("--kernel", help="kernel_ridge: rbf, laplace, matern32, matern52 (default rbf)")
        sk.add_argument("--lengthscale", type=_lengthscale, help="kernel_ridge: a number or 'median' (default 1.0)")
    sk.add_argument("--n-jobs", type=int, help="tree ensembles: worker processes (not part of the space's identity)")


def _given(args, flags, ignore=()) -> dict:
    return {dest: getattr(args, dest) for dest in flags
            if dest not in ignore and getattr(args, dest, None) is not None}


def refuse_foreign_flags(args, space: str, allowed: set) -> None:
    """A trained-space flag given for a space it does not apply to is an error, not ignored."""
    for dest in {**_NEURAL_FLAGS, **_SKLEARN_FLAGS, **dict.fromkeys(_INFINITE_WIDTH_FLAGS)}:
        if dest in ("kernel", "lengthscale"):
            continue  # shared with the GP flags of `measure`, where they always have a value
        if dest not in allowed and getattr(args, dest, None) is not None:
            raise InputError(dest, f"does not apply to --space {space}")


def build_trained_space(args, notes: list | None = None):
    """The trained space the flags describe. ``notes`` collects one-line remarks (a point-mass
    space) for the command to print."""
    space = args.space
    if space in NEURAL_SPACES:
        refuse_foreign_flags(args, space, set(_NEURAL_FLAGS))
        return _neural(args)
    models = _sklearn_models()
    if space not in models:
        raise InputError("space", f"must be one of {', '.join(trained_spaces())}; got {space!r}")
    defaults = models[space][1]
    allowed = {dest for dest, name in _SKLEARN_FLAGS.items() if name in defaults} | {"n_jobs"}
    refuse_foreign_flags(args, space, allowed)
    params = {_SKLEARN_FLAGS[dest]: value for dest, value in _given(args, allowed).items() if dest != "n_jobs"}
    from ..spaces.sklearn_models import PointMassWarning, ScikitLearnSpace

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PointMassWarning)
        result = ScikitLearnSpace(space, n_jobs=getattr(args, "n_jobs", None), **params)
    for warning in caught:
        if notes is not None and issubclass(warning.category, PointMassWarning):
            notes.append(str(warning.message))
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return result


def _width_and_depth(space: str, options: dict) -> None:
    """Turn --width/--depth into the architecture's own options (in place)."""
    width, depth = options.pop("width", None), options.pop("depth", None)
    if width is None and depth is None:
        return
    given = "width" if width is not None else "depth"
    if space not in _WIDTH_DEPTH:
        raise InputError(given, f"applies to --space mlp and vit; for {space} give --channels (one per layer)")
    if space == "mlp":
        if "hidden" in options:
            raise InputError(given, "cannot be combined with --hidden (both set the hidden layers)")
        from ..spaces.neural import ARCHITECTURES

        default = ARCHITECTURES["mlp"]["hidden"]
        width = default[0] if width is None else width
        depth = len(default) if depth is None else depth
        if isinstance(depth, int) and not isinstance(depth, bool) and depth < 0:
            raise InputError("depth", f"must be >= 0 (0: a linear model); got {depth}")
        options["hidden"] = (width,) * depth
    else:
        if width is not None:
            options["dim"] = width
        if depth is not None:
            options["depth"] = depth


def _neural(args):
    # the space validates its own parameters (one check, one message)
    options = {_NEURAL_FLAGS[dest]: value for dest, value in _given(args, _NEURAL_FLAGS).items()}
    for key in ("hidden", "channels", "image_shape"):
        if key in options:
            options[key] = tuple(options[key])
    _width_and_depth(args.space, options)
    try:
        from ..spaces.neural import NeuralNetworks
    except ModuleNotFoundError as error:
        if error.name != f"{__package__.rsplit('.', 1)[0]}.spaces.neural":
            raise
        raise InputError("space", f"{args.space} needs the neural-network spaces (inductive_bias.spaces.neural), "
                                  "which this installation lacks") from None
    try:
        return NeuralNetworks(architecture=args.space, **options)
    except InputError as error:
        if error.argument != "kernel_size":
            raise
        raise InputError("filter_size", error.detail) from None  # the flag's name for the space's kernel_size
