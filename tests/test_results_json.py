"""The JSON of a result (docs/json.md): schema 2 round-trips for every kind of figure, and the
flattened shape before it is still read."""

import json
import math

import numpy as np

from inductive_bias import GaussianProcess, MeasureResult, digits, measure, measure_losses
from inductive_bias.results import SCHEMA


def _round_trip(result):
    text = result.to_json()
    data = json.loads(text)  # strict JSON: no NaN or Infinity tokens
    assert data["schema"] == SCHEMA == 2
    again = MeasureResult.from_json(text)
    assert again.results == result.results and again.loss == result.loss
    assert again.fit == result.fit and again.members == result.members
    assert again.to_dict() == result.to_dict()
    return data


def test_exact_count_bound_and_model_figures_round_trip():
    exact = measure(digits(100, 100, seed=0), GaussianProcess("rbf", 1.0), [1.05, 1.0])
    data = _round_trip(exact)
    assert [r["kind"] for r in data["results"]] == ["exact", "exact"] and data["fit"] is None
    losses = np.random.default_rng(0).chisquare(10, 300)
    counted = measure_losses(losses, [8.0, 1.0], train_losses=np.zeros(300))
    data = _round_trip(counted)
    assert [r["kind"] for r in data["results"]] == ["count", "bound"]
    assert data["results"][1]["interval"][1] is None and data["members"]["members"] == 300
    model = measure_losses(losses, [8.0, 1.0], estimator="gchi2-moments", n_bootstrap=20)
    assert [r["kind"] for r in _round_trip(model)["results"]] == ["model", "model"]


def test_the_flattened_shape_of_schema_1_is_read():
    losses = np.random.default_rng(1).chisquare(10, 100)
    result = measure_losses(losses, [8.0])
    data = result.to_dict()
    old = {k: v for k, v in data.items() if k not in ("schema", "fit", "members")}
    old["diagnostics"] = {**data["diagnostics"], **data["fit"], **data["members"]}
    again = MeasureResult.from_dict(old)
    assert again.fit == result.fit and again.members == result.members
    assert again.results[0].kind == "count" and math.isclose(again.bits[0], result.bits[0])
