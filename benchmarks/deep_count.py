"""Deep-count ground truth for trained spaces: estimators against the count of all members.

Many members of cheap trained spaces, trained by the project's own sampler, so that the direct
count of ALL members measures I(ε) = -log2 P[L(h) <= ε] to 12+ bits with a tight (Clopper-Pearson)
interval; random subsets of N members then show what each estimator prints when it sees N.

Datasets (each a space on a task; member i has the seed ``member_seeds(0, i, 1)[0]``, so the
members are those of ``space.sample(task, n, seed=0)``):

- ``tree-digits150``: ``ScikitLearnSpace("decision_tree")`` (one fully grown tree, a random
  feature subset at each split, randomised by its seed) on digits 150/500 (``digits(150, 500,
  seed=0)``), inputs scaled to [0, 1];
- ``mlp-mnist1d150``: ``NeuralNetworks("mlp", hidden=(64, 32), batch_size="full", lr=1e-2)``
  (a 64-32-10 MLP, full-batch Adam, each member trained until it fits: training MSE <= 1 % of
  the targets' variance, within 1,000 epochs) on MNIST-1D 150/500 (``load_mnist1d(150, 500,
  seed=0)``);
- ``mlp-digits150``: the same MLP space on digits 150/500;
- ``tree-mnist1d150``: the tree space on MNIST-1D 150/500.

150 training points and lr 1e-2 keep a member's training short (about 90 epochs): 20,000
members are minutes of one core, not hours.

Steps (each resumable; ``generate`` stops after ``--seconds`` and goes on where it stopped the
next time, so it runs in short pieces):

    PYTHONPATH=src python benchmarks/deep_count.py generate --dataset tree-digits150 --members 100000 --seconds 170
    PYTHONPATH=src python benchmarks/deep_count.py pack          # -> benchmarks/deep_count_losses.npz
    PYTHONPATH=src python benchmarks/deep_count.py evaluate [--estimators a,b] [--sizes 64,256,1000,4000]
        [--subsets 40] [--bootstrap 50] [--datasets ...]        # -> benchmarks/deep_count.md, .json

Pieces are kept under benchmarks/out/deep_count/ (ignored by git, with the MLPs' test
predictions in float16); ``pack`` writes every member's test and training loss (float32) and
epochs into one compressed file that is committed, from which ``evaluate`` reruns.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PIECES = HERE / "out" / "deep_count"
PACKED = HERE / "deep_count_losses.npz"
RUN_SEED = 0


def scaled_digits(n_train: int, n_test: int, seed: int = 0):
    """digits with pixel values divided by 16 (inputs in [0, 1])."""
    from inductive_bias import Task, digits

    raw = digits(n_train, n_test, seed=seed)
    return Task.from_arrays(raw.X_train / 16.0, raw.Y_train.argmax(1), raw.X_test / 16.0, raw.Y_test.argmax(1),
                            name="digits", classes=tuple(range(10)))


def make_task(name: str):
    from inductive_bias.tasks import load_mnist1d

    if name == "digits150":
        return scaled_digits(150, 500, seed=0)
    if name == "mnist1d150":
        return load_mnist1d(150, 500, seed=0)
    raise ValueError(name)


def make_space(name: str):
    from inductive_bias import NeuralNetworks, ScikitLearnSpace

    if name == "tree":
        return ScikitLearnSpace("decision_tree")
    if name == "mlp":
        return NeuralNetworks("mlp", hidden=(64, 32), batch_size="full", lr=1e-2, chunk_size=128)
    raise ValueError(name)


DATASETS = ("tree-digits150", "mlp-mnist1d150", "mlp-digits150", "tree-mnist1d150")
PIECE = {"tree": 2000, "mlp": 128}      # members per saved piece


def _done(dataset: str) -> dict:
    """first member index -> piece file, of the pieces already saved."""
    return {int(Path(f).stem): f for f in glob.glob(str(PIECES / dataset / "*.npz"))}


def generate(dataset: str, members: int, seconds: float) -> int:
    """Train the missing members 0 .. members-1 of ``dataset`` in pieces, until ``seconds``
    have passed; returns how many members are still missing."""
    from inductive_bias._random import member_seeds

    space_name, task_name = dataset.split("-")
    task, space = make_task(task_name), make_space(space_name)
    folder = PIECES / dataset
    folder.mkdir(parents=True, exist_ok=True)
    size = PIECE[space_name]
    start = time.perf_counter()
    for first in range(0, members, size):
        if first in _done(dataset):
            continue
        if time.perf_counter() - start > seconds:
            break
        count = min(size, members - first)
        seeds = member_seeds(RUN_SEED, first, count)
        tic = time.perf_counter()
        trained = space.train_members(task, seeds, predictions=space_name == "mlp")
        arrays = dict(seeds=np.array(seeds, dtype=np.uint64),
                      test=np.array([m.test_loss for m in trained]),
                      train=np.array([m.train_loss for m in trained]),
                      epochs=np.array([m.epochs if m.epochs is not None else -1 for m in trained], dtype=np.int32),
                      seconds=np.float64(time.perf_counter() - tic))
        if space_name == "mlp":
            arrays["predictions"] = np.stack([m.predictions for m in trained]).astype(np.float16)
        tmp = folder / f"{first:07d}.tmp.npz"
        np.savez(tmp, **arrays)
        os.replace(tmp, folder / f"{first:07d}.npz")
        print(f"{dataset}: members {first}..{first + count - 1} in {arrays['seconds']:.1f} s "
              f"({count / arrays['seconds']:.1f} members/s)", flush=True)
    missing = sum(min(size, members - f) for f in range(0, members, size) if f not in _done(dataset))
    print(f"{dataset}: {members - missing} of {members} members saved", flush=True)
    return missing


def pack() -> None:
    """Every saved member's losses into one compressed file (float32 losses, int16 epochs)."""
    from inductive_bias._fit_rule import FIT_FRACTION, target_variance

    out, meta = {}, {}
    for dataset in DATASETS:
        pieces = _done(dataset)
        if not pieces:
            continue
        firsts = sorted(pieces)
        loaded = [np.load(pieces[f]) for f in firsts]
        # only a gap-free prefix of members 0 .. n-1: the members of space.sample(task, n, seed=0)
        n, expected = 0, 0
        for f, z in zip(firsts, loaded):
            if f != expected:
                break
            n = expected = f + len(z["test"])
        kept = [z for f, z in zip(firsts, loaded) if f < n]
        space_name, task_name = dataset.split("-")
        task, space = make_task(task_name), make_space(space_name)
        out[f"{dataset}/test"] = np.concatenate([z["test"] for z in kept]).astype(np.float32)
        out[f"{dataset}/train"] = np.concatenate([z["train"] for z in kept]).astype(np.float32)
        if space_name == "mlp":
            out[f"{dataset}/epochs"] = np.concatenate([z["epochs"] for z in kept]).astype(np.int16)
        seconds = float(sum(float(z["seconds"]) for z in kept))
        meta[dataset] = {"members": n, "space": space.spec(), "task": task_name,
                         "n_train": int(task.n_train), "n_test": int(task.n_test),
                         "fit_threshold": FIT_FRACTION * target_variance(task),
                         "train_seconds": round(seconds, 1), "run_seed": RUN_SEED}
    out["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez_compressed(PACKED, **out)
    print(f"{PACKED.name}: {os.path.getsize(PACKED) / 1e6:.2f} MB; " +
          ", ".join(f"{d} {m['members']}" for d, m in meta.items()))


def load_packed(path=PACKED) -> dict:
    """{dataset: {"test", "train", "meta", ...}} from the packed file."""
    z = np.load(path)
    meta = json.loads(bytes(z["meta"]).decode())
    return {d: {"meta": m, **{k.split("/")[1]: z[k] for k in z.files if k.startswith(d + "/")}}
            for d, m in meta.items()}


# -- the evaluation ------------------------------------------------------------------------------

CACHE = HERE / "out" / "deep_count_eval"
Z95 = 0.95


def saved_predictions(dataset: str, members: int):
    """The test predictions (members, m, k) float16 of members 0 .. members-1, from the saved
    pieces (kept for the MLPs only, and not committed); None where they are not all here."""
    pieces = _done(dataset)
    parts, expected = [], 0
    for first in sorted(pieces):
        if first != expected or expected >= members:
            break
        z = np.load(pieces[first])
        if "predictions" not in z.files:
            return None
        parts.append(z["predictions"])
        expected += len(z["test"])
    if expected < members:
        return None
    return np.concatenate(parts)[:members]


def population(data: dict) -> np.ndarray:
    """The test losses of the members that fit the training data (SPEC §8: the members a
    measurement uses), as float64 from the stored float32."""
    fitted = data["train"] <= data["meta"]["fit_threshold"]
    return data["test"][fitted].astype(np.float64)


def clopper_pearson_bits(k: int, n: int, level: float = Z95) -> tuple[float, float]:
    """The exact interval of -log2(k/n): (bits of the upper end of p, bits of the lower end)."""
    from scipy import stats

    a = (1 - level) / 2
    lo = 0.0 if k == 0 else stats.beta.ppf(a, k, n - k + 1)
    hi = 1.0 if k == n else stats.beta.ppf(1 - a, k + 1, n - k)
    return float(-np.log2(hi)), (float("inf") if lo == 0 else float(-np.log2(lo)))


def targets_for(losses: np.ndarray, depths) -> list[dict]:
    """ε at each depth d: midway between two consecutive distinct losses, where the count k of
    members at or below ε is nearest (in log2) to M 2^-d; the truth is -log2(k/M) with its
    Clopper-Pearson interval (the population is itself a sample of the space). Losses with ties
    (a tree's predictions are 0/1, so its loss counts test errors) make the truth near, not at,
    d; a depth whose nearest ε is a shallower depth's is left out."""
    ordered = np.sort(losses)
    values = np.unique(ordered)
    cuts = 0.5 * (values[:-1] + values[1:])
    counts = np.searchsorted(ordered, cuts, side="right")
    out, used = [], set()
    for d in depths:
        aim = np.log2(ordered.size) - d
        i = int(np.argmin(np.abs(np.log2(counts) - aim)))
        if i in used or abs(np.log2(counts[i]) - aim) > 0.5:
            continue
        used.add(i)
        k = int(counts[i])
        lo, hi = clopper_pearson_bits(k, ordered.size)
        out.append({"depth": d, "eps": float(cuts[i]), "k": k, "truth": float(-np.log2(k / ordered.size)),
                    "truth_interval": [lo, hi]})
    return out


def _target_record(t) -> dict:
    """Every field of a TargetResult (whatever this version has), JSON-ready."""
    from dataclasses import fields

    rec = {}
    for f in fields(t):
        v = getattr(t, f.name)
        if isinstance(v, tuple):
            v = [float(x) if isinstance(x, (float, np.floating)) else x for x in v]
        elif isinstance(v, np.generic):
            v = v.item()
        rec[f.name] = v
    return rec


def evaluate_cell(losses, targets, estimator: str, n: int, subsets: int, n_bootstrap: int, seed: int,
                  cell: dict | None = None, deadline: float | None = None, predictions=None,
                  test_targets=None) -> dict:
    """``subsets`` random subsets of ``n`` members, each measured at every target by the public
    road ``measure_losses``; per target, what was printed. ``cell``: a partial cell to go on
    with (subset j is always the same draw); ``deadline`` (``time.perf_counter()``): measure no
    new subset after it; ``predictions`` (members, m, k) and ``test_targets`` (m, k): passed
    with each subset's losses (the road of a user who has them)."""
    import warnings

    from inductive_bias import measure_losses

    rng = np.random.default_rng([seed, n])
    draws = [rng.choice(losses.size, size=n, replace=False) for _ in range(subsets)]
    eps = [t["eps"] for t in targets]
    cell = cell or {"estimator": estimator, "n": n, "subsets": subsets, "n_bootstrap": n_bootstrap, "seed": seed,
                    "seconds": 0.0, "errors": [], "rows": []}
    for j in range(len(cell["rows"]), subsets):
        if deadline is not None and time.perf_counter() > deadline:
            break
        tic = time.perf_counter()
        sub = losses[draws[j]]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                extra = {} if predictions is None else {
                    "predictions": predictions[draws[j]].astype(np.float64), "targets": test_targets}
                result = measure_losses(sub, eps, estimator=estimator, n_bootstrap=n_bootstrap, seed=int(seed) + j,
                                        **extra)
            cell["rows"].append([dict(_target_record(t), subset_min=float(sub.min())) for t in result.results])
        except Exception as error:                       # recorded and counted, never hidden
            cell["errors"].append(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
            cell["rows"].append(None)
        cell["seconds"] = round(cell["seconds"] + time.perf_counter() - tic, 1)
    return cell


def summarise(cell: dict, targets: list[dict]) -> list[dict]:
    """Per target: coverage of the two-sided intervals, the share of one-sided bounds that hold,
    the median error of the point, and how often ε lay below every member of the subset or the
    point was +inf/NaN."""
    out = []
    for i, t in enumerate(targets):
        truth = t["truth"]
        two, covered, bounds, held, errs, below_all, inf_nan, inside, fails = 0, 0, 0, 0, [], 0, 0, 0, 0
        widths = []
        kinds = {}
        for row in cell["rows"]:
            if row is None:
                fails += 1
                continue
            r = row[i]
            kinds[str(r.get("kind"))] = kinds.get(str(r.get("kind")), 0) + 1
            bits, interval = r["bits"], r.get("interval")
            if r["subset_min"] > t["eps"]:
                below_all += 1
            if not np.isfinite(bits):
                inf_nan += 1
            else:
                errs.append(bits - truth)
            if interval is not None and len(interval) == 2 and np.isfinite(interval[0]):
                lo, hi = interval
                if np.isinf(hi):                          # a one-sided bound: I > lo
                    bounds += 1
                    held += lo <= truth
                else:
                    two += 1
                    covered += lo <= truth <= hi
                    widths.append(hi - lo)
                    inside += (np.isfinite(bits) and lo <= bits <= hi)
        done = len(cell["rows"]) - fails
        out.append({"depth": t["depth"], "measured": done, "failed": fails,
                    "holds": (covered + held) / (two + bounds) if two + bounds else None,
                    "bound_share": bounds / (two + bounds) if two + bounds else None,
                    "two_sided": two, "coverage": covered / two if two else None,
                    "point_inside": inside / two if two else None,
                    "median_width": float(np.median(widths)) if widths else None,
                    "bounds": bounds, "bound_holds": held / bounds if bounds else None,
                    "median_error": float(np.median(errs)) if errs else None,
                    "below_all": below_all / done if done else None,
                    "inf_nan": inf_nan / done if done else None, "kinds": kinds})
    return out


def _cell_path(dataset, estimator, n, subsets, n_bootstrap, seed, with_predictions=False) -> Path:
    tag = "_pred" if with_predictions else ""
    return CACHE / f"{dataset}__{estimator}{tag}__n{n}_s{subsets}_b{n_bootstrap}_seed{seed}.json"


def evaluate(*, estimators=None, sizes=(64, 256, 1000, 4000), subsets=40, n_bootstrap=50,
             depths=range(2, 13), datasets=None, seed=0, output=HERE / "deep_count", budget=None,
             packed=PACKED, with_predictions=False) -> dict:
    """The deep-count table: every estimator (default: every name in
    ``inductive_bias.estimators.ESTIMATORS``, read now) x N x depth on every packed dataset.
    Cells already computed with the same settings are read back from the cache (so a long
    evaluation runs in pieces); ``budget`` seconds: start no new cell after that. Writes
    ``output``.md and ``output``.json; returns the summary. ``with_predictions``: also pass the
    members' test predictions (where the saved pieces have them, under benchmarks/out/), as a
    user who has them does; such cells are marked "+predictions"."""
    from inductive_bias.estimators import ESTIMATORS

    names = list(ESTIMATORS) if estimators is None else list(estimators)
    data = load_packed(packed)
    chosen = [d for d in data if datasets is None or d in datasets]
    CACHE.mkdir(parents=True, exist_ok=True)
    start, summary, missing = time.perf_counter(), {}, 0
    for dataset in chosen:
        losses = population(data[dataset])
        targets = targets_for(losses, depths)
        entry = summary[dataset] = {"meta": data[dataset]["meta"], "population": _shape(losses),
                                    "targets": targets, "cells": []}
        preds = test_targets = None
        if with_predictions:
            everything = saved_predictions(dataset, data[dataset]["meta"]["members"])
            if everything is None:
                continue
            preds = everything[data[dataset]["train"] <= data[dataset]["meta"]["fit_threshold"]]
            test_targets = make_task(dataset.split("-")[1]).Y_test
        for name in names:
            for n in sizes:
                if n > losses.size:
                    continue
                path = _cell_path(dataset, name, n, subsets, n_bootstrap, seed, with_predictions)
                cell = json.loads(path.read_text()) if path.exists() else None
                if cell is None or len(cell["rows"]) < subsets:
                    deadline = None if budget is None else start + budget
                    if deadline is not None and time.perf_counter() > deadline:
                        missing += 1
                        continue
                    cell = evaluate_cell(losses, targets, name, n, subsets, n_bootstrap, seed, cell, deadline,
                                         preds, test_targets)
                    path.write_text(json.dumps(cell, default=_json_default))
                    print(f"{dataset} {name} N={n}: {len(cell['rows'])} of {subsets} subsets, {cell['seconds']} s, "
                          f"{len(cell['errors'])} failed", flush=True)
                    if len(cell["rows"]) < subsets:
                        missing += 1
                        continue
                entry["cells"].append({"estimator": name + (" +predictions" if with_predictions else ""), "n": n,
                                       "seconds": cell["seconds"],
                                       "errors": sorted(set(cell["errors"])), "by_depth": summarise(cell, targets)})
    settings = {"estimators": names, "sizes": list(sizes), "subsets": subsets, "n_bootstrap": n_bootstrap,
                "depths": list(depths), "seed": seed, "cells_missing": missing}
    report = {"settings": settings, "datasets": summary}
    Path(f"{output}.json").write_text(json.dumps(report, indent=1, default=_json_default))
    Path(f"{output}.md").write_text(render(report))
    print(f"wrote {output}.md ({missing} cells left for a rerun)")
    return report


def _json_default(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return str(v)


def _shape(losses) -> dict:
    from scipy import stats

    z = (losses - losses.mean()) / losses.std()
    return {"members": int(losses.size), "mean": float(losses.mean()), "sd": float(losses.std()),
            "skew": float(stats.skew(losses)), "min": float(losses.min()),
            "ks_normal": float(stats.kstest(z, "norm").statistic)}


def _pct(v):
    return "  –" if v is None else f"{100 * v:3.0f}"


def render(report: dict) -> str:
    s = report["settings"]
    lines = ["# Deep-count ground truth for trained spaces", "",
             f"Command: `PYTHONPATH=src python benchmarks/deep_count.py evaluate --estimators "
             f"{','.join(s['estimators'])} --sizes {','.join(map(str, s['sizes']))} --subsets {s['subsets']} "
             f"--bootstrap {s['n_bootstrap']} --seed {s['seed']}`" + (
                 f" ({s['cells_missing']} cells not yet computed)" if s["cells_missing"] else ""), "",
             "Each cell, over the subsets: the % whose printed 95 % claim holds (a two-sided interval "
             "that covers the true I(ε), or a one-sided bound, an interval whose upper end is +inf, "
             "whose lower end is <= the truth); the median error of the point (bits - truth, finite "
             "points); `w`: the median width (bits) of the two-sided intervals; `≥k`: k % of the claims were one-sided bounds; `↓k`: ε lay below every member "
             "in k % of the subsets; `∞k`: the point was +inf or NaN in k %; `!k`: k calls failed. "
             "Columns: the true I(ε) from all members. Two-sided coverage and bounds separately, and "
             "every printed field, are in the JSON beside this file.", ""]
    for dataset, entry in report["datasets"].items():
        m, pop = entry["meta"], entry["population"]
        lines += [f"## {dataset}", "",
                  f"{pop['members']} fitted members (of {m['members']} trained, {m['train_seconds']} s of training); "
                  f"space `{json.dumps(m['space'])}`; task {m['task']} {m['n_train']}/{m['n_test']}.", "",
                  f"Test loss: mean {pop['mean']:.5g}, sd {pop['sd']:.3g}, skew {pop['skew']:.2f}, "
                  f"KS distance from the normal {pop['ks_normal']:.3f}, smallest {pop['min']:.5g}.", "",
                  "| depth | ε | members reaching ε | true I(ε) [95 % CP] |", "|---|---|---|---|"]
        for t in entry["targets"]:
            lines.append(f"| {t['depth']} | {t['eps']:.6g} | {t['k']} | {t['truth']:.3f} "
                         f"[{t['truth_interval'][0]:.3f}, {t['truth_interval'][1]:.3f}] |")
        depths = [t["depth"] for t in entry["targets"]]
        lines += ["", "| estimator | N | " + " | ".join(f"{t['truth']:.1f} bits" for t in entry["targets"]) + " | s |",
                  "|---|---|" + "---|" * (len(depths) + 1)]
        for cell in entry["cells"]:
            parts = []
            for c in cell["by_depth"]:
                if c["measured"] == 0:
                    parts.append(f"!{c['failed']}")
                    continue
                cov = _pct(c.get("holds")).strip()
                err = "–" if c["median_error"] is None else f"{c['median_error']:+.1f}"
                extra = "" if c.get("median_width") is None else f" w{c['median_width']:.1f}"
                if c.get("bound_share"):
                    extra += f" ≥{_pct(c['bound_share']).strip()}"
                if c["below_all"]:
                    extra += f" ↓{_pct(c['below_all']).strip()}"
                if c["inf_nan"]:
                    extra += f" ∞{_pct(c['inf_nan']).strip()}"
                if c["failed"]:
                    extra += f" !{c['failed']}"
                parts.append(f"{cov} {err}{extra}")
            lines.append(f"| {cell['estimator']} | {cell['n']} | " + " | ".join(parts) + f" | {cell['seconds']:.0f} |")
        errors = sorted({e for cell in entry["cells"] for e in cell["errors"]})
        if errors:
            lines += ["", "Failures:", ""] + [f"- {e}" for e in errors[:12]]
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--dataset", choices=DATASETS, required=True)
    g.add_argument("--members", type=int, required=True)
    g.add_argument("--seconds", type=float, default=170.0)
    sub.add_parser("pack")
    e = sub.add_parser("evaluate")
    e.add_argument("--estimators", default=None, help="comma-separated names (default: every estimator)")
    e.add_argument("--sizes", default="64,256,1000,4000")
    e.add_argument("--subsets", type=int, default=40)
    e.add_argument("--bootstrap", type=int, default=50)
    e.add_argument("--depths", default="2,3,4,5,6,7,8,9,10,11,12")
    e.add_argument("--datasets", default=None)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--output", default=str(HERE / "deep_count"))
    e.add_argument("--with-predictions", action="store_true",
                   help="also pass the members' test predictions (MLP datasets, from benchmarks/out/)")
    e.add_argument("--seconds", type=float, default=None,
                   help="stop starting new (dataset, estimator, N) cells after this long; rerun to go on")
    args = parser.parse_args(argv)
    if args.command == "generate":
        import torch

        torch.set_num_threads(1)
        missing = generate(args.dataset, args.members, args.seconds)
        sys.exit(0 if missing == 0 else 3)
    if args.command == "pack":
        pack()
        return
    evaluate(estimators=None if args.estimators is None else args.estimators.split(","),
             sizes=[int(v) for v in args.sizes.split(",")], subsets=args.subsets, n_bootstrap=args.bootstrap,
             depths=[int(v) for v in args.depths.split(",")],
             datasets=None if args.datasets is None else args.datasets.split(","), seed=args.seed,
             output=args.output, budget=args.seconds, with_predictions=args.with_predictions)


if __name__ == "__main__":
    main()
