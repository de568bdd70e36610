"""What every hypothesis space must do (one contract, parametrised over every exported space)."""

import json
import warnings

import numpy as np
import pytest

from inductive_bias import (GaussianProcess, HypothesisSamples, HypothesisSpace, InfiniteWidthNetwork, InputError,
                            ScikitLearnSpace)
from inductive_bias.exceptions import PointMassWarning
from inductive_bias.spaces import MemberSpace
from inductive_bias.spaces.base import Member
from inductive_bias.spaces.sklearn_models import SKLEARN_MODELS


class ShiftedMean(MemberSpace):
    """A fake trained space: every member predicts the training mean plus seeded noise."""

    name = "fake"

    def __init__(self, scale: float = 0.1):
        if not scale > 0:
            raise InputError("scale", f"must be > 0; got {scale!r}")
        self.scale = scale

    def spec(self):
        return {"space": self.name, "scale": self.scale}

    def train_members(self, task, seeds, *, predictions=False, progress=None):
        out = []
        for seed in seeds:
            rng = np.random.default_rng(seed)
            pred = task.Y_train.mean(axis=0) + self.scale * rng.standard_normal(task.Y_test.shape)
            out.append(Member(seed, float(task.test_loss(pred[None])[0]), 0.0,
                              predictions=pred if predictions else None))
        return out


def _neural():
    from inductive_bias import NeuralNetworks

    return NeuralNetworks("mlp", hidden=(8,), epochs=2)


def _quiet(factory):
    def make():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PointMassWarning)
            return factory()
    return make


SPACES = {
    "gp": lambda: GaussianProcess("rbf", "median"),
    "nngp": lambda: InfiniteWidthNetwork("nngp", depth=2),
    "ntk": lambda: InfiniteWidthNetwork("ntk", depth=1, activation="erf"),
    "ntk-lcn": lambda: InfiniteWidthNetwork("ntk", "lcn", depth=2, readout="gap"),
    **{f"sklearn-{name}": _quiet(lambda name=name: ScikitLearnSpace(name, **(
        {"n_estimators": 3} if "n_estimators" in SKLEARN_MODELS[name][1] else {}))) for name in SKLEARN_MODELS},
    "neural-mlp": _neural,
    "fake": ShiftedMean,
}
BAD = {
    "gp": lambda: GaussianProcess("rbf", -1.0),
    "infinite_width": lambda: InfiniteWidthNetwork("ntk", weight_var=-2.0),
    "sklearn": lambda: ScikitLearnSpace("random_forest", n_estimators=0),
    "neural": lambda: __import__("inductive_bias").NeuralNetworks("mlp", epochs=0),
    "fake": lambda: ShiftedMean(-1.0),
}


@pytest.fixture(params=sorted(SPACES), scope="module")
def space(request):
    return SPACES[request.param]()


@pytest.fixture(params=sorted(SPACES))
def named(request):
    return request.param


def test_sample_gives_n_losses_the_same_for_the_same_seed(space, small_digits):
    a = space.sample(small_digits, 3, 4)
    b = space.sample(small_digits, 3, 4)
    assert isinstance(a, HypothesisSamples) and len(a) == 3
    assert np.all(np.isfinite(a.losses)) and np.all(a.losses >= 0)
    np.testing.assert_array_equal(a.losses, b.losses)
    if isinstance(space, MemberSpace):
        assert a.seeds == b.seeds and len(set(a.seeds)) == 3 and a.train_losses.shape == (3,)


def test_predictions_are_what_the_losses_were_computed_from(space, small_digits):
    assert isinstance(space, HypothesisSpace)
    if not space.offers_predictions:
        pytest.skip(f"{space.name} offers no predictions")
    samples = space.sample(small_digits, 2, 1, predictions=True)
    assert samples.predictions.shape == (2, *small_digits.Y_test.shape)
    # float32 networks: the loss is computed in float32 from the same predictions (1e-5 relative)
    np.testing.assert_allclose(small_digits.test_loss(samples.predictions), samples.losses, rtol=1e-5)


def test_spec_is_json_and_identifies_the_space(named):
    """The spec survives JSON unchanged (a store hashes it) and is the same for the same settings."""
    spec = SPACES[named]().spec()
    assert json.loads(json.dumps(spec, allow_nan=False)) == spec
    assert SPACES[named]().spec() == spec and isinstance(spec["space"], str)


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_parameters_are_one_line_input_errors(kind):
    with pytest.raises(InputError) as caught:
        BAD[kind]()
    assert "\n" not in str(caught.value) and str(caught.value).split(":")[0].isidentifier()
