"""The experiment file: what it may say, and the plan it expands to.

An experiment file is TOML with these tables. A ``[task]`` key is a task option
(:data:`inductive_bias.tasks.registry.TASK_OPTIONS`) and a ``[[space]]`` key a parameter of the
space its ``space`` names (:data:`inductive_bias.spaces.registry.SPACES`): the names of the
command line's flags, with underscores. Each table is a dict passed to the factory of tasks or of
spaces, which checks every key against its declaration::

    [task]                      # the task, as `--data digits --n-train 200 ...`
    data = "digits"
    n_train = 200
    seed = 0                    # the task's seed (task_seed; --task-seed)

    [measure]                   # how every space is measured
    target_error = [0.03, 0.02] # optional; default: one grid shared by all spaces
    hypotheses = 64             # members per trained space
    seed = 0                    # run seed of the members and the bootstrap
    baseline = "gp"             # relative bits I_baseline - I_space are reported against it
    # estimator, bootstrap, fit_threshold, fitted_only (default true, docs/method.md §8), method

    [[space]]                   # one table per space; `name` labels it (default: its `space`)
    name = "mlp"
    space = "mlp"
    hidden = [128]
    # hypotheses, estimator: per-space overrides of [measure]

    [[sweep]]                   # one space per value of one parameter
    space = "mlp"               # a [[space]] name; leave it out to sweep a [task] key for every space
    parameter = "hidden"
    values = [[32], [64], [128]]

    [report]                    # optional: where `inductive-bias experiment` writes its report
    path = "report.html"

A swept space is replaced by its variants, named ``mlp[hidden=64]``; a task sweep (at most one)
measures every space on each task, named ``mlp[n_train=50]``, and relative bits pair each space
with the baseline measured on the same task.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import InputError

__all__ = ["ExperimentPlan", "SpacePlan", "read_experiment_file", "plan_experiment"]

TOP_LEVEL = ("task", "measure", "space", "sweep", "report", "title", "description")
SPACE_OWN_KEYS = ("name", "hypotheses", "estimator")  # keys of [[space]] that are not space options
SWEEP_KEYS = ("space", "parameter", "values", "task")


@dataclass(frozen=True)
class SpacePlan:
    """One space to measure: its TOML options (sweep applied), the task's, and where it came from."""

    name: str
    base: str
    options: dict
    task_options: dict
    sweep: dict = field(default_factory=dict)  # parameter -> value, space and task sweeps together
    task_variant: str = ""
    hypotheses: int | None = None
    estimator: str | None = None


@dataclass(frozen=True)
class ExperimentPlan:
    title: str
    description: str
    task: dict
    measure: dict
    spaces: tuple
    sweeps: tuple
    report: dict


def read_experiment_file(path) -> dict:
    """The TOML document of an experiment file (an InputError naming the file where it is not TOML)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise InputError("experiment file", f"no such experiment file: {str(path)!r}") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError("experiment file", f"{path.name} is not valid TOML: {error}") from None


def _table(document, key, kind):
    value = document.get(key, kind())
    if not isinstance(value, kind):
        raise InputError(f"[{key}]", f"must be a {'table' if kind is dict else 'list of tables'} "
                              f"({'[' + key + ']' if kind is dict else '[[' + key + ']]'})")
    return value


def _show(value) -> str:
    if isinstance(value, list):
        return ",".join(_show(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def plan_experiment(document: dict) -> ExperimentPlan:
    """Check the document's structure and expand its sweeps into one :class:`SpacePlan` per space."""
    if not isinstance(document, dict):
        raise InputError("experiment file", "must be a TOML document (tables of keys)")
    unknown = [k for k in document if k not in TOP_LEVEL]
    if unknown:
        raise InputError(f"[{unknown[0]}]", f"is not a table of an experiment file (they are: {', '.join(TOP_LEVEL)})")
    task = dict(_table(document, "task", dict))
    measure = dict(_table(document, "measure", dict))
    report = dict(_table(document, "report", dict))
    for key, value in report.items():
        if key != "path" or not isinstance(value, str) or not value:
            raise InputError(f"report.{key}", "the [report] table takes one key, path (a file name ending .html)")
    spaces = _table(document, "space", list)
    sweeps = _table(document, "sweep", list)
    if not spaces:
        raise InputError("[[space]]", "the experiment has no [[space]] table")
    if "seed" in task:  # [task] seed is the task's seed, --task-seed on the command line
        if "task_seed" in task:
            raise InputError("task.seed", "and task.task_seed are the same option; give one")
        task["task_seed"] = task.pop("seed")

    bases = {}
    for i, entry in enumerate(spaces):
        if not isinstance(entry, dict):
            raise InputError(f"space[{i}]", "must be a table ([[space]])")
        name = entry.get("name", entry.get("space", "gp"))
        if not isinstance(name, str) or not name or any(c in name for c in "[]"):
            raise InputError(f"space[{i}].name", f"must be a non-empty string without brackets; got {name!r}")
        if name in bases:
            raise InputError(f"space[{i}].name", f"{name!r} names two spaces; give each [[space]] its own name")
        bases[name] = dict(entry)

    space_sweeps: dict[str, list] = {}
    task_sweep = None
    for i, sweep in enumerate(sweeps):
        where = f"sweep[{i}]"
        if not isinstance(sweep, dict):
            raise InputError(where, "must be a table ([[sweep]])")
        for key in sweep:
            if key not in SWEEP_KEYS:
                raise InputError(f"{where}.{key}", f"is not a key of [[sweep]] (they are: {', '.join(SWEEP_KEYS)})")
        parameter, values = sweep.get("parameter"), sweep.get("values")
        if not isinstance(parameter, str) or not parameter:
            raise InputError(f"{where}.parameter", f"must name the option to vary; got {parameter!r}")
        if not isinstance(values, list) or not values:
            raise InputError(f"{where}.values", f"must be a non-empty list; got {values!r}")
        if len({_show(v) for v in values}) != len(values):
            raise InputError(f"{where}.values", f"repeats a value: {values!r}")
        target = sweep.get("space")
        if target is None:
            if task_sweep is not None:
                raise InputError(f"{where}.parameter", "a second task sweep; an experiment sweeps at most one "
                                                       "task parameter (write one file per task sweep)")
            key = "task_seed" if parameter == "seed" else parameter
            task_sweep = (key, parameter, values)
        else:
            if target not in bases:
                raise InputError(f"{where}.space", f"names no [[space]]: {target!r} (they are: {', '.join(bases)})")
            if parameter in ("name", "space"):
                raise InputError(f"{where}.parameter", f"cannot vary {parameter!r}; write one [[space]] per value")
            space_sweeps.setdefault(target, []).append((parameter, values))

    task_variants = [("", dict(task), {})]
    if task_sweep is not None:
        key, parameter, values = task_sweep
        task_variants = [(f"{parameter}={_show(v)}", {**task, key: v}, {parameter: v}) for v in values]

    plans = []
    for base, entry in bases.items():
        own = {k: entry.pop(k) for k in SPACE_OWN_KEYS if k in entry}
        variants = [("", entry, {})]
        if base in space_sweeps:
            variants = [(f"{parameter}={_show(v)}", {**entry, parameter: v}, {parameter: v})
                        for parameter, values in space_sweeps[base] for v in values]
        for (label, options, swept), (task_label, task_options, task_swept) in itertools.product(variants,
                                                                                                  task_variants):
            name = base + "".join(f"[{text}]" for text in (label, task_label) if text)
            plans.append(SpacePlan(name=name, base=base, options=options, task_options=task_options,
                                   sweep={**swept, **task_swept}, task_variant=task_label,
                                   hypotheses=own.get("hypotheses"), estimator=own.get("estimator")))
    names = [p.name for p in plans]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise InputError("[[sweep]]", f"two spaces would be named {duplicate!r}")
    for key in ("title", "description"):
        if key in document and not isinstance(document[key], str):
            raise InputError(f"{key} (top level)", f"must be a string; got {document[key]!r}")
    return ExperimentPlan(title=document.get("title", ""), description=document.get("description", ""),
                          task=task, measure=measure, spaces=tuple(plans), sweeps=tuple(sweeps), report=report)
