"""The space registry: a space's name -> its class and its declared parameters, and the one
factory that builds a space from a dict of them.

Every road to a named space goes through :func:`build_space`: the command line (its flags are
generated from :data:`SPACES`), experiment files (a ``[[space]]`` table is the dict), and stored
specs (:func:`space_from_spec`). Each parameter's type, constraint, default and help are
declared once, next to the space's class (``PARAMETERS`` in :mod:`.gaussian_process` and
:mod:`.infinite_width.space`, :mod:`.neural.parameters`, ``SKLEARN_PARAMETERS`` in
:mod:`.sklearn_models`), so that a new parameter is one line in its space's declaration.

Errors name a parameter as the caller wrote it (:class:`~inductive_bias.parameters.Spelling`): ``--lr`` on the
command line, ``space[mlp].lr`` in an experiment file, ``lr`` from Python.

Examples
--------
>>> space = build_space("mlp", {"width": 64, "depth": 3, "epochs": 5})
>>> space.spec()["hidden"], space.spec()["epochs"]
([64, 64, 64], 5)
>>> space_from_spec(space.spec()).spec() == space.spec()
True
>>> build_space("knn", {"epochs": 5})
Traceback (most recent call last):
...
inductive_bias.exceptions.InputError: epochs: does not apply to space='knn' (it applies to mlp, cnn, lcn, vit, linear)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

from ..exceptions import InputError, PointMassWarning
from . import gaussian_process as _gp
from . import sklearn_models as _sklearn
from .infinite_width import space as _infinite
from .neural import parameters as _neural
from ..parameters import Parameter, Spelling

__all__ = ["SPACES", "SpaceEntry", "build_space", "space_from_spec", "trained_spaces"]


@dataclass(frozen=True)
class SpaceEntry:
    """One named space: its family, its parameters and how it is made.

    ``make`` takes the constructor's keywords (:attr:`Parameter.argument`); ``prepare``, where
    given, rewrites the checked parameters first (mlp's ``width`` and ``depth`` into ``hidden``);
    ``spec_only`` are keys of the space's ``spec()`` that record, not set, it; ``refusal``, where
    given, says why the space does not take a key, or None for the general message."""

    name: str
    family: str
    parameters: tuple[Parameter, ...]
    make: Callable
    trained: bool
    prepare: Callable[[dict, Spelling], dict] | None = None
    spec_only: tuple[str, ...] = ()
    refusal: Callable[[str, Spelling], str | None] | None = None

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


def _network(architecture: str) -> Callable:
    def make(**keywords):
        try:
            from .neural import NeuralNetworks
        except ModuleNotFoundError as error:
            if error.name != "torch":
                raise
            raise InputError("space", f"{architecture} needs torch (the neural-network spaces), which this "
                                      "installation lacks") from None
        return NeuralNetworks(architecture, **keywords)

    return make


def _entries():
    yield SpaceEntry("gp", "Gaussian process", _gp.PARAMETERS, _gp.GaussianProcess, trained=False)
    for kind in _infinite.KINDS:
        yield SpaceEntry(kind, "infinite-width network", _infinite.parameters_of(kind),
                         lambda kind=kind, **kw: _infinite.InfiniteWidthNetwork(kind, **kw), trained=False)
    for architecture in _neural.ARCHITECTURE_PARAMETERS:
        yield SpaceEntry(architecture, "neural network", _neural.parameters_of(architecture), _network(architecture),
                         trained=True, prepare=_neural.PREPARE.get(architecture),
                         spec_only=("loss", "precision"),
                         refusal=lambda key, spelling, a=architecture: _neural.refusal(a, key, spelling))
    for model in _sklearn.SKLEARN_PARAMETERS:
        yield SpaceEntry(model, "scikit-learn model", _sklearn.parameters_of(model),
                         lambda model=model, **kw: _sklearn.ScikitLearnSpace(model, **kw), trained=True,
                         spec_only=("deterministic",))


#: name -> :class:`SpaceEntry`, in the order the command line lists them
SPACES: dict[str, SpaceEntry] = {entry.name: entry for entry in _entries()}


def trained_spaces() -> tuple[str, ...]:
    """The names of the spaces whose members are trained (measured from samples)."""
    return tuple(name for name, entry in SPACES.items() if entry.trained)


def _entry(name, spelling: Spelling) -> SpaceEntry:
    if not isinstance(name, str) or name not in SPACES:  # a TOML list or table is no name (nor hashable)
        raise InputError(spelling.key("space"), f"must be one of {', '.join(SPACES)}; got {name!r}")
    return SPACES[name]


def _not_applicable(key: str, entry: SpaceEntry, spelling: Spelling) -> str:
    if entry.refusal is not None and (reason := entry.refusal(key, spelling)) is not None:
        return reason
    takers = [e.name for e in SPACES.values() if e.parameter(key) is not None]
    here = spelling.setting("space", entry.name)
    if not takers:
        own = ", ".join(spelling.listed(p.name) for p in entry.parameters)
        return f"is not a parameter of any space ({here} takes {own})"
    if takers == ["gp"]:
        return f"applies to {spelling.setting('space', 'gp')}, not to {'trained spaces' if entry.trained else here}"
    return f"does not apply to {here} (it applies to {', '.join(takers)})"


def build_space(name: str, params: dict | None = None, *, spelling: Spelling | None = None,
                context: dict | None = None, notes: list | None = None):
    """The space ``name`` with the parameters ``params``, checked against their declarations.

    Parameters
    ----------
    name : str
        A key of :data:`SPACES` (gp, nngp, ntk, mlp, cnn, lcn, vit, random_forest, ...).
    params : dict
        Parameter name -> value; a value None is left to the space's default. A parameter the
        space does not declare is an error, never ignored.
    spelling : Spelling, optional
        How the caller writes a parameter, for errors (default: Python keywords).
    context : dict, optional
        Values the caller supplies for parameters the space declares but ``params`` leaves out
        (the run seed of the GP's marginal-likelihood restarts); ignored by spaces without them.
    notes : list, optional
        Collects one-line remarks (a point-mass space) instead of warning them.

    Returns
    -------
    HypothesisSpace

    Raises
    ------
    InputError
        Naming the parameter as ``spelling`` writes it, and the bad value.
    """
    spelling = spelling or Spelling.keywords()
    entry = _entry(name, spelling)
    values = {}
    for key, value in (params or {}).items():
        declared = entry.parameter(key)
        if declared is None:
            raise InputError(spelling.key(key), _not_applicable(key, entry, spelling))
        if value is not None:
            values[key] = declared.check(value, spelling.key(key))
    for key, value in (context or {}).items():
        if entry.parameter(key) is not None and key not in values and value is not None:
            values[key] = entry.parameter(key).check(value, spelling.key(key))
    if entry.prepare is not None:
        values = entry.prepare(values, spelling)
    keywords = {entry.parameter(key).argument: value for key, value in values.items()}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", PointMassWarning)
            space = entry.make(**keywords)
    except InputError as error:
        raise _respelled(error, entry, spelling) from None
    for warning in caught:
        if notes is not None and issubclass(warning.category, PointMassWarning):
            notes.append(str(warning.message))
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return space


def _respelled(error: InputError, entry: SpaceEntry, spelling: Spelling) -> InputError:
    """An error of the space's constructor, naming the parameter as the caller wrote it."""
    declared = next((p for p in entry.parameters if error.argument in (p.argument, p.name)), None)
    if declared is None:
        return error
    return InputError(spelling.key(declared.name), error.detail)


def space_from_spec(spec: dict, *, spelling: Spelling | None = None):
    """The space a stored spec (``space.spec()``, as a sample store or a result keeps it)
    describes: the same spec again, for every space of :data:`SPACES`."""
    spelling = spelling or Spelling.keywords()
    if not isinstance(spec, dict):
        raise InputError("spec", f"must be a dict (a space's spec()); got {type(spec).__name__}")
    entry = _entry(spec.get("space"), spelling)
    names = {p.argument: p.name for p in entry.parameters}
    params = {names.get(key, key): value for key, value in spec.items()
              if key != "space" and key not in entry.spec_only and value is not None}
    return build_space(entry.name, params, spelling=spelling)
