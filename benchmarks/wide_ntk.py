"""Wide trained networks against the exact NTK law: the first ground truth for network estimates.

A ReLU MLP in the NTK parameterisation (SPEC §7), trained by full-batch gradient descent on the
MSE, approaches the ``ntk`` law of ``InfiniteWidthNetwork`` as its width grows. This benchmark
trains ensembles of such networks at widths 64 → 4096 on a digits subset (pixels in [0, 1]) and
compares them with the exact law: the distribution of the members' test losses (KS distance, mean,
sd) and the bits every sample-based estimator reads from them at 2, 6 and 15 sd below the law's
mean, against the exact bits (issue: architectures measured exactly, item 5).

Two references are exact here:

- the ``ntk`` law of SPEC §7 (``InfiniteWidthNetwork("ntk", ...)``): the network trained to
  convergence (t → ∞);
- the same linearised network stopped after the E gradient-descent steps the members take
  (Lee et al. 2019, eq. 9 in discrete time): with A = I − (2η/(n k)) Θ, the mean-MSE step over
  n k entries, f_E(x*) = f_0(x*) − Θ* Θ^-1 (I − A^E)(f_0(X) − Y), so that
  M_E = R_E Y and Σ_E = K** + R_E K R_E^T − (R_E K*^T + K* R_E^T) with R_E = Θ* Θ^-1 (I − A^E);
  R_∞ = Θ* Θ^-1 gives SPEC §7's law. Built through the shared ``gaussian_loss_law`` (SPEC §2).

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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from inductive_bias import InfiniteWidthNetwork, NeuralNetworks, Task, digits  # noqa: E402

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
    parser.add_argument("--bootstrap", type=int, default=20)
    args = parser.parse_args(argv)
    if len(args.members) != len(args.widths):
        parser.error("--members needs one count per width")
    task = make_task(args.n_train, args.n_test)
    lr = learning_rate(task)
    print(f"lr = {lr:.4f} ({LR_FRACTION} of the stability limit), {args.epochs} steps", flush=True)
    if not args.analyse_only:
        train(task, args, lr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
