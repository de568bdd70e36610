"""The ntk law at a finite training time against wide networks stopped at the same step.

A ReLU MLP in the NTK parameterisation (docs/method.md §7; one hidden layer, σw² = 2, σb² = 0.1) is trained
by full-batch gradient descent on the mean MSE (the project's loss, L = ||f(X) − Y||² / (n k)) at
the learning rate of ``benchmarks/wide_ntk.py`` (0.7 of the stability limit n k / λmax(Θ)) on
digits 100/100 (pixels / 16), and stopped after E steps. Three exact laws of the infinitely wide
network are set beside the members' test losses:

- ``InfiniteWidthNetwork("ntk", ..., learning_rate=lr, steps=E)``: gradient flow for T = lr · E
  (the public space; Lee et al. 2019, eqs. 14-16);
- the same network after E discrete steps (each eigendirection of Θ contracted by
  (1 − 2 lr λ/(n k))^E instead of e^{−2 lr E λ/(n k)}; computed here from the kernels);
- the converged ``ntk`` law (T → ∞).

    python benchmarks/ntk_training_time.py [--steps 30 100 300 1000] [--widths 1024 4096]

Writes ``ntk_training_time.md`` beside this file.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from inductive_bias import InfiniteWidthNetwork, NeuralNetworks, Task, digits  # noqa: E402
from inductive_bias.distributions import eigen_decomposition, gaussian_loss_law  # noqa: E402

HERE = Path(__file__).resolve().parent
DEPTH, WEIGHT_VAR, BIAS_VAR, LR_FRACTION = 1, 2.0, 0.1, 0.7


def make_task() -> Task:
    t = digits(100, 100, seed=0)
    return Task.from_arrays(t.X_train / 16, t.Y_train, t.X_test / 16, t.Y_test)


def law_space(**options) -> InfiniteWidthNetwork:
    return InfiniteWidthNetwork("ntk", "mlp", depth=DEPTH, activation="relu", weight_var=WEIGHT_VAR,
                                bias_var=BIAS_VAR, **options)


def discrete_law(task: Task, lr: float, steps: int):
    """The infinitely wide network after ``steps`` discrete gradient-descent steps (module docstring)."""
    space = law_space()
    K, theta = space.kernels(task.X_train)
    K_star, theta_star = space.kernels(task.X_test, task.X_train)
    K_test, _ = space.kernels(task.X_test)
    lam, U = np.linalg.eigh(theta)
    step = 2.0 * lr / (task.n_train * task.n_outputs)
    gain = (1.0 - np.power(1.0 - step * lam, steps)) / lam
    R = theta_star @ (U * gain) @ U.T
    cov = K_test + R @ K @ R.T - (R @ K_star.T + K_star @ R.T)
    lam_c, U_c = eigen_decomposition(0.5 * (cov + cov.T))
    return gaussian_loss_law(R @ task.Y_train, lam_c, U_c, task.Y_test, tolerance=1e-12 * float(lam_c.max())).law


def ks_against(losses: np.ndarray, law) -> tuple[float, float]:
    """KS distance and p-value of the losses against the law's CDF (inversion, docs/method.md §2)."""
    grid = np.linspace(min(losses.min(), law.mean - 8 * law.std), max(losses.max(), law.mean + 8 * law.std), 400)
    grid = grid[grid > law.offset]
    values = np.exp(law.log_cdf(grid))
    result = stats.kstest(losses, lambda x: np.interp(x, grid, values, left=0.0, right=1.0))
    return float(result.statistic), float(result.pvalue)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[30, 100, 300, 1000])
    parser.add_argument("--widths", type=int, nargs="+", default=[1024, 4096])
    parser.add_argument("--members", type=int, nargs="+", default=[200, 50])
    args = parser.parse_args()
    task = make_task()
    _, theta = law_space().kernels(task.X_train)
    lr = LR_FRACTION * task.n_train * task.n_outputs / float(np.linalg.eigvalsh(theta)[-1])
    converged, _ = law_space().loss_distribution(task)
    rows = []
    for steps in args.steps:
        tic = time.perf_counter()
        flow, info = law_space(learning_rate=lr, steps=steps).loss_distribution(task)
        law_seconds = time.perf_counter() - tic
        discrete = discrete_law(task, lr, steps)
        row = {"steps": steps, "T": lr * steps, "flow": flow, "discrete": discrete, "law_seconds": law_seconds,
               "members": []}
        for width, count in zip(args.widths, args.members):
            space = NeuralNetworks("mlp", hidden=(width,) * DEPTH, activation="relu", parameterization="ntk",
                                   weight_var=WEIGHT_VAR, bias_var=BIAS_VAR, optimizer="sgd", batch_size="full",
                                   lr=lr, epochs=steps)
            tic = time.perf_counter()
            members = space.train_members(task, list(range(count)))
            seconds = time.perf_counter() - tic
            losses = np.array([m.test_loss for m in members])
            losses = losses[np.isfinite(losses)]
            row["members"].append({"width": width, "n": losses.size, "mean": losses.mean(), "sd": losses.std(ddof=1),
                                   "ks_flow": ks_against(losses, flow), "ks_discrete": ks_against(losses, discrete),
                                   "ks_converged": ks_against(losses, converged), "seconds": seconds})
            print(f"E = {steps}, width {width}: {losses.size} members in {seconds:.1f} s", flush=True)
        rows.append(row)
    write(task, lr, converged, rows)


def write(task, lr, converged, rows) -> None:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# The ntk law at a finite training time against networks stopped at the same step ({now})", "",
             f"`python benchmarks/ntk_training_time.py` — machine: {platform.machine()}, 2 cores shared with other "
             f"work, Python {platform.python_version()}.", "",
             f"Task: digits {task.n_train}/{task.n_test} (seed 0), pixels / 16, one-hot targets. Networks: ReLU MLP, "
             f"{DEPTH} hidden layer, NTK parameterisation, σw² = {WEIGHT_VAR}, σb² = {BIAS_VAR}; full-batch gradient "
             f"descent on the mean MSE over n k entries, lr = {lr:.4f} ({LR_FRACTION} of the stability limit), "
             "E steps, float32. Laws: `flow` = `InfiniteWidthNetwork(\"ntk\", ..., learning_rate=lr, steps=E)` "
             "(gradient flow for T = lr E); `discrete` = the infinitely wide network after E discrete steps; "
             f"converged `ntk`: mean {converged.mean:.5f}, sd {converged.std:.5f}. KS: distance (p-value) of the "
             "members' test losses against each law.", "",
             "| E | T = lr E | flow law: mean, sd | discrete law: mean, sd | law s | width | members | members: mean, sd "
             "| KS vs flow | KS vs discrete | KS vs converged | training s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        for i, m in enumerate(r["members"]):
            head = (f"| {r['steps']} | {r['T']:.1f} | {r['flow'].mean:.5f}, {r['flow'].std:.5f} | "
                    f"{r['discrete'].mean:.5f}, {r['discrete'].std:.5f} | {r['law_seconds']:.2f}" if i == 0
                    else "| | | | |")
            ks = " | ".join(f"{d:.3f} ({p:.2g})" for d, p in (m["ks_flow"], m["ks_discrete"], m["ks_converged"]))
            lines.append(f"{head} | {m['width']} | {m['n']} | {m['mean']:.5f}, {m['sd']:.5f} | {ks} | "
                         f"{m['seconds']:.1f} |")
    (HERE / "ntk_training_time.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
