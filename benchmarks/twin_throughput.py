"""Finite trained twins of infinite-width layer lists: members per second, and how close their
outputs at initialisation come to the NNGP of the same layers.

Throughput: ``NeuralNetworks("cnn", layers=..., width=W)`` on digits (8x8, ``--n-train`` /
``--n-test``), a fixed number of epochs, trained as the sampler trains them (stacked members, one
batched computation per group, one worker per core), against the plain loop a researcher writes
(one network at a time, autograd, ``torch.optim``; the same modules, initial weights and data
orders), run interleaved in the same process (the machine is shared: only figures taken side by
side compare). Two trainings: the defaults (Adam, batch 32) and the NTK parameterisation (plain
gradient descent on the full batch, the road of ``--parameterization ntk``).

Step (``--step``): one batched gradient step of 1, 2, 4 and 8 stacked members (the vmapped road the
sampler trains cnn members by) against one autograd step of one network, batch 32, one thread.

Agreement (``--agreement``): for each layer list, the covariance of the twin's outputs over
``--draws`` random networks in the NTK parameterisation (three 2-channel 8x8 images, 4 outputs per
network) against ``layer_kernels``' NNGP: the largest deviation in standard errors, and the largest
relative deviation, at each width of ``--widths``.

    PYTHONPATH=src python benchmarks/twin_throughput.py [--layers myrtle5] [--width 32] [--members 16] [--epochs 5]
    PYTHONPATH=src python benchmarks/twin_throughput.py --step [--layers myrtle5] [--width 32]
    PYTHONPATH=src python benchmarks/twin_throughput.py --agreement [--widths 16 64 256] [--draws 400]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time

import numpy as np
import torch

from inductive_bias import digits
from inductive_bias.spaces.infinite_width.layers import layer_kernels, parse_layers
from inductive_bias.spaces.neural import NeuralNetworks
from inductive_bias.spaces.neural import architectures


def _loop(space, task, seeds, epochs):
    """One network at a time: the space's own module and initial weights, autograd, torch.optim,
    the member's data order from its generator (as the sampler draws it)."""
    options, X_train, X_test = space._task_inputs(task)
    X = torch.tensor(X_train, dtype=torch.float32)
    Y = torch.tensor(task.Y_train, dtype=torch.float32)
    n = len(X)
    batch = n if space.batch_size == "full" else space.batch_size
    for seed in seeds:
        module = space._template(task.n_features, task.n_outputs, options)
        generator = torch.Generator().manual_seed(seed)
        architectures.initialise(module, generator)
        opt = (torch.optim.Adam(module.parameters(), lr=space.lr) if space.optimizer == "adam"
               else torch.optim.SGD(module.parameters(), lr=space.lr))
        for _ in range(epochs):
            order = torch.randperm(n, generator=generator)
            for start in range(0, n, batch):
                index = order[start:start + batch]
                opt.zero_grad()
                torch.mean((module(X[index]) - Y[index]) ** 2).backward()
                opt.step()
        with torch.no_grad():
            module(torch.tensor(X_test, dtype=torch.float32))


def throughput(args):
    task = digits(args.n_train, args.n_test, seed=0)
    print(f"digits {args.n_train}/{args.n_test} (8x8), layers {args.layers}, width {args.width}, {args.epochs} epochs, "
          f"{args.members} members; {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__}, load average {os.getloadavg()[0]:.1f}\n")
    print("| training | trainer | members/s |")
    print("|---|---|---|")
    for label, extra in (("Adam, batch 32", {}), ("ntk parameterisation, gradient descent, full batch",
                                                   {"parameterization": "ntk", "lr": 0.01})):
        space = NeuralNetworks("cnn", layers=args.layers, width=args.width, epochs=args.epochs, **extra)
        space.train_members(task, [10_000])          # warm-up: first calls allocate and pick kernels
        rates = {"batched": [], "loop": []}
        for _ in range(args.repeats):
            tic = time.perf_counter()
            space.train_members(task, list(range(args.members)))
            rates["batched"].append(args.members / (time.perf_counter() - tic))
            loop_members = max(2, args.members // 4)
            torch.set_num_threads(1)
            tic = time.perf_counter()
            _loop(space, task, list(range(loop_members)), args.epochs)
            rates["loop"].append(loop_members / (time.perf_counter() - tic))
            torch.set_num_threads(os.cpu_count())
        for trainer, values in rates.items():
            name = ("stacked members (`train_members`, one worker per core)" if trainer == "batched"
                    else "plain loop, one network at a time, 1 thread")
            print(f"| {label} | {name} | {np.median(values):.2f} (of {', '.join(f'{v:.2f}' for v in values)}) |")


def step(args):
    """One batched gradient step of E stacked members against one autograd step of one network."""
    from inductive_bias.spaces.neural._ensemble import VmappedModule  # noqa: F401  (the road measured)

    torch.set_num_threads(1)
    task = digits(args.n_train, args.n_test, seed=0)
    print("| members stacked | vmapped step, ms | ms per member | autograd step of one network, ms |")
    print("|---|---|---|---|")
    for E in (1, 2, 4, 8):
        space = NeuralNetworks("cnn", layers=args.layers, width=args.width, epochs=1)
        options, X_train, _ = space._task_inputs(task)
        template = space._template(task.n_features, task.n_outputs, options)
        model, _ = space._stack(template, list(range(E)), task, torch.device("cpu"), options=options)
        X = torch.tensor(X_train[:32], dtype=torch.float32).expand(E, 32, task.n_features).contiguous()
        Y = torch.tensor(task.Y_train[:32], dtype=torch.float32).expand(E, 32, task.n_outputs).contiguous()
        module = architectures.build("cnn", task.n_features, task.n_outputs, options)
        architectures.initialise(module, torch.Generator().manual_seed(0))

        def single():
            module.zero_grad()
            torch.mean((module(X[0]) - Y[0]) ** 2).backward()

        times = []
        for run in (lambda: model.step_grads(X, Y), single):
            for _ in range(3):
                run()
            tic = time.perf_counter()
            for _ in range(20):
                run()
            times.append((time.perf_counter() - tic) / 20)
        print(f"| {E} | {times[0] * 1e3:.2f} | {times[0] / E * 1e3:.2f} | {times[1] * 1e3:.2f} |")


def agreement(args):
    torch.set_num_threads(1)
    rng = np.random.default_rng(3)
    images = rng.uniform(size=(3, 2, 8, 8))
    images[2] = 0.6 * images[0] + 0.4 * images[2]
    X = images.reshape(3, -1)
    x = torch.tensor(X, dtype=torch.float32)
    print(f"NTK parameterisation σw² = 2, σb² = 0.1; three 2x8x8 images; {args.draws} random networks per width, "
          "4 outputs each\n")
    print("| layers | width | largest deviation (standard errors) | largest relative deviation | seconds |")
    print("|---|---|---|---|---|")
    for text in args.agreement_layers:
        K, _ = layer_kernels(X, X, (2, 8, 8), parse_layers(text), 2.0, 0.1, ntk=False)
        for width in args.widths:
            options = architectures.resolve_options("cnn", {"layers": text, "width": width, "image_shape": (2, 8, 8)})
            module = architectures.build("cnn", X.shape[1], 4, options, ntk=(2.0, 0.1))
            tic = time.perf_counter()
            products = []
            with torch.no_grad():
                for draw in range(args.draws):
                    architectures.initialise(module, torch.Generator().manual_seed(draw))
                    f = module(x).double().numpy()
                    products.append(f @ f.T / 4)
            products = np.array(products)
            mean = products.mean(axis=0)
            se = products.std(axis=0, ddof=1) / math.sqrt(args.draws)
            print(f"| `{text}` | {width} | {np.max(np.abs(mean - K) / se):.2f} | "
                  f"{np.max(np.abs(mean - K) / np.abs(K)):.3f} | {time.perf_counter() - tic:.1f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", default="myrtle5")
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--members", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=500)
    parser.add_argument("--n-test", type=int, default=500)
    parser.add_argument("--agreement", action="store_true")
    parser.add_argument("--step", action="store_true", help="time one batched step against one autograd step")
    parser.add_argument("--agreement-layers", nargs="+", default=[
        "cnn", "myrtle5", "conv3-res(relu-conv3-relu-conv3)-relu-avgpool2-lc3-erf-flatten-dense"])
    parser.add_argument("--widths", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--draws", type=int, default=400)
    args = parser.parse_args()
    (agreement if args.agreement else step if args.step else throughput)(args)


if __name__ == "__main__":
    main()
