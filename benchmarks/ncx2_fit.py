"""What the maximum-likelihood noncentral chi-square fits (ncx2-mle, ncx2-loc) cost, against an
older source tree: whole commands timed in pairs (old, new, old, new, ...) so that a busy machine
slows both alike, and the log-density alone.

    git worktree add /tmp/before <revision>
    python benchmarks/ncx2_fit.py --before /tmp/before/src [--repeats 3]

Commands: ``measure --hypotheses 4`` on the default task (the case the fuzz found over 30 s) and
``fit`` on 300 losses with the default bootstrap, for each estimator. Prints medians of wall
seconds and their ratio, then microseconds per log-density call at the large orders the
bootstrap visits (df ~ 1.8e4, where scipy's logpdf is -inf and its pdf is taken instead).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import warnings
from pathlib import Path

import numpy as np
from scipy import stats

SRC = str(Path(__file__).resolve().parents[1] / "src")


def command_seconds(src, argv):
    env = dict(os.environ, PYTHONPATH=src)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "inductive_bias", *argv], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def scipy_road(x, df, nc, scale):
    """The log-density as it was: scipy's logpdf, its pdf where that is -inf."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = np.atleast_1d(stats.ncx2.logpdf(x, df, nc, scale=scale))
        bad = ~np.isfinite(out)
        if bad.any():
            out[bad] = np.log(stats.ncx2.pdf(x[bad], df, nc, scale=scale))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True, help="the src folder of the older tree")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        losses = Path(folder) / "losses.txt"
        np.savetxt(losses, np.random.default_rng(0).chisquare(3, 300) * 0.01 + 0.02)
        cases = []
        for name in ("ncx2-mle", "ncx2-loc"):
            cases.append((f"measure --hypotheses 4 --estimator {name}",
                          ["measure", "--hypotheses", "4", "--estimator", name, "-e", "1.09"]))
            cases.append((f"fit (300 losses) --estimator {name}",
                          ["fit", "--losses", str(losses), "--estimator", name, "-e", "0.03"]))
        print(f"medians of {args.repeats} paired runs, wall seconds")
        print(f"{'command':48s} {'before':>8s} {'now':>8s} {'ratio':>7s}")
        for label, argv in cases:
            before, now = [], []
            for _ in range(args.repeats):
                before.append(command_seconds(args.before, argv))
                now.append(command_seconds(SRC, argv))
            b, n = statistics.median(before), statistics.median(now)
            print(f"{label:48s} {b:8.2f} {n:8.2f} {b / n:7.1f}")
    sys.path.insert(0, SRC)
    from inductive_bias.estimators.ncx2_mle import ncx2_logpdf

    print("\nlog-density of 4 losses, µs a call (median of 5 x 2000)")
    for df, nc, scale in ((18000.0, 18000.0, 3e-5), (8.0, 3.0, 0.1)):
        x = np.array([1.07866, 1.09, 1.1, 1.10491]) if df > 1000 else np.array([0.3, 1.1, 2.0, 4.5])
        old = statistics.median(timeit.repeat(lambda: scipy_road(x, df, nc, scale), number=2000, repeat=5)) / 2e-3
        new = statistics.median(timeit.repeat(lambda: ncx2_logpdf(x, df, nc, 0.0, scale), number=2000, repeat=5)) / 2e-3
        print(f"  df={df:g} nc={nc:g}: scipy road {old:7.1f}, closed form {new:6.1f}, ratio {old / new:5.1f}")


if __name__ == "__main__":
    main()
