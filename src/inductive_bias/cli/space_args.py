"""The flags of hypothesis spaces, generated from the space registry
(:mod:`inductive_bias.spaces.registry`): one flag per declared parameter (``--name``), with its
type, choices and help, and the spaces it applies to and their defaults in that help.

Every space flag defaults to None ("the space's own default"), so that a flag given for a space it
does not apply to (``--epochs`` with ``--space knn``) is an error from the registry's factory
instead of being ignored.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from ..parameters import Spelling
from ..spaces.registry import SPACES, build_space, trained_spaces

__all__ = ["add_space_arguments", "build_space_from_args", "space_flags_given", "trained_spaces"]

_FAMILY_TITLES = {"Gaussian process": "GP space", "infinite-width network": "infinite-width network spaces",
                  "neural network": "neural-network spaces", "scikit-learn model": "scikit-learn spaces"}


def _declarations(spaces) -> dict[str, list]:
    """Flag name -> [(space, Parameter)] over ``spaces``, in registry order."""
    out: dict[str, list] = {}
    for name in spaces:
        for parameter in SPACES[name].parameters:
            if parameter.flag:
                out.setdefault(parameter.name, []).append((name, parameter))
    return out


def _help(declared) -> str:
    """Each distinct declaration's help and default, with the spaces it belongs to."""
    groups: dict[tuple, list] = {}
    for space, parameter in declared:
        groups.setdefault((parameter.help, parameter.shown_default()), [parameter, []])[1].append(space)
    parts = []
    for parameter, spaces in groups.values():
        default = parameter.shown_default()
        text = f"{', '.join(spaces)}: {parameter.help}" + (f" (default {default})" if default is not None else "")
        parts.append(text)
    return "; ".join(parts).replace("%", "%%")


def _value_type(parameters):
    """argparse ``type``: a special string of any declaration, else the first one's type."""
    special = tuple(dict.fromkeys(s for p in parameters for s in p.special))
    first = parameters[0]

    def parse(text: str):
        if text in special:
            return text
        try:
            return first.parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {first.describe() if first.length is None else _one(first)}"
                                             f"; got {text!r}") from None

    parse.__name__ = first.type.__name__ if isinstance(first.type, type) else str(first.type)
    return parse


def _one(parameter) -> str:
    """What one value of a list-valued parameter must be."""
    return replace(parameter, length=None).describe()


def add_space_arguments(parser, spaces=None, *, title: str | None = None) -> None:
    """Add a flag for every parameter of ``spaces`` (names of :data:`SPACES`; default all), each
    in the argument group of the first family that declares it (``title``: one group, so titled)."""
    spaces = list(SPACES) if spaces is None else list(spaces)
    groups = {}
    for name in spaces:
        family = SPACES[name].family
        if family not in groups:
            members = [n for n in spaces if SPACES[n].family == family]
            groups[family] = parser.add_argument_group(title or f"{_FAMILY_TITLES.get(family, family)} "
                                                                f"(--space {', '.join(members)})")
    for flag, declared in _declarations(spaces).items():
        parameters = [p for _, p in declared]
        group = groups[SPACES[declared[0][0]].family]
        kwargs = {"dest": flag, "default": None, "help": _help(declared)}
        if all(p.type is bool for p in parameters):
            group.add_argument("--" + flag.replace("_", "-"), action="store_const", const=True, **kwargs)
            continue
        lengths = {p.length for p in parameters}
        if lengths != {None}:
            # a list, or one value of a space whose flag another space takes as a list (--channels)
            kwargs["nargs"] = lengths.pop() if len(lengths) == 1 and isinstance(next(iter(lengths)), int) else "+"
        if all(p.choices for p in parameters):
            kwargs["choices"] = list(dict.fromkeys(c for p in parameters for c in p.choices))
        else:
            kwargs["type"] = _value_type(parameters)
        metavar = next((p.metavar for p in parameters if p.metavar is not None), None)
        if metavar is not None and "choices" not in kwargs:
            kwargs["metavar"] = metavar
        group.add_argument("--" + flag.replace("_", "-"), **kwargs)


def space_flags_given(args, spaces=None) -> dict:
    """Parameter name -> value of the space flags set on the command line."""
    spaces = list(SPACES) if spaces is None else list(spaces)
    return {flag: getattr(args, flag) for flag in _declarations(spaces)
            if getattr(args, flag, None) is not None}


def build_space_from_args(args, name: str, notes: list | None = None, spaces=None):
    """The space ``name`` the flags describe (flags of other spaces are errors naming the flag);
    ``--seed`` seeds a GP's marginal-likelihood restarts. ``notes`` collects one-line remarks."""
    return build_space(name, space_flags_given(args, spaces), spelling=Spelling.flags(),
                       context={"seed": getattr(args, "seed", None)}, notes=notes)
