"""Bad inputs and faults, tried as a hostile user would: each gets a right number or one line on
stderr with exit status 2 and no traceback (docs/reliability.md lists every case and its test)."""

import json
import math

import numpy as np
import pytest

from inductive_bias.cli.main import main


def one_line_error(argv, capsys, expect):
    """Run the CLI in-process; assert exit status 2 and one stderr line that contains ``expect``."""
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert expect in lines[0], lines[0]
    return lines[0]


def run_json(argv, capsys):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


# -- underflow: the deepest tail is a number -----------------------------------------------------
def test_deepest_targets_give_finite_bits_on_digits(capsys):
    # -e 1e-200 raised ZeroDivisionError (K''(ŝ) underflowed), -e 5e-324 a math domain error.
    out = run_json(["measure", "--data", "digits", "-e", "1e-5", "1e-200", "5e-324"], capsys)
    bits = [r["bits"] for r in out["results"]]
    assert all(math.isfinite(b) for b in bits)
    assert bits[0] < bits[1] < bits[2]
    # Offset 0: the small-ball law ln P ~ (D/2) ln eps, so the bits grow linearly in ln eps.
    slope_12 = (bits[2] - bits[1]) / math.log2(1e-200 / 5e-324)
    slope_01 = (bits[1] - bits[0]) / math.log2(1e-5 / 1e-200)
    assert slope_12 == pytest.approx(slope_01, rel=1e-3)
