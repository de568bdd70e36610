"""Sample-based estimators judged against the exact law of GP spaces (docs/method.md §2-§3).

For each task and GP space the exact loss law gives I(ε) at ε = mean - z·sd, z = 2, 6, 15. Then,
for N sampled hypotheses (N = 100, 1000, 10000; several repetitions with different seeds), every
sample-based estimator is run on the same sample, and its error against the exact bits, its
spread over repetitions and whether its bootstrap interval covered the exact value are recorded.

    python benchmarks/estimators_vs_exact.py                 # default run (~15 min on 2 cores)
    python benchmarks/estimators_vs_exact.py --reps-small 10 --reps 10 --bootstrap 50 --slow-bootstrap-upto 1000

Writes the tables to benchmarks/estimators_vs_exact.md (``--out`` to change) and the raw rows to
a JSON file beside it.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from inductive_bias import GaussianProcess, Task, digits  # noqa: E402
from inductive_bias.estimators import ExtrapolationWarning, estimate_bits  # noqa: E402

ALL = ["paper", "paper-logphi", "ncx2-mle", "ncx2-loc", "gchi2-moments", "function-gaussian", "empirical"]
# paper-logphi shares paper's fit and differs only where its CDF underflows (not at these targets):
# left out of the default run, available with --estimators.
ESTIMATORS = [e for e in ALL if e != "paper-logphi"]
SLOW = {"paper", "paper-logphi", "ncx2-mle", "ncx2-loc"}  # maximum-likelihood fits: ~1 s per fit at N = 1000
Z = (2.0, 6.0, 15.0)


def synthetic_regression(seed: int = 0, n_train: int = 300, n_test: int = 400) -> Task:
    """Three smooth functions of 4 Gaussian inputs, with noise 0.1: a regression task whose GP
    posterior (matern52, median lengthscale) has a decaying spectrum, unlike digits."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_train + n_test, 4))
    Y = np.column_stack([np.sin(2 * X[:, 0]) + 0.5 * X[:, 1] * X[:, 2], np.cos(X[:, 3] + X[:, 0]), X[:, 1] ** 2 / 2])
    Y += 0.1 * rng.standard_normal(Y.shape)
    return Task.from_arrays(X[:n_train], Y[:n_train], X[n_train:], Y[n_train:], name="synthetic-regression",
                            info={"seed": seed})


def cases():
    task = digits()
    return [
        ("digits rbf l=1", task, GaussianProcess("rbf", 1.0)),
        ("digits rbf l=median", task, GaussianProcess("rbf", "median")),
        ("digits laplace l=median", task, GaussianProcess("laplace", "median")),
        ("synthetic matern52 l=median", synthetic_regression(), GaussianProcess("matern52", "median")),
    ]


def run(args) -> list[dict]:
    rows = []
    for name, task, space in cases():
        law, _ = space.loss_distribution(task)
        eps = law.mean - np.array(Z) * law.std
        exact = law.bits(eps)
        print(f"{name}: exact bits {np.round(exact, 2)}", file=sys.stderr, flush=True)
        for N in args.sizes:
            reps = args.reps_small if N <= 100 else args.reps if N <= 1000 else args.reps_large
            for rep in range(reps):
                seed = 1000 * rep + N
                samples = space.sample(task, N, seed, predictions=True)
                for est in args.estimators:
                    boot = args.bootstrap if N <= 1000 else args.bootstrap_large
                    if est in SLOW and N > args.slow_bootstrap_upto:
                        boot = 0
                    tic = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", ExtrapolationWarning)
                        result = estimate_bits(samples.losses, eps, est, n_bootstrap=boot, seed=seed,
                                               predictions=samples.predictions, targets=task.Y_test)
                    seconds = time.perf_counter() - tic
                    for j, z in enumerate(Z):
                        lo, hi = result.interval[j]
                        rows.append({
                            "case": name, "N": N, "rep": rep, "estimator": est, "z": z, "eps": float(eps[j]),
                            "exact": float(exact[j]), "bits": float(result.bits[j]), "low": float(lo), "high": float(hi),
                            "bootstrap": boot, "failure": result.failure, "boot_failures": result.bootstrap_failures,
                            "seconds": seconds, "ks": (result.goodness_of_fit or {}).get("ks_statistic"),
                            "ad": (result.goodness_of_fit or {}).get("anderson_darling"),
                            "depth": float(result.depth[j]),
                        })
                    if est == "function-gaussian" and boot > 0:
                        # the bootstrap bias-corrected estimate, bits - (mean replicate - bits): not
                        # the default, reported to show what the correction would do
                        for j, base in enumerate(rows[-len(Z):]):
                            row = dict(base)
                            row.update(estimator="function-gaussian (bias-corrected)",
                                       bits=float(result.bits[j] - result.bootstrap_bias[j]))
                            rows.append(row)
                    print(f"  N={N} rep={rep} {est}: {np.round(result.bits, 2)} ({seconds:.1f} s)", file=sys.stderr,
                          flush=True)
                del samples
    return rows


def _fmt(x, digits=2):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{digits}f}"


def summarise(rows) -> str:
    import collections

    lines = []
    groups = collections.defaultdict(list)
    for r in rows:
        groups[(r["case"], r["z"], r["N"], r["estimator"])].append(r)
    for case in dict.fromkeys(r["case"] for r in rows):
        lines.append(f"\n### {case}\n")
        lines.append("| z (sd below mean) | exact bits | N | estimator | mean error (bits) | mean relative error | "
                     "spread (sd, bits) | coverage | seconds |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for (c, z, N, est), g in groups.items():
            if c != case:
                continue
            exact = g[0]["exact"]
            bits = np.array([r["bits"] for r in g])
            ok = np.isfinite(bits)
            err = bits[ok] - exact
            mean_err = float(np.mean(err)) if ok.any() else math.nan
            rel = mean_err / exact if exact else math.nan
            spread = float(np.std(err, ddof=1)) if ok.sum() > 1 else math.nan
            booted = [r for r in g if r["bootstrap"] > 0 and np.isfinite(r["low"])]
            cover = (f"{sum(r['low'] <= exact <= r['high'] for r in booted)}/{len(booted)}" if booted else "-")
            failed = len(g) - int(ok.sum())
            name = est + (f" ({failed} not finite)" if failed else "")
            lines.append(f"| {z:g} | {exact:.2f} | {N} | {name} | {_fmt(mean_err)} | {_fmt(100 * rel, 1)} % | "
                         f"{_fmt(spread)} | {cover} | {np.median([r['seconds'] for r in g]):.2f} |")
    return "\n".join(lines)


def overall(rows) -> str:
    """Per estimator and N: worst |relative error| of the mean over cases, at each z."""
    import collections

    by = collections.defaultdict(list)
    for r in rows:
        by[(r["estimator"], r["N"], r["z"], r["case"])].append(r)
    worst = collections.defaultdict(float)
    cover = collections.defaultdict(lambda: [0, 0])
    for (est, N, z, case), g in by.items():
        bits = np.array([r["bits"] for r in g])
        exact = g[0]["exact"]
        rel = abs(np.mean(bits) - exact) / exact if np.all(np.isfinite(bits)) else math.inf
        worst[(est, N, z)] = max(worst[(est, N, z)], rel)
        for r in g:
            if r["bootstrap"] > 0 and np.isfinite(r["low"]):
                cover[(est, N)][0] += int(r["low"] <= exact <= r["high"])
                cover[(est, N)][1] += 1
    ests = list(dict.fromkeys(r["estimator"] for r in rows))
    sizes = sorted({r["N"] for r in rows})
    lines = ["| estimator | N | worst |rel. error|, z=2 | z=6 | z=15 | bootstrap coverage (all z, cases) |",
             "|---|---|---|---|---|---|"]
    present = {(r["estimator"], r["N"]) for r in rows}
    for est in ests:
        for N in sizes:
            if (est, N) not in present:  # e.g. no bootstrap (so no bias-corrected rows) above N = 1000
                continue
            c = cover[(est, N)]
            cv = f"{c[0]}/{c[1]}" if c[1] else "-"
            lines.append(f"| {est} | {N} | " + " | ".join(
                f"{_fmt(100 * worst[(est, N, z)], 1)} %" for z in Z) + f" | {cv} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--reps-small", type=int, default=2, help="repetitions at N <= 100 (default 2)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions at 100 < N <= 1000 (default 3)")
    parser.add_argument("--reps-large", type=int, default=1, help="repetitions at N > 1000 (default 1)")
    parser.add_argument("--bootstrap", type=int, default=10, help="bootstrap refits at N <= 1000 (default 10)")
    parser.add_argument("--bootstrap-large", type=int, default=0,
                        help="bootstrap refits at N > 1000 (default 0)")
    parser.add_argument("--slow-bootstrap-upto", type=int, default=100,
                        help="bootstrap the maximum-likelihood fits only up to this N (default 100: ~1-5 s per "
                             "refit at N = 1000 on 2 cores)")
    parser.add_argument("--estimators", nargs="+", default=ESTIMATORS, choices=ALL)
    parser.add_argument("--out", default=str(Path(__file__).with_suffix(".md")))
    args = parser.parse_args(argv)
    tic = time.perf_counter()
    rows = run(args)
    total = time.perf_counter() - tic
    out = Path(args.out)
    out.with_suffix(".json").write_text(json.dumps(rows))
    command = "python benchmarks/estimators_vs_exact.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = [
        "# Sample-based estimators against the exact GP law",
        "",
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on a 2-core CPU (shared), {platform.python_version()}, "
        f"{total / 60:.1f} min. Command: `{command.strip()}`.",
        "",
        f"Targets: ε = mean - z·sd of the exact law, z = {', '.join(f'{z:g}' for z in Z)}. Repetitions: "
        f"{args.reps_small} at N <= 100, {args.reps} up to 1000, {args.reps_large} above. Bootstrap: "
        f"{args.bootstrap} refits at N <= 1000 (95 %: basic interval for function-gaussian, percentile for the "
        f"others), {args.bootstrap_large} above; the "
        f"maximum-likelihood fits (paper, paper-logphi, ncx2-mle, ncx2-loc) only up to N = {args.slow_bootstrap_upto}. "
        "Coverage counts intervals holding the exact "
        "value. Error = estimate - exact; relative error = mean error / exact.",
        "",
        "## Summary: worst case over the four GP spaces",
        "",
        overall(rows),
        "",
        "## Per space",
        summarise(rows),
        "",
    ]
    out.write_text("\n".join(text))
    print(f"wrote {out} ({total / 60:.1f} min)", file=sys.stderr)


if __name__ == "__main__":
    main()
