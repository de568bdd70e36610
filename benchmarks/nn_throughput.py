"""Throughput of neural-network hypothesis spaces against the machine's peak, and against a plain loop.

Default run (``--architectures mlp,cnn,lcn,vit``): for each built-in architecture, on digits
(500 training, 500 test points), 20 epochs, batch 32, Adam (lr 1e-3), default architecture
options, it measures **in the same run, interleaved** (the machine is shared with other jobs, so
only figures taken side by side are comparable):

- the peak of the computation's own shapes on one core: a square sgemm (1024^3), the batched GEMM
  of the MLP ensemble (the members of one batched computation x 32 rows x 256 x 256), the CNN's
  second convolution over all members' images as one dense convolution (the same arithmetic as
  the ensemble's, with one filter bank), and the ViT's widest batched GEMM;
- each architecture's members/s on one core (one single-threaded worker, ``--members`` members
  in one chunk, which the trainer splits into groups whose training state fits its cache budget:
  the MLP's into groups of 6, lcn's into pairs) and its achieved FLOP/s: the forward and
  backward FLOPs of one member per training row, counted by ``torch.utils.flop_counter`` on the
  PyTorch module (matmuls and convolutions: about 3x the forward GEMM FLOPs, the first layer's
  input gradient excluded because nothing needs it), times rows seen, plus the forward FLOPs of
  the final predictions on both sets;
- the fraction of peak: achieved FLOP/s over the shape's peak, and over the sgemm peak.

Single core because the fractions are per core. ``--whole-machine`` adds what a user gets with
the defaults: one worker per core, members/s of the whole machine (the workers share the memory
bandwidth and the last-level cache, so this is less than the single-core rate times the cores).

``--against-loop``: the batched MLP ensemble against the plain one-network-at-a-time loop:

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

    PYTHONPATH=src python benchmarks/nn_throughput.py [--architectures mlp,cnn,lcn,vit] [--members 16] [--repeats 3] [--whole-machine]
    PYTHONPATH=src python benchmarks/nn_throughput.py --against-loop [--members 64] [--loop-members 8] [--repeats 3]
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
    """One network trained the plain way; returns its test MSE over the whole test set (docs/method.md §1)."""
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


def against_loop(args):
    """The batched MLP ensemble against the plain per-model loops (the earlier runs below)."""
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


# -- against the machine's peak -------------------------------------------------------------------
def _rate(fn, flops: float, seconds: float = 0.4) -> tuple[float, float]:
    """FLOP per wall second and per CPU second of ``fn`` (``flops`` per call), calls repeated for
    about ``seconds`` after a warm-up."""
    fn()
    calls, start, cpu = 0, time.perf_counter(), time.process_time()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls * flops / elapsed, calls * flops / max(time.process_time() - cpu, 1e-9)


def peak_shapes(groups: dict) -> dict:
    """Calls and their FLOPs for the shapes the trainer computes, each with the members one
    batched computation holds (``groups``: architecture -> members; one core's share)."""
    g = torch.Generator().manual_seed(0)
    mlp, cnn, vit = (groups.get(a, 16) for a in ("mlp", "cnn", "vit"))
    a, b = torch.randn(1024, 1024, generator=g), torch.randn(1024, 1024, generator=g)
    xm, wm = torch.randn(mlp, BATCH, 256, generator=g), torch.randn(mlp, 256, 256, generator=g)
    xc = torch.randn(cnn * BATCH, 16, 8, 8, generator=g)
    wc = torch.randn(32, 16, 3, 3, generator=g)
    xv, wv = torch.randn(vit, BATCH * 16, 32, generator=g), torch.randn(vit, 32, 96, generator=g)
    return {
        "sgemm 1024^3": (lambda: torch.mm(a, b), 2 * 1024 ** 3),
        f"bmm {mlp}x{BATCH}x256x256": (lambda: torch.bmm(xm, wm), 2 * mlp * BATCH * 256 * 256),
        f"conv {cnn}x{BATCH} images 16->32 ch 3x3 8x8": (lambda: F.conv2d(xc, wc, padding=1),
                                                        2 * cnn * BATCH * 64 * 32 * 16 * 9),
        f"bmm {vit}x{BATCH * 16}x32x96": (lambda: torch.bmm(xv, wv), 2 * vit * BATCH * 16 * 32 * 96),
    }


def _shape_key(arch: str, keys) -> str:
    """The shape whose peak an architecture is compared with: its widest GEMM or convolution."""
    if arch == "mlp":
        return next(k for k in keys if k.endswith("256x256"))
    if arch in ("cnn", "lcn"):
        return next(k for k in keys if k.startswith("conv"))
    return next(k for k in keys if k.startswith("bmm") and f"x{BATCH * 16}x" in k)


def flops_per_member(space: NeuralNetworks, task) -> float:
    """Forward+backward FLOPs of one member's training (all epochs) and forward FLOPs of its final
    predictions on the training and test sets, counted on the PyTorch module."""
    from torch.utils.flop_counter import FlopCounterMode

    module = space._template(task.n_features, task.n_outputs)
    x = torch.zeros(BATCH, task.n_features)
    y = torch.zeros(BATCH, task.n_outputs)
    with FlopCounterMode(display=False) as counter:
        F.mse_loss(module(x), y).backward()
    train_row = counter.get_total_flops() / BATCH
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(x)
    forward_row = counter.get_total_flops() / BATCH
    return EPOCHS * task.n_train * train_row + (task.n_train + task.n_test) * forward_row


def against_peak(args):
    task = digits(500, 500, seed=0)
    seeds = member_seeds(0, 0, args.members)
    architectures = args.architectures.split(",")
    spaces = {}
    for arch in architectures:
        space = NeuralNetworks(arch, optimizer="adam", lr=LR, epochs=EPOCHS, batch_size=BATCH, chunk_size=args.members)
        space._cpu_workers = 1
        spaces[arch] = space
    flops = {arch: flops_per_member(space, task) for arch, space in spaces.items()}
    groups = {arch: min(args.members, space._group_size(space._template(task.n_features, task.n_outputs)))
              for arch, space in spaces.items()}
    shapes = peak_shapes(groups)
    torch.set_num_threads(1)
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {_cpu_name()}, {os.cpu_count()} CPUs, "
          f"torch {torch.__version__} ({torch.backends.cpu.get_cpu_capability()}), 1 thread, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    print(f"# digits 500/500, {EPOCHS} epochs, batch {BATCH}, Adam lr {LR}, default options, "
          f"{args.members} members in one chunk on one core, trained in groups of "
          + ", ".join(f"{a} {n}" for a, n in groups.items()) + "; FLOPs per member: "
          + ", ".join(f"{a} {f / 1e9:.2f} G" for a, f in flops.items()))
    rows = {key: [] for key in list(shapes) + [f"{s} cpu" for s in shapes] + [f"{a} {q}" for a in architectures for q in ("rate", "flops", "cpu")]}
    for r in range(args.repeats):
        parts = []
        for arch in architectures:          # interleaved: each architecture right after the peaks
            for key, (fn, count) in shapes.items():
                wall_rate, cpu_rate = _rate(fn, count)
                rows[key].append(wall_rate)
                rows[f"{key} cpu"].append(cpu_rate)
            start, cpu = time.perf_counter(), time.process_time()
            spaces[arch].train_members(task, seeds)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            rows[f"{arch} rate"].append(args.members / wall)
            rows[f"{arch} flops"].append(args.members * flops[arch] / wall)
            rows[f"{arch} cpu"].append(args.members * flops[arch] / cpu)
            shape = _shape_key(arch, shapes)
            parts.append(f"{arch} {args.members / wall:6.2f} members/s {args.members * flops[arch] / wall / 1e9:6.1f} "
                         f"GFLOP/s ({args.members * flops[arch] / cpu / rows[shape + ' cpu'][-1]:4.0%} of "
                         f"{shape.split()[0]} per CPU-s)")
        print(f"repeat {r}: " + "; ".join(parts) + f"; load {os.getloadavg()[0]:.2f}", flush=True)
    med = {key: statistics.median(values) for key, values in rows.items()}
    print(f"\npeaks on one core (median of {len(rows['sgemm 1024^3'])} measurements, interleaved with the training):")
    for key in shapes:
        print(f"  {key:42s} {med[key] / 1e9:7.1f} GFLOP/s per wall second, {med[key + ' cpu'] / 1e9:7.1f} per CPU second")
    print(f"\n{'':12s} {'':>9s} {'GFLOP per second':>19s}  {'fraction of shape peak':>22s}  {'fraction of sgemm':>17s}")
    print(f"{'architecture':12s} {'members/s':>9s} {'wall':>9s} {'CPU':>9s}  {'wall':>10s} {'CPU':>11s}  "
          f"{'wall':>8s} {'CPU':>8s}  shape")
    for arch in architectures:
        shape = _shape_key(arch, shapes)
        frac = {kind: statistics.median(f / p for f, p in zip(rows[f"{arch} {kind}"], _paired(rows, arch, peak, architectures)))
                for kind, peak in (("flops", shape), ("cpu", shape + " cpu"))}
        sg = {kind: statistics.median(f / p for f, p in zip(rows[f"{arch} {kind}"], _paired(rows, arch, peak, architectures)))
              for kind, peak in (("flops", "sgemm 1024^3"), ("cpu", "sgemm 1024^3 cpu"))}
        print(f"{arch:12s} {med[f'{arch} rate']:9.2f} {med[f'{arch} flops'] / 1e9:9.1f} {med[f'{arch} cpu'] / 1e9:9.1f}  "
              f"{frac['flops']:10.0%} {frac['cpu']:11.0%}  {sg['flops']:8.0%} {sg['cpu']:8.0%}  {shape}")
    print("(fractions: median over repeats of the achieved rate over the peak measured just before that training;"
          " per CPU second divides by the CPU time this process got, which the other jobs on a shared machine"
          " disturb far less than wall time)")
    if args.whole_machine:
        whole_machine(args, task, architectures)


def whole_machine(args, task, architectures):
    """Members/s with the defaults a user gets: one single-threaded worker per core, each taking
    a share of every chunk of ``2 * --members`` members (interleaved repeats, medians)."""
    seeds = member_seeds(0, 0, 2 * args.members)
    rates = {arch: [] for arch in architectures}
    for _ in range(args.repeats):
        for arch in architectures:
            space = NeuralNetworks(arch, optimizer="adam", lr=LR, epochs=EPOCHS, batch_size=BATCH)
            start = time.perf_counter()
            space.train_members(task, seeds)
            rates[arch].append(len(seeds) / (time.perf_counter() - start))
    workers = NeuralNetworks("mlp")._workers()
    print(f"\nwhole machine, default settings ({workers} workers, one per core; {len(seeds)} members per run, "
          f"median of {args.repeats}; load {os.getloadavg()[0]:.2f} at the end):")
    for arch in architectures:
        print(f"  {arch:10s} {statistics.median(rates[arch]):6.2f} members/s  "
              f"({statistics.median(rates[arch]) / statistics.median(rates[architectures[0]]):.2f} of {architectures[0]}'s)")


def _paired(rows, arch, shape, architectures):
    """The peak measurements taken just before each of ``arch``'s trainings."""
    i = architectures.index(arch)
    return rows[shape][i::len(architectures)]


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
        name = next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name"))
        family = next(int(line.split(":", 1)[1]) for line in info.splitlines() if line.startswith("cpu family"))
        model = next(int(line.split(":", 1)[1]) for line in info.splitlines() if line.startswith("model\t"))
        flags = next(line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags"))
        simd = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE"
        return f"{name} (family {family:#x} model {model:#x}, {simd})"
    except (OSError, StopIteration, ValueError):
        return platform.processor() or platform.machine()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against-loop", action="store_true", help="the MLP ensemble against plain per-model loops")
    parser.add_argument("--architectures", default="mlp,cnn,lcn,vit")
    parser.add_argument("--members", type=int, default=None,
                        help="members per repeat (default 16 against the peak, 64 against the loop)")
    parser.add_argument("--loop-members", type=int, default=8, help="members trained by the plain loop per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None, help="CPU workers of the ensemble (default: one per core)")
    parser.add_argument("--whole-machine", action="store_true",
                        help="also members/s with the default workers (one per core), after the single-core table")
    args = parser.parse_args(argv)
    if args.against_loop:
        args.members = args.members or 64
        against_loop(args)
    else:
        args.members = args.members or 16
        against_peak(args)


if __name__ == "__main__":
    main()
