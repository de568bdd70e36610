"""Run an experiment file: every space measured on its task at shared target errors, the trained
ones through a sample store (resumable), and the bits relative to a baseline (docs/method.md §8)."""

from __future__ import annotations

import json
import math
import time
import warnings
from types import SimpleNamespace

import numpy as np

from .._fit_rule import fit_rule
from .._version import __version__
from ..distributions.generalized_chi2 import TAIL_METHODS
from .._memory import check_memory
from ..estimators import ESTIMATOR_NAMES
from ..estimators.estimate import MAX_BOOTSTRAP
from ..exceptions import ConditioningWarning, InputError
from ..measuring import EXACT, measure, measure_law, measure_store, plan_measurement
from ..measuring.plan import DEFAULT_BOOTSTRAP
from ..measuring.targets import constant_mse
from ..parameters import NON_NEGATIVE, POSITIVE, Parameter, Spelling, read_table
from ..spaces.base import MemberSpace
from ..spaces.registry import build_space
from ..store import SampleStore, sample_into_store
from ..store.sample_store import MAX_SEED
from ..tasks.registry import task_from_options
from .grid import default_grid, loss_range
from .relative import relative_bits
from .results import ExperimentResult, RelativeResult, SpaceOutcome, UpperBound
from .schema import ExperimentPlan, plan_experiment, read_experiment_file

__all__ = ["Experiment"]

DEFAULT_HYPOTHESES = 64

#: the keys of [measure], declared once (type, constraint, default)
MEASURE_PARAMETERS = (
    Parameter("target_error", float, None, "target test MSEs ε (default: one grid shared by all spaces)",
              length="+", **POSITIVE),
    Parameter("hypotheses", int, DEFAULT_HYPOTHESES, "members per trained space", low=2),
    # the largest integer a store holds: 2**63 was an OverflowError from SQLite
    Parameter("seed", int, 0, "run seed of the members and the bootstrap", high=MAX_SEED,
              limit="the largest integer a sample store holds", **NON_NEGATIVE),
    Parameter("baseline", str, None, "the space relative bits are reported against (default: the first)"),
    Parameter("estimator", str, None, "how I(ε) is obtained (default: exact where known, else sampled: the "
              "direct count)", choices=(EXACT, *ESTIMATOR_NAMES)),
    Parameter("bootstrap", int, DEFAULT_BOOTSTRAP, "bootstrap refits of a fitted law's interval (at least 20; the "
              "count needs none)", high=MAX_BOOTSTRAP, limit="each refit fits the law again; beyond a few thousand the "
              "interval ends no longer move", **NON_NEGATIVE),
    Parameter("fit_threshold", float, None, "training MSE at or below which a member fits", **NON_NEGATIVE),
    Parameter("fitted_only", bool, True, "estimate from the members that fit the training data only (docs/method.md §8)"),
    Parameter("method", str, "auto", "tail evaluation of an exact law", choices=TAIL_METHODS),
    Parameter("grid_points", int, 8, "target errors of the default grid", low=2),
)


def _build_task(options: dict, table: str = "task"):
    options = dict(options)
    return task_from_options(options.pop("data", None), options, spelling=Spelling.table(table))


def _build_space(options: dict, table: str, seed: int = 0):
    """The space of a [[space]] table (``space`` names it, default gp) and the notes it gave; the
    run seed seeds the restarts of hyperparameters fitted by marginal likelihood ("ml")."""
    options = dict(options)
    notes: list = []
    space = build_space(options.pop("space", "gp"), options, spelling=Spelling.table(table),
                        context={"seed": seed}, notes=notes)
    return space, notes


class Experiment:
    """Spaces measured on a task at shared target errors, with bits relative to a baseline.

    Build one from an experiment file (:meth:`from_file`), TOML text (:meth:`from_toml`) or the
    parsed document (a dict); see :mod:`inductive_bias.experiment.schema` for the keys. Every
    table is checked, and every task and space built, when the experiment is made: a bad key is an
    :class:`InputError` naming it before anything is trained. :meth:`run` then trains what the
    store lacks and measures.

    Examples
    --------
    >>> from inductive_bias import Experiment
    >>> experiment = Experiment.from_toml('''
    ... [task]
    ... data = "digits"
    ... n_train = 100
    ... n_test = 100
    ... [[space]]
    ... name = "gp"
    ... kernel = "laplace"
    ... lengthscale = "median"
    ... ''')
    >>> [s.name for s in experiment.plan.spaces]
    ['gp']
    >>> result = experiment.run(":memory:")    # doctest: +SKIP
    """

    def __init__(self, document: dict, *, source: str | None = None):
        self.source = source
        self.plan: ExperimentPlan = plan_experiment(document)
        settings = read_table(MEASURE_PARAMETERS, self.plan.measure, Spelling.table("measure"),
                              what="the keys of [measure]")
        if settings["target_error"] is not None:
            settings["target_error"] = list(settings["target_error"])
        self.settings = s = SimpleNamespace(**settings)
        # the list of members to train must fit in memory before anything is trained
        check_memory("measure.hypotheses", s.hypotheses, 64 * s.hypotheses, "the list of members to train")
        tasks: dict[str, object] = {}
        self.tasks, self.spaces, self.notes = [], [], []
        for i, plan in enumerate(self.plan.spaces):
            key = json.dumps(plan.task_options, sort_keys=True)
            if key not in tasks:
                tasks[key] = _build_task(plan.task_options, "task")
            self.tasks.append(tasks[key])
            space, notes = _build_space(plan.options, f"space[{plan.base}]", s.seed)
            self.spaces.append(space)
            self.notes += [f"{plan.name}: {note}" for note in notes]
            if plan.hypotheses is not None and (isinstance(plan.hypotheses, bool)
                                                or not isinstance(plan.hypotheses, int) or plan.hypotheses < 2):
                raise InputError(f"space[{plan.base}].hypotheses", f"must be an integer >= 2; got {plan.hypotheses!r}")
            if plan.hypotheses is not None:  # named as written, before the store's runner says "hypotheses"
                check_memory(f"space[{plan.base}].hypotheses", plan.hypotheses, 64 * plan.hypotheses,
                             "the list of members to train")
            try:  # checked now, so that a wrong estimator stops the run before anything is trained
                self._estimator(plan, space)
            except InputError as error:
                key = f"space[{plan.base}].estimator" if plan.estimator is not None else "measure.estimator"
                raise InputError("measure.bootstrap" if error.argument == "n_bootstrap" else key, error.detail) from None
        self.baseline = self._baseline()

    @classmethod
    def from_file(cls, path) -> "Experiment":
        return cls(read_experiment_file(path), source=str(path))

    @classmethod
    def from_toml(cls, text: str) -> "Experiment":
        import tomllib

        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise InputError("experiment file", f"not valid TOML: {error}") from None
        return cls(document)

    def _baseline(self) -> str:
        names = [p.name for p in self.plan.spaces]
        bases = list(dict.fromkeys(p.base for p in self.plan.spaces))
        wanted = self.settings.baseline or bases[0]
        if wanted in names:
            return wanted
        if wanted not in bases:
            raise InputError("measure.baseline", f"names no space: {wanted!r} (they are: {', '.join(bases)})")
        swept = [p for p in self.plan.spaces if p.base == wanted and set(p.sweep) - set(self._task_swept(p))]
        if swept:
            examples = ", ".join(sorted({p.name for p in swept})[:3])
            raise InputError("measure.baseline", f"{wanted!r} is swept; name one of its variants ({examples}, ...)")
        return wanted

    @staticmethod
    def _task_swept(plan) -> list:
        return [k for k in plan.sweep if plan.task_variant.startswith(k + "=")]

    def _baseline_for(self, plan):
        """The baseline measured on the same task as ``plan``."""
        for other in self.plan.spaces:
            if other.task_variant == plan.task_variant and (
                    other.name == self.baseline or (other.base == self.baseline and
                                                    set(other.sweep) <= set(self._task_swept(other)))):
                return other
        return None

    # -- running -----------------------------------------------------------------------------------
    def run(self, store, *, progress: bool | None = None, console=None) -> ExperimentResult:
        """Train what ``store`` lacks, measure every space, and compare each with the baseline.

        Parameters
        ----------
        store : SampleStore, str or Path
            Trained members are read from and committed to it (":memory:" keeps nothing); a
            second run of a finished experiment trains nothing.
        progress : bool or None
            Progress on stderr (spaces, members); None: when stderr is a terminal.

        Returns
        -------
        ExperimentResult
        """
        from .progress import ExperimentProgress

        tic = time.perf_counter()
        s = self.settings
        own = not isinstance(store, SampleStore)
        handle = SampleStore(store) if own else store
        display = ExperimentProgress(len(self.plan.spaces), enabled=progress, console=console)
        try:
            prepared = []
            for i, (plan, task, space) in enumerate(zip(self.plan.spaces, self.tasks, self.spaces)):
                display.space(i, plan.name, plan.sweep)
                prepared.append(self._prepare(plan, task, space, handle, display))
            if s.target_error is not None:
                grid, rule = np.array(sorted(s.target_error, reverse=True)), "given"
            else:
                grid, rule = default_grid([p["range"] for p in prepared if p["range"] is not None], s.grid_points,
                                          reference=constant_mse(self.tasks[0]))
            outcomes = []
            for plan, task, space, ready in zip(self.plan.spaces, self.tasks, self.spaces, prepared):
                outcomes.append(self._measure(plan, task, space, ready, grid, handle))
            store_path = handle.path
        finally:
            display.close()
            if own:
                handle.close()
        relative = self._relative(outcomes)
        return ExperimentResult(
            title=self.plan.title, description=self.plan.description, source=self.source,
            task=self.tasks[0].describe(), settings={k: v for k, v in vars(s).items()},
            target_errors=[float(e) for e in grid], target_error_rule=rule, baseline=self.baseline,
            spaces=tuple(outcomes), relative=tuple(relative), store=store_path,
            seconds=time.perf_counter() - tic, version=__version__, sweeps=self.plan.sweeps,
            tasks=tuple(self.tasks), upper_bound=self._upper_bound(outcomes, grid))

    def _upper_bound(self, outcomes, grid) -> UpperBound:
        """The upper bound of docs/method.md §5 on the experiment's task at its target errors, from the
        task's geometry (seeded with the experiment's seed), or the reason it does not apply."""
        from ..complexity import estimate_geometry  # imported when used: the dimension and separation code

        eps = tuple(float(e) for e in grid)
        if not eps:
            return UpperBound(reason="no target errors")
        if len({json.dumps(o.task, sort_keys=True, default=str) for o in outcomes}) > 1:
            return UpperBound(eps, reason="the task is swept: the bound differs per task (see `inductive-bias "
                                          "complexity`)")
        task = self.tasks[0]
        if task.classes is None:
            return UpperBound(eps, reason="the bound is for classification tasks")
        try:
            geometry = estimate_geometry(task, seed=self.settings.seed)
            bits = tuple(geometry.bound(e).bits for e in eps)
        except InputError as error:
            return UpperBound(eps, reason=f"{error.argument}: {error.detail}")
        return UpperBound(eps, bits, geometry.to_dict())

    def _estimator(self, plan, space):
        """The experiment's one decision of how a space is measured (a MeasurePlan)."""
        return plan_measurement(plan.estimator or self.settings.estimator, has_exact_law=space.has_exact_law,
                                space_name=space.name, n_bootstrap=self.settings.bootstrap)

    def _prepare(self, plan, task, space, store, display) -> dict:
        """Train the missing members (trained spaces) or build the law (exact); the loss range."""
        choice = self._estimator(plan, space)
        n = plan.hypotheses or self.settings.hypotheses
        if choice.exact:  # the law, built once: the grid may need its range, _measure its bits
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConditioningWarning)  # issued again where it is measured
                law, info = space.loss_distribution(task)
            return {"kind": "exact", "range": None if self.settings.target_error is not None else loss_range(exact=law),
                    "trained": None, "members": None, "law": (law, info)}
        if not isinstance(space, MemberSpace):  # a GP measured from its samples: drawn, not stored
            return {"kind": "drawn", "range": None, "trained": None, "members": n}
        run = sample_into_store(task, space, store, n, self.settings.seed, predictions=choice.uses_predictions,
                                progress=display.enabled)
        display.trained(run.trained, run.present_before, n)
        samples = store.samples(run.space_id, limit=n)
        rule = self._fit_rule(space, store, run.space_id)
        losses = samples.losses[rule.used(samples.losses, samples.train_losses) & np.isfinite(samples.losses)]
        return {"kind": "stored", "range": loss_range(sampled=losses) if losses.size >= 2 else None,
                "trained": run.trained, "members": n, "space_id": run.space_id, "seconds": run.seconds}

    def _measure(self, plan, task, space, ready, grid, store) -> SpaceOutcome:
        s = self.settings
        choice = self._estimator(plan, space)
        tic = time.perf_counter()
        reason = counts = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                if ready["kind"] == "exact":
                    law, info = ready["law"]
                    for line in info.get("warnings", ()):
                        warnings.warn(line, ConditioningWarning)
                    result = measure_law(task, space, law, info, grid, s.method)
                elif ready["kind"] == "drawn":
                    result = measure(task, space, grid, estimator=choice, hypotheses=ready["members"],
                                     seed=s.seed, n_bootstrap=choice.n_bootstrap)
                else:
                    result = measure_store(store, ready["space_id"], grid, estimator=choice,
                                           n_bootstrap=choice.n_bootstrap,
                                           seed=s.seed, hypotheses=ready["members"], fit_threshold=s.fit_threshold,
                                           fitted_only=s.fitted_only, task=task)
            except InputError as error:
                if ready["kind"] != "stored" or error.argument not in ("fit_threshold", "hypotheses"):
                    raise
                result = None
                reason, counts = self._too_few(store, ready, space)
        messages = [f"{plan.name}: {w.message}" for w in caught]
        return SpaceOutcome(name=plan.name, base=plan.base, sweep=dict(plan.sweep), task_variant=plan.task_variant,
                            spec=space.spec(), task=task.describe(), result=result, members=ready["members"],
                            members_trained=ready["trained"], space_id=ready.get("space_id"), reason=reason,
                            warnings=tuple(messages), warning_categories=tuple(w.category for w in caught), target_errors=tuple(float(e) for e in grid),
                            seconds=time.perf_counter() - tic + ready.get("seconds", 0.0), fit_counts=counts)

    def _too_few(self, store, ready, space) -> tuple[str, dict]:
        samples = store.samples(ready["space_id"], limit=ready["members"])
        fit = self._fit_rule(space, store, ready["space_id"])
        threshold, rule = fit.threshold, fit.rule
        fits = int(np.sum(fit.fits(samples.train_losses))) if threshold is not None else 0
        counts = {"members_fit": fits, "fit_share": fits / len(samples) if len(samples) else None,
                  "fit_threshold": threshold, "train_losses": samples.train_losses.tolist()}
        return (f"too few members fit the training data to estimate: {fits} of {len(samples)} have a training MSE "
                f"<= {threshold:.3g} ({rule}; docs/method.md §8); where members train iteratively, train longer (epochs, "
                "lr); or set measure.fitted_only = false to use every member"), counts

    def _fit_rule(self, space, store, space_id):
        """The fit rule a stored space's members are measured with (the same as measure_store's)."""
        return fit_rule(space.spec(), store.space(space_id).target_variance, fit_threshold_=self.settings.fit_threshold,
                        fitted_only=self.settings.fitted_only)

    def _relative(self, outcomes) -> list:
        by_name = {o.name: o for o in outcomes}
        out = []
        for plan, outcome in zip(self.plan.spaces, outcomes):
            base_plan = self._baseline_for(plan)
            if base_plan is None or base_plan.name == plan.name:
                continue
            base = by_name[base_plan.name]
            for j, eps in enumerate(outcome.target_errors):
                b, a = base.target(j), outcome.target(j)
                bits, interval, kind = relative_bits(b.bits, b.interval, a.bits, a.interval,
                                                     baseline_kind=b.kind, space_kind=a.kind)
                why = None
                if base.result is None or outcome.result is None:
                    why = (base if base.result is None else outcome).reason
                elif math.isnan(bits):
                    why = ("no member of either space reaches this target error: both figures are lower bounds"
                           if a.kind == b.kind == "bound" else
                           "neither space reaches this target error" if math.isinf(a.bits) else "a figure failed")
                out.append(RelativeResult(space=outcome.name, baseline=base.name, target_error=float(eps),
                                          bits=bits, interval=interval, reason=why, kind=kind,
                                          extrapolated=bool(a.extrapolated or b.extrapolated)))
        return out
