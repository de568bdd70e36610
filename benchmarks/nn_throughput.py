"""Throughput of neural-network hypothesis spaces: batched ensemble vs a plain per-model loop.

Digits (500 training, 500 test points), MLP 64-256-256-10, 20 epochs, batch 32, Adam (lr 1e-3),
MSE on one-hot targets. The same members (same seeds) are trained twice in one run:

- ``loop``: the straightforward PyTorch loop a researcher writes, one network at a time
  (``torch.manual_seed(seed)``, build the ``nn.Sequential``, ``torch.optim.Adam``, a fresh
  ``torch.randperm`` each epoch, ``F.mse_loss``, ``backward``, ``step``);
- ``ensemble``: ``NeuralNetworks("mlp").train_members`` (stacked members, one batched computation).

Both draw the initial weights and data orders from the member seed in the same order, so the
members are the same networks: the script also prints the largest difference in test loss.

    PYTHONPATH=src python benchmarks/nn_throughput.py [--members 64] [--loop-members 8] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from inductive_bias import digits
from inductive_bias._random import member_seeds
from inductive_bias.spaces.neural import NeuralNetworks

EPOCHS, BATCH, LR, HIDDEN = 20, 32, 1e-3, (256, 256)


def plain_loop_member(task, seed: int) -> float:
    """One network trained the plain way; returns its test MSE over the whole test set (SPEC §1)."""
    X = torch.tensor(task.X_train, dtype=torch.float32)
    Y = torch.tensor(task.Y_train, dtype=torch.float32)
    X_test = torch.tensor(task.X_test, dtype=torch.float32)
    Y_test = torch.tensor(task.Y_test, dtype=torch.float32)
    with torch.random.fork_rng(devices=[]):      # the benchmark leaves the caller's RNG as it was
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        for _ in range(EPOCHS):
            perm = torch.randperm(len(X))
            for start in range(0, len(X), BATCH):
                idx = perm[start:start + BATCH]
                opt.zero_grad()
                loss = F.mse_loss(model(X[idx]), Y[idx])
                loss.backward()
                opt.step()
    with torch.no_grad():
        return float(F.mse_loss(model(X_test), Y_test))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=64, help="members trained by the ensemble per repeat")
    parser.add_argument("--loop-members", type=int, default=8, help="members trained by the plain loop per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None, help="CPU workers of the ensemble (default: one per core)")
    args = parser.parse_args(argv)

    task = digits(500, 500, seed=0)
    seeds = member_seeds(0, 0, args.members)
    space = NeuralNetworks("mlp", hidden=HIDDEN, activation="relu", optimizer="adam", lr=LR, epochs=EPOCHS,
                           batch_size=BATCH, chunk_size=args.chunk_size)
    if args.workers is not None:
        space._cpu_workers = args.workers

    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, torch {torch.__version__}, torch threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    print(f"# digits 500/500, MLP 64-{'-'.join(map(str, HIDDEN))}-10, {EPOCHS} epochs, batch {BATCH}, Adam lr {LR}")
    loop_rates, ens_rates, ratios, diffs = [], [], [], []
    for r in range(args.repeats):
        # interleave the two, so that both see the same load
        start = time.perf_counter()
        loop_losses = [plain_loop_member(task, s) for s in seeds[: args.loop_members]]
        loop_rate = args.loop_members / (time.perf_counter() - start)
        start = time.perf_counter()
        members = space.train_members(task, seeds)
        ens_rate = args.members / (time.perf_counter() - start)
        diff = float(np.max(np.abs(np.array(loop_losses) - [m.test_loss for m in members[: args.loop_members]])))
        loop_rates.append(loop_rate)
        ens_rates.append(ens_rate)
        ratios.append(ens_rate / loop_rate)
        diffs.append(diff)
        print(f"repeat {r}: loop {loop_rate:6.2f} members/s   ensemble {ens_rate:6.2f} members/s   "
              f"ratio {ens_rate / loop_rate:5.1f}x   max |test loss diff| {diff:.1e}   "
              f"load {os.getloadavg()[0]:.2f}", flush=True)
    print(f"median: loop {statistics.median(loop_rates):.2f} members/s, ensemble {statistics.median(ens_rates):.2f} "
          f"members/s, ratio {statistics.median(ratios):.1f}x (median of per-repeat ratios); "
          f"max |test loss diff| {max(diffs):.1e}")


if __name__ == "__main__":
    main()
