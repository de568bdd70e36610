"""The flags of trained hypothesis spaces (neural networks, scikit-learn models), shared by
``sample`` and ``measure``; and the flags that locate a space in a sample store.

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
    return text if text == "median" else float(text)


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
                       help=f"GP{also} lengthscale: a number or 'median' (default 1.0, as published)")
    group.add_argument("--amplitude", type=float, default=1.0, help="GP prior standard deviation a (default 1)")
    group.add_argument("--jitter", type=float, help="added to the kernel diagonal (default 1e-10 a^2)")


def build_gp_space(args):
    from ..spaces import GaussianProcess

    return GaussianProcess(args.kernel, args.lengthscale, args.amplitude, args.jitter)


# flag dest -> parameter name, for each family
_NEURAL_FLAGS = {"hidden": "hidden", "activation": "activation", "optimizer": "optimizer", "lr": "lr",
                 "epochs": "epochs", "batch_size": "batch_size", "stop_train_mse": "stop_train_mse",
                 "device": "device", "chunk_size": "chunk_size", "parameterization": "parameterization",
                 "weight_var": "weight_var", "bias_var": "bias_var", "compile": "compile"}
_SKLEARN_FLAGS = {"n_estimators": "n_estimators", "max_depth": "max_depth", "max_features": "max_features",
                  "min_samples_leaf": "min_samples_leaf", "subsample": "subsample", "lr": "learning_rate",
                  "n_neighbors": "n_neighbors", "alpha": "alpha", "kernel": "kernel", "lengthscale": "lengthscale",
                  "n_jobs": "n_jobs"}


def add_trained_space_arguments(parser, *, kernel_flags: bool = True) -> None:
    """Flags of the trained spaces. ``kernel_flags=False`` where the command already has the GP
    flags ``--kernel`` and ``--lengthscale`` (kernel_ridge then uses those)."""
    nn = parser.add_argument_group("neural-network spaces (--space mlp, cnn, lcn, vit)")
    nn.add_argument("--hidden", type=int, nargs="+", metavar="WIDTH", help="hidden widths (default 256 256)")
    nn.add_argument("--activation", help="activation function (default relu)")
    nn.add_argument("--optimizer", choices=["adam", "sgd"], help="optimizer (default adam)")
    nn.add_argument("--lr", type=float, help="learning rate (default 1e-3; gradient_boosting: 0.1)")
    nn.add_argument("--epochs", type=int, help="training epochs (default 20)")
    nn.add_argument("--batch-size", type=_batch_size, help="minibatch size, or 'full' for full-batch gradient "
                                                             "descent (default 32; 'full' with --parameterization ntk)")
    nn.add_argument("--stop-train-mse", type=float, metavar="MSE",
                    help="stop a member once its training MSE is at or below this (default: train all epochs)")
    nn.add_argument("--parameterization", choices=["standard", "ntk"],
                    help="mlp, cnn: 'ntk' draws weights and biases N(0, 1) and scales each layer by "
                         "sqrt(weight-var / fan_in) and sqrt(bias-var) (SPEC §7); default standard")
    nn.add_argument("--weight-var", type=float, metavar="SW2", help="σ_w² of --parameterization ntk (default 2)")
    nn.add_argument("--bias-var", type=float, metavar="SB2", help="σ_b² of --parameterization ntk (default 0.1)")
    nn.add_argument("--device", choices=["cpu", "cuda"], help="where to train (default cpu)")
    nn.add_argument("--compile", action="store_const", const=True, default=None,
                    help="cnn, vit: compile the batched gradient step with torch.compile (about half a minute "
                         "once per process and batch shape; vit measured 1.5x faster afterwards)")
    nn.add_argument("--chunk-size", type=int, metavar="K",
                    help="members trained together in one batched computation (default: automatic)")
    sk = parser.add_argument_group("scikit-learn spaces (--space random_forest, extra_trees, gradient_boosting, "
                                   "knn, kernel_ridge, linear)")
    sk.add_argument("--n-estimators", type=int, help="trees / boosting stages (default 100)")
    sk.add_argument("--max-depth", type=int, help="tree depth (default: unlimited; gradient_boosting 3)")
    sk.add_argument("--max-features", type=_max_features,
                    help="features tried per split: a fraction, a count, sqrt or log2 (default 1.0)")
    sk.add_argument("--min-samples-leaf", type=int, help="minimum samples per leaf (default 1)")
    sk.add_argument("--subsample", type=float, help="gradient_boosting: fraction of rows per stage (default 0.8)")
    sk.add_argument("--n-neighbors", type=int, help="knn: neighbours (default 5)")
    sk.add_argument("--alpha", type=float, help="kernel_ridge: regularisation (default 1); linear: ridge "
                                                "penalty (default 0, least squares)")
    if kernel_flags:
        sk.add_argument("--kernel", help="kernel_ridge: rbf, laplace, matern32, matern52 (default rbf)")
        sk.add_argument("--lengthscale", type=_lengthscale, help="kernel_ridge: a number or 'median' (default 1.0)")
    sk.add_argument("--n-jobs", type=int, help="tree ensembles: worker processes (not part of the space's identity)")


def _given(args, flags, ignore=()) -> dict:
    return {dest: getattr(args, dest) for dest in flags
            if dest not in ignore and getattr(args, dest, None) is not None}


def refuse_foreign_flags(args, space: str, allowed: set) -> None:
    """A trained-space flag given for a space it does not apply to is an error, not ignored."""
    for dest in {**_NEURAL_FLAGS, **_SKLEARN_FLAGS}:
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


def _neural(args):
    # the space validates its own parameters (one check, one message)
    options = {_NEURAL_FLAGS[dest]: value for dest, value in _given(args, _NEURAL_FLAGS).items()}
    if "hidden" in options:
        options["hidden"] = tuple(options["hidden"])
    try:
        from ..spaces.neural import NeuralNetworks
    except ModuleNotFoundError as error:
        if error.name != f"{__package__.rsplit('.', 1)[0]}.spaces.neural":
            raise
        raise InputError("space", f"{args.space} needs the neural-network spaces (inductive_bias.spaces.neural), "
                                  "which this installation lacks") from None
    return NeuralNetworks(architecture=args.space, **options)
