"""Wide trained networks against the exact NTK law: the first ground truth for network estimates.

A ReLU MLP in the NTK parameterisation (docs/method.md §7), trained by full-batch gradient descent on the
MSE, approaches the ``ntk`` law of ``InfiniteWidthNetwork`` as its width grows. This benchmark
trains ensembles of such networks at widths 64 → 4096 on a digits subset (pixels in [0, 1]) and
compares them with the exact law: the distribution of the members' test losses (KS distance, mean,
sd) and the bits every sample-based estimator reads from them at 2, 6 and 15 sd below the law's
mean, against the exact bits (issue: architectures measured exactly, item 5).

Two references are exact here:

- the ``ntk`` law of docs/method.md §7 (``InfiniteWidthNetwork("ntk", ...)``): the network trained to
  convergence (t → ∞);
- the same linearised network stopped after the E gradient-descent steps the members take
  (Lee et al. 2019, eq. 9 in discrete time): with A = I − (2η/(n k)) Θ, the mean-MSE step over
  n k entries, f_E(x*) = f_0(x*) − Θ* Θ^-1 (I − A^E)(f_0(X) − Y), so that
  M_E = R_E Y and Σ_E = K** + R_E K R_E^T − (R_E K*^T + K* R_E^T) with R_E = Θ* Θ^-1 (I − A^E);
  R_∞ = Θ* Θ^-1 gives docs/method.md §7's law. Built through the shared ``gaussian_loss_law`` (docs/method.md §2).

The ratio of Θ's extreme eigenvalues on these inputs is in the thousands, so no affordable E
reaches t → ∞ in every direction; the E-step law separates the finite-time gap (E-step law against
the t → ∞ law) from the finite-width deviation (members against the E-step law).

The estimator's error is separated from the finite-width deviation as well: each estimator is
applied (i) to the members' losses and (ii) to N losses drawn from the exact law itself, and the
direct count of members below ε (Clopper–Pearson) is set beside the exact P.

    python benchmarks/wide_ntk.py                       # train (resumable), then analyse
    python benchmarks/wide_ntk.py --until 16:15         # stop training at that UTC time
    python benchmarks/wide_ntk.py --analyse-only

Members are kept in ``benchmarks/out/`` (one .npz per width, appended chunk by chunk), so an
interrupted run resumes; the analysis writes ``wide_ntk.md``/``.json`` beside this file and a
figure under ``docs/figures/``.
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
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from inductive_bias import InfiniteWidthNetwork, NeuralNetworks, Task, digits  # noqa: E402
from inductive_bias.distributions import eigen_decomposition, gaussian_loss_law  # noqa: E402
from inductive_bias.estimators import estimate_bits  # noqa: E402
from inductive_bias.estimators.intervals import clopper_pearson_bits  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DEPTH, WEIGHT_VAR, BIAS_VAR = 1, 2.0, 0.1
LR_FRACTION = 0.7        # of the stability limit n k / λmax(Θ) (docs/neural.md)
SDS = (2.0, 6.0, 15.0)   # targets: this many law sd below the law's mean
ESTIMATORS = ["sampled", "paper", "gchi2-moments", "function-gaussian"]


def make_task(n_train: int, n_test: int) -> Task:
    t = digits(n_train, n_test, seed=0)
    return Task.from_arrays(t.X_train / 16, t.Y_train, t.X_test / 16, t.Y_test)


def law_space() -> InfiniteWidthNetwork:
    return InfiniteWidthNetwork("ntk", "mlp", depth=DEPTH, activation="relu", weight_var=WEIGHT_VAR,
                                bias_var=BIAS_VAR)


def learning_rate(task: Task) -> float:
    _, theta = law_space().kernels(task.X_train)
    lam_max = float(np.linalg.eigvalsh(theta)[-1])
    return LR_FRACTION * task.n_train * task.n_outputs / lam_max


def network_space(width: int, lr: float, epochs: int) -> NeuralNetworks:
    return NeuralNetworks("mlp", hidden=(width,) * DEPTH, activation="relu", parameterization="ntk",
                          weight_var=WEIGHT_VAR, bias_var=BIAS_VAR, optimizer="sgd", batch_size="full", lr=lr,
                          epochs=epochs)


def members_path(width: int, args) -> Path:
    return OUT / f"wide_ntk_w{width}_n{args.n_train}x{args.n_test}_e{args.epochs}.npz"


def load_members(width: int, args) -> dict | None:
    path = members_path(width, args)
    if not path.exists():
        return None
    with np.load(path) as f:
        return {key: f[key] for key in f.files}


def train(task: Task, args, lr: float) -> None:
    """Round-robin over the widths, a chunk at a time, until each has its target or time is up."""
    targets = dict(zip(args.widths, args.members))
    stop = None
    if args.until:
        hh, mm = map(int, args.until.split(":"))
        now = datetime.now(timezone.utc)
        stop = now.replace(hour=hh, minute=mm, second=0, microsecond=0).timestamp()
    OUT.mkdir(exist_ok=True)
    while True:
        progressed = False
        for width in args.widths:
            have = load_members(width, args)
            done = 0 if have is None else have["losses"].size
            if done >= targets[width]:
                continue
            if stop is not None and time.time() >= stop:
                print("time is up", flush=True)
                return
            # about a minute of training per chunk, so that every width progresses each round
            n = min(max(10, min(args.chunk, 25_600 // width)), targets[width] - done)
            seeds = list(range(done, done + n))
            tic = time.perf_counter()
            members = network_space(width, lr, args.epochs).train_members(task, seeds, predictions=True)
            seconds = time.perf_counter() - tic
            new = {"losses": np.array([m.test_loss for m in members]),
                   "train_losses": np.array([m.train_loss for m in members]),
                   "predictions": np.stack([m.predictions for m in members]).astype(np.float32),
                   "seeds": np.array(seeds), "seconds": np.full(n, seconds / n)}
            if have is not None:
                new = {key: np.concatenate([have[key], new[key]]) for key in new}
            np.savez(members_path(width, args), **new)
            print(f"width {width}: {new['losses'].size} members ({seconds / n:.3f} s each), "
                  f"test loss mean {new['losses'].mean():.5f}, train loss mean {new['train_losses'].mean():.5f}",
                  flush=True)
            progressed = True
        if not progressed:
            return


# -- the exact references ------------------------------------------------------------------------
def stopped_law(task: Task, lr: float, epochs: int):
    """The exact law of the test loss of the infinitely wide network after ``epochs`` full-batch
    gradient-descent steps of size ``lr`` on the mean MSE (module docstring; ``epochs=None``: t → ∞,
    docs/method.md §7). Returns (law, mean M, covariance Σ)."""
    space = law_space()
    K, theta = space.kernels(task.X_train)
    K_star, theta_star = space.kernels(task.X_test, task.X_train)
    K_test, _ = space.kernels(task.X_test)
    lam, U = np.linalg.eigh(theta)
    if epochs is None:
        gain = 1.0 / lam
    else:
        step = 2.0 * lr / (task.n_train * task.n_outputs)   # f_X − Y contracts by (1 − step·λ) per step
        # (1 − step·λ) is negative for the top modes (step·λmax = 2 × LR_FRACTION > 1): an integer power
        gain = (1.0 - np.power(1.0 - step * lam, int(epochs))) / lam
    R = theta_star @ (U * gain) @ U.T
    mean = R @ task.Y_train
    cov = K_test + R @ K @ R.T - (R @ K_star.T + K_star @ R.T)
    cov = 0.5 * (cov + cov.T)
    eigenvalues, eigenvectors = eigen_decomposition(cov)
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    law = gaussian_loss_law(mean, eigenvalues, eigenvectors, task.Y_test,
                            tolerance=1e-12 * float(eigenvalues.max())).law
    return law, mean, cov


def cdf_on_grid(law, lo: float, hi: float, points: int = 300):
    """The law's CDF at ``points`` evenly spaced losses (inversion, docs/method.md §2), linearly interpolated
    between them: the interpolation error is far below the KS resolution 1/√N of these samples."""
    grid = np.linspace(lo, hi, points)
    values = np.exp(law.log_cdf(grid))
    return lambda x: np.interp(x, grid, values, left=0.0, right=1.0)


def bits_row(losses, predictions, eps, targets, estimator, args, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = estimate_bits(losses, eps, estimator, n_bootstrap=args.bootstrap, seed=seed,
                            predictions=predictions, targets=targets)
    ks = (est.goodness_of_fit or {}).get("ks_pvalue")
    return {"resolved": est.estimator, "bits": [float(b) for b in est.bits],
            "interval": [[float(a), float(b)] for a, b in est.interval], "ks_pvalue": ks,
            "failure": est.failure, "extrapolated": [bool(c == 0) for c in est.samples_below],
            "untrusted": [bool(u) for u in est.untrusted] if est.untrusted is not None else None}


def analyse(task: Task, args, lr: float) -> dict:
    law_inf, mean_inf, cov_inf = stopped_law(task, lr, None)
    law_e, mean_e, cov_e = stopped_law(task, lr, args.epochs)
    reference, _ = law_space().loss_distribution(task)      # the public ntk space: the same law
    eps = law_inf.mean - np.array(SDS) * law_inf.std
    exact_inf = law_inf.bits(eps)
    exact_e = law_e.bits(eps)
    out = {"task": {"data": "digits", "n_train": task.n_train, "n_test": task.n_test, "pixels": "/16"},
           "architecture": {"hidden_layers": DEPTH, "activation": "relu", "weight_var": WEIGHT_VAR,
                            "bias_var": BIAS_VAR, "parameterization": "ntk"},
           "training": {"optimizer": "sgd (full batch)", "lr": lr, "lr_fraction_of_limit": LR_FRACTION,
                        "epochs": args.epochs, "loss": "mean MSE over n_train x outputs, float32"},
           "law_inf": {"mean": law_inf.mean, "sd": law_inf.std,
                       "public_space_mean": reference.mean, "public_space_sd": reference.std},
           "law_stopped": {"mean": law_e.mean, "sd": law_e.std},
           "sds": list(SDS), "target_errors": [float(e) for e in eps],
           "exact_bits_inf": [float(b) for b in exact_inf], "exact_bits_stopped": [float(b) for b in exact_e],
           "widths": []}
    curve = law_inf.mean - np.linspace(0.0, 16.0, 49) * law_inf.std
    out["bits_curve"] = {"target_errors": curve.tolist(), "inf": law_inf.bits(curve).tolist(),
                         "stopped": law_e.bits(curve).tolist()}
    lo_hi = [law_inf.mean - 7 * law_inf.std, law_inf.mean + 9 * law_inf.std]
    members = {w: load_members(w, args) for w in args.widths}
    for have in members.values():
        if have is not None:
            finite = have["losses"][np.isfinite(have["losses"])]
            lo_hi = [min(lo_hi[0], finite.min()), max(lo_hi[1], finite.max())]
    lo_hi[0] = max(lo_hi[0], law_inf.offset)
    cdf_inf = cdf_on_grid(law_inf, *lo_hi)
    cdf_e = cdf_on_grid(law_e, *lo_hi)
    out["cdf_grid"] = {"losses": np.linspace(*lo_hi, 300).tolist(),
                       "inf": cdf_inf(np.linspace(*lo_hi, 300)).tolist(),
                       "stopped": cdf_e(np.linspace(*lo_hi, 300)).tolist()}
    for width in args.widths:
        have = members[width]
        if have is None:
            continue
        losses, preds = have["losses"], have["predictions"].astype(np.float64)
        ok = np.isfinite(losses)
        losses, preds = losses[ok], preds[ok]
        n = losses.size
        below = np.array([np.sum(losses <= e) for e in eps])
        row = {"width": width, "members": int(n), "non_finite": int((~ok).sum()),
               "seconds_per_member": float(np.mean(have["seconds"])),
               "train_loss_mean": float(np.mean(have["train_losses"][ok])),
               "loss_mean": float(losses.mean()), "loss_sd": float(losses.std(ddof=1)),
               "ks_inf": _ks(losses, cdf_inf), "ks_stopped": _ks(losses, cdf_e),
               "below": below.tolist(), "count_interval": clopper_pearson_bits(below, n).tolist(),
               "law_p_inf": [float(np.exp2(-b)) for b in exact_inf], "members_estimates": {},
               "law_sample_estimates": {}, "losses": losses.tolist()}
        row["function_space"] = _function_space(preds, task.Y_test, (mean_inf, cov_inf), (mean_e, cov_e))
        draw = law_space().sample(task, n, seed=1000 + width, predictions=True)
        row["law_sample_below"] = [int(np.sum(draw.losses <= e)) for e in eps]
        for estimator in ESTIMATORS:
            row["members_estimates"][estimator] = bits_row(losses, preds, eps, task.Y_test, estimator, args, 1)
            row["law_sample_estimates"][estimator] = bits_row(draw.losses, draw.predictions, eps, task.Y_test,
                                                              estimator, args, 2)
        out["widths"].append(row)
        print(f"width {width}: analysed ({n} members)", flush=True)
    return out


def _function_space(preds, targets, *laws) -> dict:
    """Where the members' mean test loss departs from a law's: E L = ||M − Y||²/(m k) + tr Σ / m.

    For each law (M, Σ): the members' average function against M, as ||f̄ − M||² / (m k) divided by
    its expectation tr Σ / (N m) under the law (≈ 1 if the members are draws from it), and the
    members' spread Σ_i ||f_i − f̄||² / ((N − 1) m k) divided by tr Σ / m."""
    n, m, _ = preds.shape
    average = preds.mean(axis=0)
    spread = float(np.sum((preds - average) ** 2) / ((n - 1) * preds[0].size))
    out = {"bias_members": float(np.mean((average - targets) ** 2)), "spread_members": spread}
    for name, (mean, cov) in zip(("inf", "stopped"), laws):
        trace = float(np.trace(cov))
        out[name] = {"bias_law": float(np.mean((mean - targets) ** 2)), "variance_law": trace / m,
                     "average_vs_mean": float(np.mean((average - mean) ** 2)) / (trace / (n * m)),
                     "spread_ratio": spread / (trace / m)}
    return out


def _finite(value):
    """``value`` with every non-finite float replaced by None, so that the file is strict JSON."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _ks(losses, cdf) -> dict:
    res = stats.kstest(losses, cdf)
    return {"distance": float(res.statistic), "pvalue": float(res.pvalue)}


def _fmt_bits(b, interval=None) -> str:
    text = "inf" if b == np.inf else ("–" if not np.isfinite(b) else f"{b:.2f}")
    if interval is None:
        return text
    lo, hi = (("inf" if v == np.inf else f"{v:.2f}") for v in interval)
    return f"{text} [{lo}, {hi}]"


def write_markdown(r: dict, args) -> None:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    tr = r["training"]
    lines = [f"# Wide trained networks against the exact NTK law ({when})", "",
             f"`python benchmarks/wide_ntk.py` — machine: {platform.processor() or platform.machine()}, 2 cores shared "
             f"with other work (timings are of a loaded machine), Python {platform.python_version()}.", "",
             f"Task: digits, {r['task']['n_train']} train / {r['task']['n_test']} test (seed 0), pixels / 16, one-hot "
             f"targets, test loss = MSE over the test set and the 10 outputs (docs/method.md §1). Networks: ReLU MLP, "
             f"{DEPTH} hidden layer, NTK parameterisation, σw² = {WEIGHT_VAR}, σb² = {BIAS_VAR}; full-batch gradient "
             f"descent on the mean MSE, lr = {tr['lr']:.4f} ({LR_FRACTION} of the stability limit n k / λmax(Θ)), "
             f"{tr['epochs']} steps, float32. Exact law: `InfiniteWidthNetwork(\"ntk\", \"mlp\", depth={DEPTH}, "
             f"activation=\"relu\", weight_var={WEIGHT_VAR}, bias_var={BIAS_VAR})`.", "",
             "## The exact references", "",
             "| law | loss mean | loss sd | " + " | ".join(f"I at {s:g} sd (ε = {e:.5f})" for s, e in
                                                     zip(r["sds"], r["target_errors"])) + " |",
             "|---|---|---|" + "---|" * len(r["sds"]),
             f"| ntk, t → ∞ (docs/method.md §7) | {r['law_inf']['mean']:.5f} | {r['law_inf']['sd']:.5f} | "
             + " | ".join(_fmt_bits(b) for b in r["exact_bits_inf"]) + " |",
             f"| infinite width, stopped after {tr['epochs']} steps | {r['law_stopped']['mean']:.5f} | "
             f"{r['law_stopped']['sd']:.5f} | " + " | ".join(_fmt_bits(b) for b in r["exact_bits_stopped"]) + " |",
             "", f"(The public `ntk` space gives mean {r['law_inf']['public_space_mean']:.6f}, sd "
             f"{r['law_inf']['public_space_sd']:.6f}: the same law.) Targets ε are 2, 6 and 15 sd of the t → ∞ law "
             "below its mean.", "",
             "## The members' losses against the laws", "",
             "| width | members N | non-finite | s / member | train loss | test loss mean | test loss sd | "
             "KS vs t → ∞ law: D (p) | KS vs stopped law: D (p) |", "|---|---|---|---|---|---|---|---|---|"]
    for w in r["widths"]:
        lines.append(f"| {w['width']} | {w['members']} | {w['non_finite']} | {w['seconds_per_member']:.2f} | "
                     f"{w['train_loss_mean']:.5f} | {w['loss_mean']:.5f} | {w['loss_sd']:.5f} | "
                     f"{w['ks_inf']['distance']:.3f} ({w['ks_inf']['pvalue']:.2g}) | "
                     f"{w['ks_stopped']['distance']:.3f} ({w['ks_stopped']['pvalue']:.2g}) |")
    lines += ["", "Where the mean loss departs (E L = bias + variance, bias = ‖M − Y‖²/(m k), variance = tr Σ / m): "
              "the members' ‖f̄ − Y‖²/(m k) and spread Σᵢ‖fᵢ − f̄‖²/((N − 1) m k) against the t → ∞ law's; "
              "`f̄ vs M`: ‖f̄ − M‖²/(m k) over its expectation tr Σ/(N m) were the members draws from the law "
              "(≈ 1; a fixed difference between the members' mean function and M grows it like N).", "",
              "| width | members: ‖f̄ − Y‖² / (m k) | law: ‖M − Y‖² / (m k) | members' spread | law's tr Σ / m | "
              "spread / law | f̄ vs M (t → ∞) | f̄ vs M (stopped) |", "|---|---|---|---|---|---|---|---|"]
    for w in r["widths"]:
        f = w["function_space"]
        lines.append(f"| {w['width']} | {f['bias_members']:.5f} | {f['inf']['bias_law']:.5f} | "
                     f"{f['spread_members']:.5f} | {f['inf']['variance_law']:.5f} | {f['inf']['spread_ratio']:.3f} | "
                     f"{f['inf']['average_vs_mean']:.2f} | {f['stopped']['average_vs_mean']:.2f} |")
    lines += ["", "## Finite-width deviation: the direct count against the exact P", "",
              "Members at or below ε, the count's Clopper–Pearson 95 % interval in bits, beside the exact bits. "
              "(No estimator is involved; where no member reaches ε the count bounds the bits from below only.)", "",
              "| width | N | " + " | ".join(f"{s:g} sd: members ≤ ε, count bits [95 %]" for s in r["sds"]) + " |",
              "|---|---|" + "---|" * len(r["sds"])]
    for w in r["widths"]:
        cells = [f"{b} — {_fmt_bits(-np.log2(b / w['members']) if b else np.inf, ci)}"
                 for b, ci in zip(w["below"], w["count_interval"])]
        lines.append(f"| {w['width']} | {w['members']} | " + " | ".join(cells) + " |")
    lines.append("| exact, t → ∞ | | " + " | ".join(_fmt_bits(b) for b in r["exact_bits_inf"]) + " |")
    lines.append("| exact, stopped | | " + " | ".join(_fmt_bits(b) for b in r["exact_bits_stopped"]) + " |")
    lines += ["", "## Estimators: on the members, and on as many draws from the exact law", "",
              "Bits [bootstrap 95 %, " + str(args.bootstrap) + " refits] at 2, 6 and 15 sd. `members`: the "
              "estimator applied to the trained members (its error plus the finite-width and finite-time deviation); "
              "`law draws`: the same estimator applied to N hypotheses drawn from the exact t → ∞ law with their "
              "predictions (its error alone). †: the estimate is flagged untrusted (ε lies deeper below the smallest "
              "loss than the estimator's trusted depth). Exact: " + ", ".join(_fmt_bits(b) for b in r["exact_bits_inf"])
              + " (t → ∞); " + ", ".join(_fmt_bits(b) for b in r["exact_bits_stopped"]) + " (stopped).", "",
              "| width | estimator (resolved) | sample | " + " | ".join(f"{s:g} sd" for s in r["sds"])
              + " | KS p of the fit |", "|---|---|---|" + "---|" * len(r["sds"]) + "---|"]
    for w in r["widths"]:
        for estimator in ESTIMATORS:
            for label, key in (("members", "members_estimates"), ("law draws", "law_sample_estimates")):
                e = w[key][estimator]
                ks = "-" if e["ks_pvalue"] is None else f"{e['ks_pvalue']:.2g}"
                flags = e.get("untrusted") or [False] * len(e["bits"])
                lines.append(f"| {w['width']} | {estimator} ({e['resolved']}) | {label} | "
                             + " | ".join(_fmt_bits(b, ci) + (" †" if u else "")
                                          for b, ci, u in zip(e["bits"], e["interval"], flags))
                             + f" | {ks} |")
    lines += ["", "Errors in bits (estimate − exact): members against the t → ∞ law (against the stopped law) / "
              "law draws against the t → ∞ law:", ""]
    for w in r["widths"]:
        for estimator in ESTIMATORS:
            m = np.array(w["members_estimates"][estimator]["bits"]) - r["exact_bits_inf"]
            m_e = np.array(w["members_estimates"][estimator]["bits"]) - r["exact_bits_stopped"]
            d = np.array(w["law_sample_estimates"][estimator]["bits"]) - r["exact_bits_inf"]
            lines.append(f"- width {w['width']}, {estimator}: " + ", ".join(
                f"{s:g} sd {a:+.2f} ({e:+.2f}) / {b:+.2f}" for s, a, e, b in zip(r["sds"], m, m_e, d)))
    (HERE / "wide_ntk.md").write_text("\n".join(lines) + "\n")


def plot(r: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b, c) = plt.subplots(1, 3, figsize=(15, 4.4))
    grid = r["cdf_grid"]
    a.plot(grid["losses"], grid["inf"], "k-", lw=2, label="exact ntk law (t → ∞)")
    a.plot(grid["losses"], grid["stopped"], "k--", lw=1.5, label=f"exact, stopped at {r['training']['epochs']} steps")
    colours = plt.cm.viridis(np.linspace(0, 0.85, len(r["widths"])))
    for w, colour in zip(r["widths"], colours):
        x = np.sort(w["losses"])
        a.step(x, np.arange(1, x.size + 1) / x.size, where="post", color=colour,
               label=f"width {w['width']} (N = {w['members']})")
    mean, sd = r["law_inf"]["mean"], r["law_inf"]["sd"]
    a.set_xlim(mean - 5 * sd, mean + 7 * sd)
    a.set_xlabel("test loss"), a.set_ylabel("CDF"), a.legend(fontsize=8)
    a.set_title("trained members against the exact law")
    curve = r["bits_curve"]
    b.plot(curve["target_errors"], curve["inf"], "k-", lw=2, label="exact (t → ∞)")
    b.plot(curve["target_errors"], curve["stopped"], "k--", lw=1.5, label="exact (stopped)")
    eps = np.array(r["target_errors"])
    for w, colour in zip(r["widths"], colours):
        est = w["members_estimates"]["sampled"]
        b.plot(eps, est["bits"], "o", color=colour, label=f"sampled ({est['resolved']}), width {w['width']}")
    b.set_yscale("log"), b.set_xlabel("target error ε"), b.set_ylabel("I(ε) bits")
    b.set_title("bits at 2, 6, 15 sd below the mean"), b.legend(fontsize=7)
    widths = [w["width"] for w in r["widths"]]
    exact = np.array(r["exact_bits_inf"])
    for estimator, marker in (("sampled", "o"), ("paper", "s")):
        for j, (s_, colour) in enumerate(zip(r["sds"], ("tab:blue", "tab:orange", "tab:red"))):
            on_members = [w["members_estimates"][estimator]["bits"][j] / exact[j] for w in r["widths"]]
            on_law = [w["law_sample_estimates"][estimator]["bits"][j] / exact[j] for w in r["widths"]]
            c.plot(widths, on_members, marker=marker, color=colour, ls="-",
                   label=f"{estimator}, {s_:g} sd")
            c.plot(widths, on_law, marker=marker, color=colour, ls=":", mfc="none")
    c.axhline(1.0, color="k", lw=1)
    c.set_xscale("log", base=2), c.set_xlabel("width"), c.set_ylabel("estimate / exact bits (t → ∞)")
    c.set_title("solid: on members; dotted, hollow: on exact-law draws", fontsize=10)
    c.legend(fontsize=7, ncol=1)
    fig.tight_layout()
    path = HERE.parent / "docs" / "figures" / "wide_ntk.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=100)
    parser.add_argument("--n-test", type=int, default=100)
    parser.add_argument("--widths", type=int, nargs="+", default=[64, 256, 1024, 4096])
    parser.add_argument("--members", type=int, nargs="+", default=[1000, 1000, 1000, 1000],
                        help="target members per width (trained round-robin in chunks)")
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--until", default=None, help="HH:MM UTC: stop training then, analyse what there is")
    parser.add_argument("--analyse-only", action="store_true")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the Markdown and the figure from the last analysis (benchmarks/out/)")
    parser.add_argument("--bootstrap", type=int, default=20)
    args = parser.parse_args(argv)
    if len(args.members) != len(args.widths):
        parser.error("--members needs one count per width")
    full = OUT / "wide_ntk_analysis.json"
    if args.report_only:
        result = json.loads(full.read_text())
        write_markdown(result, args)
        plot(result)
        return 0
    task = make_task(args.n_train, args.n_test)
    lr = learning_rate(task)
    print(f"lr = {lr:.4f} ({LR_FRACTION} of the stability limit), {args.epochs} steps", flush=True)
    if not args.analyse_only:
        train(task, args, lr)
    result = analyse(task, args, lr)
    full.write_text(json.dumps(result))
    summary = {k: v for k, v in result.items() if k not in ("cdf_grid", "bits_curve")} | {
        "widths": [{k: v for k, v in r.items() if k != "losses"} for r in result["widths"]]}
    (HERE / "wide_ntk.json").write_text(json.dumps(_finite(summary), indent=1))  # +inf bits as null
    write_markdown(result, args)
    plot(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
