"""Training speed of a small MLP until fit: the project's sampler against a plain batched loop.

The network of the deep-count benchmark: a 64-32-10 MLP (hidden widths 64 and 32, ReLU, 10
outputs) on digits 200/200 with inputs scaled to [0, 1], full-batch Adam (lr 1e-3) on the MSE to
one-hot targets, each member trained until it fits (training MSE <= 1 % of the targets' variance,
the project's rule) within 1,000 epochs. Everything runs on one thread (``torch.set_num_threads(1)``,
one worker), and the two roads are timed interleaved in one run (the machine is shared, so only
figures taken side by side compare):

- ``plain``: the loop a researcher writes for an ensemble: E members' weights stacked, one
  ``torch.baddbmm`` per layer over the whole training set, autograd, ``torch.optim.Adam``
  (fused), the loss of the forward pass as the fit check (no second pass over the data), and the
  members that fit dropped from the stacks (parameters and Adam moments) as they finish;
- ``sampler``: ``NeuralNetworks("mlp", hidden=(64, 32), batch_size="full").train_members`` (one
  worker), the road every command takes;
- ``before``: the same with the fit check of mini-batch training (a separate pass over the
  training set after every epoch), as the sampler trained full batches before.

It prints members/s of each repeat, their medians and the ratio, the share of members that fit
and their mean epochs (the same rule, so the two roads do the same amount of training).
``--profile``: a cProfile of one sampler run, the functions that take the time.

    PYTHONPATH=src python benchmarks/small_mlp_speed.py [--members 256] [--repeats 5] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import statistics
import time

import numpy as np
import torch
from torch import nn

from inductive_bias import digits
from inductive_bias._fit_rule import FIT_FRACTION, target_variance
from inductive_bias._random import member_seeds
from inductive_bias.spaces.neural import NeuralNetworks, _ensemble
from inductive_bias.tasks import Task


def scaled_digits(n_train: int, n_test: int, seed: int = 0) -> Task:
    """digits with pixel values divided by 16 (inputs in [0, 1])."""
    raw = digits(n_train, n_test, seed=seed)
    return Task.from_arrays(raw.X_train / 16.0, raw.Y_train.argmax(1), raw.X_test / 16.0, raw.Y_test.argmax(1),
                            name="digits", classes=tuple(range(10)))


def plain_loop(task: Task, seeds, hidden=(64, 32), lr=1e-3, max_epochs=1000):
    """(epochs to fit per member, fitted share): the stacked ensemble a researcher writes."""
    X = torch.tensor(task.X_train, dtype=torch.float32)
    Y = torch.tensor(task.Y_train, dtype=torch.float32)
    threshold = FIT_FRACTION * target_variance(task)
    widths = [X.shape[1], *hidden, Y.shape[1]]
    weights, biases = [], []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        ws, bs = [], []
        for seed in seeds:
            torch.manual_seed(seed % 2**63)
            layer = nn.Linear(fan_in, fan_out)
            ws.append(layer.weight.detach().T.clone())
            bs.append(layer.bias.detach().clone())
        weights.append(torch.stack(ws).requires_grad_())
        biases.append(torch.stack(bs).unsqueeze(1).requires_grad_())
    params = [t for pair in zip(weights, biases) for t in pair]
    opt = torch.optim.Adam(params, lr=lr, fused=True)
    active = torch.arange(len(seeds))
    epochs = np.full(len(seeds), -1)
    for epoch in range(max_epochs):
        h = X.expand(len(active), *X.shape)
        for i, (w, b) in enumerate(zip(weights, biases)):
            h = torch.baddbmm(b, h, w)
            if i < len(weights) - 1:
                h = torch.relu(h)
        mse = ((h - Y) ** 2).mean(dim=(1, 2))
        done = (mse.detach() <= threshold)
        if bool(done.any()):                          # these fit before this step: they stop here
            epochs[active[done].numpy()] = epoch
            keep = torch.nonzero(~done).flatten()
            active = active[keep]
            if not len(active):
                break
            state = [opt.state[p] for p in params]
            params = [p.detach()[keep].clone().requires_grad_() for p in params]
            weights, biases = params[0::2], params[1::2]
            opt = torch.optim.Adam(params, lr=lr, fused=True)
            for p, s in zip(params, state):
                opt.state[p] = {"step": s["step"].clone(), "exp_avg": s["exp_avg"][keep].clone(),
                                "exp_avg_sq": s["exp_avg_sq"][keep].clone()}
            mse = mse[keep]
        opt.zero_grad(set_to_none=False)
        mse.sum().backward()
        opt.step()
    return epochs, float(np.mean(epochs >= 0))


def step_flops(n_rows: int, widths) -> float:
    """FLOPs of one full-batch step of one member: forward and weight gradients of every layer
    (2 n in out each) and input gradients of every layer but the first."""
    layers = list(zip(widths[:-1], widths[1:]))
    return 2.0 * n_rows * (2 * sum(a * b for a, b in layers) + sum(a * b for a, b in layers[1:]))


def sampler(task: Task, seeds, hidden=(64, 32), check_in_step: bool = True):
    _ensemble._FULL_BATCH_CHECK_IN_STEP = check_in_step
    space = NeuralNetworks("mlp", hidden=hidden, batch_size="full", chunk_size=len(seeds))
    space._cpu_workers = 1
    members = space.train_members(task, seeds)
    threshold = FIT_FRACTION * target_variance(task)
    fitted = np.array([m.train_loss <= threshold for m in members])
    return np.array([m.epochs for m in members]), float(fitted.mean())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    task = scaled_digits(200, 200)
    seeds = member_seeds(0, 0, args.members)
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {platform.processor() or platform.machine()}, "
          f"torch {torch.__version__}, 1 thread, load average {os.getloadavg()[0]:.2f} at start")
    print(f"# 64-32-10 MLP, digits 200/200 in [0, 1], full-batch Adam lr 1e-3 until fit, {args.members} members")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        sampler(task, seeds)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(18)
        return
    flops = step_flops(task.n_train, [task.n_features, 64, 32, task.n_outputs])
    print(f"# {flops / 1e6:.2f} MFLOP per member and step (full batch of {task.n_train})")
    rates = {"plain": [], "sampler": [], "before": []}
    cpu_rates = {name: [] for name in rates}
    roads = (("plain", plain_loop), ("sampler", sampler),
             ("before", lambda task, seeds: sampler(task, seeds, check_in_step=False)))
    for repeat in range(args.repeats):
        line = []
        for name, run in roads:
            tic, cpu = time.perf_counter(), time.process_time()
            epochs, fitted = run(task, seeds)
            rate = args.members / (time.perf_counter() - tic)
            cpu_rate = args.members / (time.process_time() - cpu)
            rates[name].append(rate)
            cpu_rates[name].append(cpu_rate)
            gflops = flops * np.where(epochs < 0, 1000, epochs).sum() * rate / args.members / 1e9
            line.append(f"{name} {rate:6.1f} members/s ({cpu_rate:5.1f} per CPU-s) {gflops:5.1f} GFLOP/s (fit {fitted:.1%}, "
                        f"mean epochs {epochs[epochs >= 0].mean():.1f})")
        print(f"repeat {repeat}: " + "; ".join(line), flush=True)
    for label, table in (("per CPU second", cpu_rates), ("per wall second", rates)):
        med = {name: statistics.median(values) for name, values in table.items()}
        print(f"median members {label}: plain {med['plain']:.1f}, sampler {med['sampler']:.1f}, before "
              f"{med['before']:.1f}; sampler / plain {med['sampler'] / med['plain']:.2f}, sampler / before "
              f"{med['sampler'] / med['before']:.2f}")


if __name__ == "__main__":
    main()
