"""A seeded fuzz of the command line and of experiment files (docs/reliability.md, "Fuzzing").

Each case is a subcommand on a small task with one to three of its flags set to values drawn from
a pool of hostile ones (zero, negatives, NaN, 1e-300, 1e300, 2**63, 10**400, empty strings,
formulas, paths that are folders, devices or missing, NUL bytes), or an experiment file whose
tables hold such values. Every case must end in exit status 0 or 2, with exactly one line on
stderr for 2 (and no other kind of line for 0), no raw numpy floating-point warning ("overflow
encountered in …") on stderr, strict JSON on stdout for --json, within ``CASE_SECONDS``.

CI runs a fixed number of cases, ``INDUCTIVE_BIAS_FUZZ_CASES`` (default 80, about 10 s), so that
it is the same cases on every machine; ``INDUCTIVE_BIAS_FUZZ_SECONDS`` instead runs cases until
that many seconds have passed (1800 for the 30-minute run), and ``INDUCTIVE_BIAS_FUZZ_SEED``
(default 0) chooses which cases. The cases come from one seeded stream, so a longer budget runs the
same first cases and then new ones. ``INDUCTIVE_BIAS_FUZZ_MAX_FAILURES`` (default 5) is how many
failures end the run; the last line printed (``pytest -s``) gives the cases run, distinct cases,
seconds and failures.
"""

import contextlib
import io
import json
import math
import os
import random
import re
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from inductive_bias.cli.main import build_parser, main

CASES = int(os.environ.get("INDUCTIVE_BIAS_FUZZ_CASES", "80"))
BUDGET = float(os.environ["INDUCTIVE_BIAS_FUZZ_SECONDS"]) if "INDUCTIVE_BIAS_FUZZ_SECONDS" in os.environ else None
SEED = int(os.environ.get("INDUCTIVE_BIAS_FUZZ_SEED", "0"))
# a CI run stops at the first few failures; a long run collects more of them before it stops
MAX_FAILURES = int(os.environ.get("INDUCTIVE_BIAS_FUZZ_MAX_FAILURES", "5"))
CASE_SECONDS = 30

NUMBERS = ["0", "-1", "1", "2", "3", "0.5", "-0.0", "1e-300", "5e-324", "1e300", "1.8e308", "nan", "inf", "-inf",
           "1e9", str(2**63), str(10**12), str(10**400), "0x10", "1_0"]
WORDS = ["", " ", "abc", "=HYPERLINK(\"http://x\",\"y\")", "+1", "@SUM(A1)", "-", "é", "a\x00b", "1,2", "3,8",
         "auto", "median", "ml"]

# Flags left out: they reach the network (--download, --executor ray starts a cluster) or, valid,
# do long honest work (trained networks through `measure`).
SKIPPED_FLAGS = {"--download", "--help", "-h", "--version", "--progress", "--no-progress", "--compile"}
FAST_SPACES = ["gp", "nngp", "ntk", "knn", "decision_tree", "linear", "least_squares", "kernel_ridge"]
TRAINED_FAST = ["knn", "decision_tree", "linear", "least_squares", "kernel_ridge", "extra_trees"]


def _paths(folder):
    return [str(folder), str(folder / "missing" / "x.png"), os.devnull, str(folder / "out/"),
            str(folder / "losses.txt"), str(folder / "fake.npz"), str(folder / "r.html"), str(folder / "x.db"),
            str(folder / "figure.png"), ":memory:"]


def _setup(folder):
    np.savetxt(folder / "losses.txt", np.random.default_rng(0).chisquare(3, 40))
    (folder / "fake.npz").write_text("not a zip\n")


def _value(rng, action, folder):
    if action.choices:
        options = [str(c) for c in action.choices]
        if action.dest == "space":
            options = [c for c in options if c in FAST_SPACES + TRAINED_FAST]
        if action.dest == "data":
            options = ["digits", "synthetic", "cartpole", "mnist1d"]
        if action.dest == "executor":
            options = ["local"]
        return rng.choice(options + ["bogus"])
    if action.dest == "data":
        return rng.choice(["digits", "synthetic", str(folder / "fake.npz"), str(folder), os.devnull, "bogus", ""])
    pool = NUMBERS + WORDS + _paths(folder)
    if action.type in (int, float):
        pool = NUMBERS * 3 + WORDS[:4]
    return rng.choice(pool)


def _case(rng, parser, folder):
    """One argv: a subcommand, a small task, and 1-3 flags with hostile values."""
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    command = rng.choice(["measure", "fit", "sample", "runs", "complexity", "compare", "measure", "fit"])
    child = sub.choices[command]
    base = {
        "measure": ["measure", "-e", "0.5", "--n-train", "40", "--n-test", "30", "--hypotheses", "4"],
        "fit": ["fit", "--losses", str(folder / "losses.txt"), "--bootstrap", "20"],
        "sample": ["sample", "--space", rng.choice(TRAINED_FAST), "--hypotheses", "3", "--store",
                   str(folder / f"s{rng.randrange(10**9)}.db"), "--n-train", "40", "--n-test", "30"],
        "runs": ["runs", "--store", str(folder / "x.db")],
        "complexity": ["complexity", "--data", "digits", "--error", "0.1", "--n-train", "60", "--n-test", "40"],
        "compare": ["compare", "-e", "0.3", "--n-train", "40", "--n-test", "30", "--losses",
                    str(folder / "losses.txt"), "--bootstrap", "20"],
    }[command]
    actions = [a for a in child._actions if a.option_strings and not set(a.option_strings) & SKIPPED_FLAGS]
    argv = list(base)
    for action in rng.sample(actions, k=min(len(actions), rng.randint(1, 3))):
        flag = action.option_strings[-1] if action.option_strings[-1].startswith("--") else action.option_strings[0]
        if action.nargs == 0:
            argv.append(flag)
        elif action.nargs in ("+", "*"):
            argv += [flag, *(_value(rng, action, folder) for _ in range(rng.randint(1, 3)))]
        elif isinstance(action.nargs, int):
            argv += [flag, *(_value(rng, action, folder) for _ in range(action.nargs))]
        else:
            argv += [flag, _value(rng, action, folder)]
    # a trained space through `measure` trains its members here: keep it to the fast ones
    if command == "measure" and "--space" in argv:
        position = argv.index("--space") + 1
        if position < len(argv) and argv[position] not in FAST_SPACES + TRAINED_FAST + ["bogus"]:
            argv[position] = "gp"
    if rng.random() < 0.5 and command != "runs":
        argv.append("--json")
    return argv


TOML_VALUES = [0, -1, 1, 2, 3, 0.5, 1e-300, 1e300, float("nan"), float("inf"), 2**63 - 1, 10**12, True, False, "",
               "abc", "=1+2", "median", [], [1, 2], ["a"], {"x": 1}, [0.05, 0.1]]


def _toml(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value == math.inf else repr(value))
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return str(value)


def _experiment(rng, folder):
    """An experiment file: a small valid skeleton with 1-3 keys set to hostile values."""
    tables = {"task": {"data": "digits", "n_train": 40, "n_test": 30},
              "measure": {"target_error": [0.09], "hypotheses": 3, "bootstrap": 20, "fitted_only": False},
              "space": [{"name": "gp", "space": "gp"}, {"name": "tree", "space": "decision_tree", "splitter": "random"}]}
    keys = {"task": ["data", "n_train", "n_test", "seed", "classes", "pca", "permute_features", "targets", "bogus"],
            "measure": ["target_error", "hypotheses", "seed", "baseline", "estimator", "bootstrap", "fit_threshold",
                        "fitted_only", "method", "grid_points", "bogus"],
            "space": ["name", "space", "kernel", "lengthscale", "amplitude", "noise", "jitter", "n_estimators",
                      "max_depth", "hypotheses", "estimator", "n_jobs", "bogus"]}
    for _ in range(rng.randint(1, 3)):
        table = rng.choice(list(keys))
        target = tables[table] if table != "space" else rng.choice(tables["space"])
        target[rng.choice(keys[table])] = rng.choice(TOML_VALUES)
    lines = []
    for table in ("task", "measure"):
        lines.append(f"[{table}]")
        lines += [f"{k} = {_toml(v)}" for k, v in tables[table].items()]
    for space in tables["space"]:
        lines.append("[[space]]")
        lines += [f"{k} = {_toml(v)}" for k, v in space.items()]
    if rng.random() < 0.3:
        lines.append(f"[report]\npath = {_toml(rng.choice(_paths(folder)))}")
    path = folder / f"e{rng.randrange(10**9)}.toml"
    path.write_text("\n".join(lines) + "\n")
    argv = ["experiment", str(path), "--store", ":memory:"]
    if rng.random() < 0.5:
        argv.append("--json")
    return argv


class _Overtime(Exception):
    pass


def _strict_json(text):
    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def _run(argv):
    """(status, stdout, stderr, warnings) of one in-process run, or _Overtime after CASE_SECONDS.

    The warnings are recorded here: under pytest they would not reach stderr (pytest records them
    itself), where the command line prints each as an ``inductive-bias …: warning:`` line."""
    import warnings

    out, err = io.StringIO(), io.StringIO()

    def overtime(*_):
        raise _Overtime()

    previous = signal.signal(signal.SIGALRM, overtime)
    signal.alarm(CASE_SECONDS)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")  # each warning once per location, as on the command line
            try:
                status = main(argv)
            except SystemExit as exit_:
                status = exit_.code
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return status, out.getvalue(), err.getvalue(), [str(w.message) for w in caught]


# numpy's floating-point warnings, printed or recorded: arithmetic that went wrong somewhere and was
# not turned into a number, a refusal or a caution of ours
_RAW_NUMPY = re.compile(r": warning: (overflow|underflow|invalid value|divide by zero) encountered in ")


def _check(argv, status, out, err, warned=()):
    lines = err.strip().splitlines()
    raw = [line for line in [*lines, *(f": warning: {message}" for message in warned)] if _RAW_NUMPY.search(line)]
    assert not raw, f"numpy warnings on stderr: {argv!r}\n{raw[:3]}"
    assert status in (0, 2), f"exit {status}: {argv!r}\n{err[-2000:]}"
    if status == 2:
        assert len(lines) == 1, f"{len(lines)} lines for exit 2: {argv!r}\n{err[-2000:]}"
        assert ": error: " in lines[0], f"{argv!r}: {lines[0]}"
    else:
        stray = [line for line in lines if not line.startswith(("inductive-bias ", "  ", "store ", "mean "))]
        assert not stray, f"stray stderr lines: {argv!r}\n{stray[:3]}"
        if "--json" in argv:
            _strict_json(out)


def _file(argv) -> str:
    """An experiment case's file, in the failure's text: pytest removes the folder it lay in."""
    return f"\n{Path(argv[1]).read_text()}" if argv[0] == "experiment" else ""


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="the per-case time limit uses SIGALRM")
def test_fuzz_command_line_and_experiment_files(tmp_path, monkeypatch):
    import warnings

    monkeypatch.chdir(tmp_path)
    _setup(tmp_path)
    rng = random.Random(SEED)
    parser = build_parser()
    failures, cases, distinct = [], 0, set()
    began = time.monotonic()
    stop = None if BUDGET is None else began + BUDGET

    def more():
        return cases < CASES if stop is None else time.monotonic() < stop

    with warnings.catch_warnings():
        warnings.simplefilter("default")  # each warning once per location, as on the command line
        while more() and len(failures) < MAX_FAILURES:
            argv = _experiment(rng, tmp_path) if rng.random() < 0.25 else _case(rng, parser, tmp_path)
            cases += 1
            distinct.add(tuple(argv) if argv[0] != "experiment" else (argv[0], Path(argv[1]).read_text(), *argv[2:]))
            started = time.monotonic()
            try:
                status, out, err, warned = _run(argv)
                _check(argv, status, out, err, warned)
            except _Overtime:
                failures.append(f"over {CASE_SECONDS} s: {argv!r}" + _file(argv))
            except AssertionError as error:
                failures.append(str(error) + _file(argv))
            except Exception as error:  # a traceback: the CLI let an exception escape
                failures.append(f"{type(error).__name__}: {error} <- {argv!r}" + _file(argv))
            assert time.monotonic() - started < CASE_SECONDS + 5
    print(f"\nfuzz: {cases} cases ({len(distinct)} distinct) in {time.monotonic() - began:.0f} s, "
          f"{len(failures)} failures (seed {SEED})")
    assert cases > 0
    assert not failures, f"{len(failures)} of {cases} cases failed:\n" + "\n\n".join(failures)
