"""Fixtures shared by the test suite: small tasks, made once per session."""

import pytest

from inductive_bias import digits


@pytest.fixture(scope="session")
def small_digits():
    """digits, 60 training and 40 test points: enough for every space to fit and predict."""
    return digits(60, 40, seed=0)
