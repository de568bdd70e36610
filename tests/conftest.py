"""Fixtures shared by the test suite: small tasks, made once per session; a read-only path."""

import contextlib
import os
import shutil
import subprocess

import pytest

from inductive_bias import digits


@pytest.fixture(scope="session")
def small_digits():
    """digits, 60 training and 40 test points: enough for every space to fit and predict."""
    return digits(60, 40, seed=0)


@contextlib.contextmanager
def _read_only(path):
    """Make a file or folder unwritable, also for root (chattr +i, the immutable flag)."""
    if os.geteuid() != 0:
        mode = os.stat(path).st_mode
        os.chmod(path, 0o555 if os.path.isdir(path) else 0o444)
        try:
            yield
        finally:
            os.chmod(path, mode)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("root cannot make a path read-only here (no chattr +i): nothing to test")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.fixture
def read_only():
    """``with read_only(path):`` the path is unwritable inside the block (the test skips where root
    cannot make it so)."""
    return _read_only
