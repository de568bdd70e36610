"""``inductive-bias complexity``: the model-agnostic upper bound of docs/method.md §5, from explicit inputs,
a published preset, or a task whose inputs are estimated."""

from __future__ import annotations

import json
import sys

from ..exceptions import InputError
from ..complexity import DELTA_METHODS, PRESETS, complexity_bound, estimate_geometry
from .task_args import add_task_arguments, task_flags_given, task_from_args

_EXPLICIT = ("n", "m", "R", "delta")


def add_geometry_arguments(parser) -> None:
    """Options of the estimators of the bound's inputs (shared with ``compare``)."""
    group = parser.add_argument_group("estimating the inputs from a task")
    group.add_argument("--k", "--neighbours", dest="k", type=int, default=10, metavar="K",
                       help="k of the Levina–Bickel intrinsic-dimension estimate (default 10; published: 5)")
    group.add_argument("--queries", type=int, default=1000,
                       help="points whose neighbourhoods enter the dimension estimate (default 1000)")
    group.add_argument("--delta-method", default="auto", choices=DELTA_METHODS,
                       help="δ: exact (all pairs), sample (all pairs of --sample points), evt (extreme-value "
                       "extrapolation from --pairs random pairs); auto: exact up to --sample points, else evt")
    group.add_argument("--sample", type=int, default=5000, help="points of the sample δ (default 5000)")
    group.add_argument("--pairs", type=int, default=200_000, help="random pairs of the evt δ (default 200000)")
    group.add_argument("--min-distance", type=float, default=0.0,
                       help="ignore differently labelled pairs this close or closer (default 0: identical inputs)")


def _progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def geometry_from_args(task, args):
    return estimate_geometry(task, k=args.k, queries=args.queries, delta_method=args.delta_method,
                             sample=args.sample, pairs=args.pairs, min_distance=args.min_distance, seed=args.seed,
                             progress=_progress if sys.stderr.isatty() else None)


def add_parser(sub):
    p = sub.add_parser(
        "complexity", help="model-agnostic upper bound (bits) on the inductive bias a task requires",
        description="The inductive bias complexity of docs/method.md §5 (ICML 2023): an upper bound, in bits, from the "
                    "task's geometry alone. Give the inputs (--n --m --R --delta --classes --error), a published "
                    "--preset, or a task (--data) whose inputs are estimated.")
    explicit = p.add_argument_group("explicit inputs (docs/method.md §5)")
    explicit.add_argument("--preset", choices=list(PRESETS),
                          help="a published setting; explicit inputs given beside it replace its values")
    explicit.add_argument("--n", type=float, help="training points")
    explicit.add_argument("--m", type=float, help="intrinsic dimension of the inputs")
    explicit.add_argument("--R", type=float, help="maximum norm of the inputs")
    explicit.add_argument("--delta", type=float, help="minimum distance between differently labelled inputs")
    explicit.add_argument("--classes", type=int, help="number of classes: P = classes, D = classes - 1")
    explicit.add_argument("--outputs", type=float, help="output dimension D (default classes - 1)")
    explicit.add_argument("--combinations", type=float,
                          help="discrete feature combinations P (default classes)")
    explicit.add_argument("--output-bound", type=float, help="bound B on the output norm (default 1)")
    explicit.add_argument("--error", "--target-error", dest="error", type=float, metavar="EPS",
                          help="target error ε (required, except with --preset)")
    add_task_arguments(p, skip=("--classes",))
    add_geometry_arguments(p)
    p.add_argument("--seed", type=int, default=0, help="seed of the estimators' random draws (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object (key 'bits') instead of a table")
    return p


def _explicit_inputs(args) -> dict:
    inputs = dict(PRESETS[args.preset]) if args.preset else {}
    for name in (*_EXPLICIT, "classes"):
        if getattr(args, name) is not None:
            inputs[name] = getattr(args, name)
    if args.error is not None:
        inputs["target_error"] = args.error
    for name in (*_EXPLICIT, "target_error"):
        if name not in inputs:
            flag = "error" if name == "target_error" else name
            raise InputError(flag, "is required with explicit inputs (or give --preset, or --data to estimate them)")
    for name in ("outputs", "combinations", "output_bound"):
        if getattr(args, name) is not None:
            inputs[name] = getattr(args, name)
    if "classes" not in inputs and ("outputs" not in inputs or "combinations" not in inputs):
        raise InputError("classes", "is required with explicit inputs (or give both --outputs and --combinations)")
    return inputs


def _output_bound(args) -> float:
    return 1.0 if args.output_bound is None else args.output_bound


def _g(x) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return f"{int(x)}"
    return f"{x:.6g}" if isinstance(x, float) else str(x)


def _bits(bound) -> str:
    if bound.log10_bits is not None and bound.log10_bits >= 6:
        return f"{bound.bits:.6e} bits (10^{bound.log10_bits:.4f})" if bound.bits != float("inf") \
            else f"10^{bound.log10_bits:.4f} bits"
    return f"{bound.bits:,.4f} bits"


def run(args) -> int:
    explicit = args.preset is not None or any(getattr(args, name) is not None for name in _EXPLICIT)
    geometry = None
    if explicit:
        given = task_flags_given(args)
        if given:
            raise InputError(given[0], "give either the bound's inputs (--preset, --n --m --R --delta) or a task "
                             "(--data and its options) to estimate them from, not both")
        inputs = _explicit_inputs(args)
        bound = complexity_bound(inputs.pop("target_error"), inputs["n"], inputs["m"], inputs["R"], inputs["delta"],
                                 inputs.get("classes"), outputs=inputs.get("outputs"),
                                 combinations=inputs.get("combinations"), output_bound=inputs.get("output_bound", 1.0))
    else:
        if args.error is None:
            raise InputError("error", "is required: the target error ε of the bound")
        task = task_from_args(args)
        geometry = geometry_from_args(task, args)
        bound = geometry.bound(args.error, output_bound=_output_bound(args))
    if args.json:
        out = {"bits": bound.to_dict()["bits"], "log10_bits": bound.log10_bits, "target_error": bound.target_error,
               "inputs": bound.inputs(), "preset": args.preset, "bound": bound.to_dict()}
        if geometry is not None:
            out["estimates"] = geometry.to_dict()
            out["range_over_m"] = list(geometry.bound_range(args.error, output_bound=_output_bound(args)))
        sys.stdout.write(json.dumps(out, indent=2, allow_nan=False) + "\n")
        return 0
    lines = []
    if geometry is not None:
        g, d, s = geometry, geometry.dimension, geometry.separation
        t = g.task
        lines += [
            f"task      {t['name']}: {t['n_train']} train, {t['n_features']} features, {g.classes} classes",
            f"R         {g.R:.6g}  (largest norm of the {g.n} training inputs)",
            f"m         {d.m:.4f}  {d.confidence:.0%} interval [{d.interval[0]:.4f}, {d.interval[1]:.4f}]  "
            f"(Levina–Bickel MLE, k = {d.k}, {d.queries} query points, {d.n_subsamples} resamples)",
        ]
        if s.method == "evt":
            how = (f"evt: extrapolated from {s.pairs_examined:,} random pairs to all {s.pairs_total:,}; "
                   f"tail index γ = {s.gamma:.4g} on the top {s.tail}; smallest sampled {s.sample_minimum:.6g}")
        elif s.method == "exact":
            how = f"exact: minimum over all {s.pairs_total:,} differently labelled pairs"
        else:
            how = f"sample: minimum over {s.pairs_examined:,} of {s.pairs_total:,} pairs (over-estimates δ)"
        if s.ignored_pairs:
            how += f"; {s.ignored_pairs} pair(s) within {s.min_distance:g} ignored"
        lines.append(f"δ         {s.delta:.6g}  ({how})")
    else:
        source = f"preset {args.preset}" if args.preset else "given"
        lines.append(f"inputs    ({source})")
    lines += [
        f"n {_g(bound.n)}, m {_g(bound.m)}, R {_g(bound.R)}, δ {_g(bound.delta)}, "
        f"P {_g(bound.combinations)}, D {_g(bound.outputs)}, B {_g(bound.output_bound)}, ε {_g(bound.target_error)}",
        f"M = 2πR/δ {bound.max_frequency:.6g}, K {bound.K:.6g}, ln E {bound.log_eigenvalues:.6g}, "
        f"log2 ratio {bound.log2_ratio:.6g} bits",
        "",
        f"upper bound  {_bits(bound)}",
    ]
    if geometry is not None:
        low, high = geometry.bound_range(args.error, output_bound=_output_bound(args))
        lines.append(f"over the m interval  [{low:.6e}, {high:.6e}] bits")
    if bound.reason:
        lines.append(f"note   {bound.reason}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
