"""Sample-based estimators on real trained spaces, judged by the direct count inside the sample.

Trained spaces have no exact law, but inside the sample the direct count is honest: with N
members and c of them at or below ε, -log2(c/N) has an exact (Clopper–Pearson) 95 % interval. At
every ε where at least 50 of N members reach it, each estimator's figure is compared with that
interval (issue: a default estimator that is right for networks).

    python benchmarks/trained_estimators.py                    # 1000 members each of mlp, cnn, a forest
    python benchmarks/trained_estimators.py --members 300 --spaces mlp

Members are trained into a sample store (resumable: run it again after an interrupt) with their
test predictions, so function-space estimators can be judged too. Writes a Markdown table and the
raw rows (JSON) beside this file.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from inductive_bias import SampleStore, ScikitLearnSpace, digits, sample_into_store  # noqa: E402
from inductive_bias.estimators import estimate_bits  # noqa: E402
from inductive_bias.estimators.intervals import clopper_pearson_bits  # noqa: E402
from inductive_bias.exceptions import ExtrapolationWarning  # noqa: E402

ESTIMATORS = ["sampled", "function-gaussian", "gchi2-moments", "paper", "ncx2-mle"]
COUNTS = (50, 100, 200, 400)  # members at or below ε: the targets are these order statistics


def spaces(names):
    out = {}
    for name in names:
        if name in ("mlp", "cnn"):
            from inductive_bias import NeuralNetworks

            out[name] = NeuralNetworks(name)
        elif name == "random_forest":
            out[name] = ScikitLearnSpace("random_forest", n_estimators=30, max_features="sqrt")
        else:
            raise SystemExit(f"unknown space {name!r}")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--spaces", nargs="+", default=["mlp", "cnn", "random_forest"])
    parser.add_argument("--store", default=str(Path(__file__).with_name("out") / "trained_estimators.db"))
    parser.add_argument("--bootstrap", type=int, default=20)
    parser.add_argument("--out", default=str(Path(__file__).with_name("trained_estimators.md")))
    args = parser.parse_args(argv)
    Path(args.store).parent.mkdir(exist_ok=True)
    task = digits(500, 500, seed=0)
    rows, timings = [], {}
    for name, space in spaces(args.spaces).items():
        tic = time.perf_counter()
        run = sample_into_store(task, space, args.store, args.members, seed=0, predictions=True)
        timings[name] = {"trained_now": run.trained, "seconds": time.perf_counter() - tic}
        with SampleStore(args.store) as store:
            samples = store.samples(run.space_id, predictions=True)
        losses, preds = samples.losses, samples.predictions
        order = np.sort(losses)
        eps = np.array([order[c - 1] for c in COUNTS if c <= losses.size])
        below = np.searchsorted(order, eps, side="right")
        count_bits = -np.log2(below / losses.size)
        ci = clopper_pearson_bits(below, losses.size, 0.95)
        for estimator in ESTIMATORS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ExtrapolationWarning)
                est = estimate_bits(losses, eps, estimator, n_bootstrap=args.bootstrap, seed=1,
                                    predictions=preds, targets=task.Y_test)
            for j, e in enumerate(eps):
                rows.append({"space": name, "spec": space.spec(), "estimator": estimator, "resolved": est.estimator,
                             "target_error": float(e), "members_below": int(below[j]), "members": int(losses.size),
                             "count_bits": float(count_bits[j]), "count_interval": [float(v) for v in ci[j]],
                             "bits": float(est.bits[j]), "interval": [float(v) for v in est.interval[j]],
                             "inside": bool(ci[j][0] <= est.bits[j] <= ci[j][1]),
                             "ks_pvalue": (est.goodness_of_fit or {}).get("ks_pvalue"),
                             "choice": est.params.get("sampled_choice")})
        print(f"{name}: {losses.size} members, loss mean {losses.mean():.5f} sd {losses.std():.5f}, "
              f"{timings[name]}", flush=True)
    write(args, rows, timings)
    return 0


def write(args, rows, timings) -> None:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# Sample-based estimators on trained spaces, against the direct count ({when})", "",
             f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}; digits "
             "500/500 (seed 0), members trained with their test predictions; targets ε at the order statistics "
             f"{', '.join(map(str, COUNTS))} of the N test losses (so that many members reach each); the count's "
             "interval is Clopper–Pearson 95 %. `inside`: the estimate lies in the count's interval.", "",
             "| space | estimator (resolved) | members ≤ ε | count bits [95 %] | estimate [bootstrap] | inside | KS p |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['space']} | {r['estimator']} ({r['resolved']}) | {r['members_below']}/{r['members']} | "
                     f"{r['count_bits']:.2f} [{r['count_interval'][0]:.2f}, {r['count_interval'][1]:.2f}] | "
                     f"{r['bits']:.2f} [{r['interval'][0]:.2f}, {r['interval'][1]:.2f}] | "
                     f"{'yes' if r['inside'] else '**no**'} | "
                     f"{'-' if r['ks_pvalue'] is None else format(r['ks_pvalue'], '.2g')} |")
    lines += ["", "Summary (share of targets inside the count's interval):", ""]
    for estimator in ESTIMATORS:
        mine = [r for r in rows if r["estimator"] == estimator]
        if mine:
            lines.append(f"- {estimator}: {sum(r['inside'] for r in mine)}/{len(mine)}")
    lines += ["", f"Training (this run): {json.dumps(timings)}"]
    Path(args.out).write_text("\n".join(lines) + "\n")
    Path(args.out).with_suffix(".json").write_text(json.dumps(rows, separators=(",", ":")))


if __name__ == "__main__":
    sys.exit(main())
