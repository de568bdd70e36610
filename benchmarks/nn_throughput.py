"""Throughput of neural-network hypothesis spaces: batched ensemble vs a plain per-model loop.

Digits (500 training, 500 test points), MLP 64-256-256-10, 20 epochs, batch 32, Adam (lr 1e-3),
MSE on one-hot targets. The same members (same seeds) are trained twice in one run:

- ``loop``: the straightforward PyTorch loop a researcher writes, one network at a time
  (``torch.manual_seed(seed)``, build the ``nn.Sequential``, ``torch.optim.Adam``, a fresh
  ``torch.randperm`` each epoch, ``F.mse_loss``, ``backward``, ``step``), timed with torch's
  default thread count and with one thread; the ratio is taken to the faster of the two (on a
  busy machine, multi-threaded small ops lose much to waiting);
- ``dataloader``: the same loop written as the published code and most tutorials write it, a
  ``DataLoader(TensorDataset(X, Y), shuffle=True)`` per network (default threads);
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
from torch.utils.data import DataLoader, TensorDataset

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


def dataloader_loop_member(task, seed: int) -> float:
    """The same network trained the way the published code and most tutorials do it: a
    ``DataLoader`` over a ``TensorDataset`` with ``shuffle=True``. Its data order comes from the
    DataLoader's own generator, so its members are not the ensemble's (no loss difference is shown)."""
    X = torch.tensor(task.X_train, dtype=torch.float32)
    Y = torch.tensor(task.Y_train, dtype=torch.float32)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        loader = DataLoader(TensorDataset(X, Y), batch_size=BATCH, shuffle=True,
                            generator=torch.Generator().manual_seed(seed))
        for _ in range(EPOCHS):
            for xb, yb in loader:
                opt.zero_grad()
                F.mse_loss(model(xb), yb).backward()
                opt.step()
    with torch.no_grad():
        return float(F.mse_loss(model(torch.tensor(task.X_test, dtype=torch.float32)),
                                torch.tensor(task.Y_test, dtype=torch.float32)))


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
    threads = torch.get_num_threads()
    rows = {"loop": [], "loop1": [], "ensemble": [], "ratio": [], "diff": [], "cpu_loop1": [], "cpu_ens": [],
            "dataloader": [], "ratio_dataloader": []}
    for r in range(args.repeats):
        # interleaved, so that the loop and the ensemble see the same load
        loop_rate = {}
        for label, count in (("loop", threads), ("loop1", 1)):
            torch.set_num_threads(count)
            start, cpu = time.perf_counter(), time.process_time()
            loop_losses = [plain_loop_member(task, s) for s in seeds[: args.loop_members]]
            loop_rate[label] = args.loop_members / (time.perf_counter() - start)
        rows["cpu_loop1"].append(args.loop_members / (time.process_time() - cpu))
        torch.set_num_threads(threads)
        start = time.perf_counter()
        for s in seeds[: args.loop_members]:
            dataloader_loop_member(task, s)
        rows["dataloader"].append(args.loop_members / (time.perf_counter() - start))
        start, cpu = time.perf_counter(), time.process_time()
        members = space.train_members(task, seeds)
        ens_rate = args.members / (time.perf_counter() - start)
        rows["cpu_ens"].append(args.members / (time.process_time() - cpu))
        best_loop = max(loop_rate.values())
        diff = float(np.max(np.abs(np.array(loop_losses) - [m.test_loss for m in members[: args.loop_members]])))
        for key, value in (("loop", loop_rate["loop"]), ("loop1", loop_rate["loop1"]), ("ensemble", ens_rate),
                           ("ratio", ens_rate / best_loop), ("diff", diff)):
            rows[key].append(value)
        rows["ratio_dataloader"].append(ens_rate / rows["dataloader"][-1])
        print(f"repeat {r}: loop {loop_rate['loop']:5.2f} members/s ({threads} threads), "
              f"{loop_rate['loop1']:5.2f} (1 thread);  ensemble {ens_rate:5.2f} members/s;  "
              f"ratio to the faster loop {ens_rate / best_loop:5.1f}x;  DataLoader loop {rows['dataloader'][-1]:5.2f} "
              f"members/s (ratio {rows['ratio_dataloader'][-1]:5.1f}x);  per CPU-second: loop (1 thread) "
              f"{rows['cpu_loop1'][-1]:.2f}, ensemble {rows['cpu_ens'][-1]:.2f} members;  max |test loss diff| {diff:.1e};  "
              f"load {os.getloadavg()[0]:.2f}", flush=True)
    med = {key: statistics.median(values) for key, values in rows.items()}
    print(f"median of {args.repeats}: loop {med['loop']:.2f} members/s ({threads} threads), {med['loop1']:.2f} "
          f"(1 thread); ensemble {med['ensemble']:.2f} members/s; ratio {med['ratio']:.1f}x "
          f"(median of per-repeat ratios to the faster loop); members per CPU-second: loop (1 thread) "
          f"{med['cpu_loop1']:.2f}, ensemble {med['cpu_ens']:.2f} (ratio {med['cpu_ens'] / med['cpu_loop1']:.1f}x, "
          f"x{os.cpu_count()} cores on an idle machine); test losses of loop and ensemble members "
          f"differ by at most {max(rows['diff']):.1e}; DataLoader loop {med['dataloader']:.2f} members/s, "
          f"ratio {med['ratio_dataloader']:.1f}x")

if __name__ == "__main__":
    main()
