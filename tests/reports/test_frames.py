"""Results as data frames and HTML tables: one row per (space, ε) with every column of the CSV, the
same numbers as the result, a clear message without pandas; short reprs that show no arrays."""

import builtins
import csv
import math

import numpy as np
import pytest

from inductive_bias import GaussianProcess, digits, measure, measure_losses
from inductive_bias.experiment.results import ExperimentResult, RelativeResult, SpaceOutcome
from inductive_bias.reports.html_report import write_report
from inductive_bias.results import MeasureResult, TargetResult
from inductive_bias.tasks import load_task, task_line

pandas = pytest.importorskip("pandas")

EPS = (0.08, 0.06, 0.04)


def _outcome(name, bits, estimator="function-gaussian"):
    results = tuple(TargetResult(e, b, interval=None if estimator == "exact" else (b - 1, b + 2),
                                 extrapolated=e == 0.04 and estimator != "exact", samples_below=3)
                    for e, b in zip(EPS, bits))
    result = MeasureResult(task={"name": "t"}, space={"space": name}, estimator=estimator, results=results)
    return SpaceOutcome(name=name, base=name, sweep={}, task_variant="", spec={}, task={}, result=result,
                        members=None if estimator == "exact" else 16,
                        members_trained=None if estimator == "exact" else 16, space_id=None, reason=None,
                        warnings=(), target_errors=EPS)


@pytest.fixture
def run():
    gp, mlp = _outcome("gp", [1.0, 4.0, math.inf], "exact"), _outcome("mlp", [2.0, 7.0, 30.0])
    relative = [RelativeResult("mlp", "gp", e, g.bits - t.bits, None) for e, g, t in
                zip(EPS, gp.result.results, mlp.result.results)]
    return ExperimentResult(title="t", description="", source=None, task={"name": "t"}, settings={},
                            target_errors=list(EPS), target_error_rule="given", baseline="gp", spaces=(gp, mlp),
                            relative=tuple(relative), store=":memory:", seconds=1.5, version="0")


def test_the_experiment_frame_has_a_row_per_space_and_eps_and_every_csv_column(run, tmp_path):
    frame = run.to_frame()
    assert len(frame) == 2 * 3 and set(frame["kind"]) == {"space"}
    header = next(csv.reader((write_report(run, tmp_path / "r.html").csv).open()))
    assert list(frame.columns[:len(header)]) == header  # the CSV's columns, in its order, then more
    assert {"bits_lower_bound", "samples_below", "reliable"} <= set(frame.columns)
    bits = frame.pivot(index="target_error", columns="space", values="bits")
    assert bits.loc[0.06, "mlp"] == 7.0 and bits.loc[0.04, "gp"] == math.inf  # +inf stays +inf
    mlp = frame[frame.space == "mlp"].set_index("target_error")
    assert mlp.loc[0.08, "interval_low"] == 1.0 and mlp.loc[0.08, "interval_high"] == 4.0
    assert mlp.loc[0.04, "point_kind"] == "model" and mlp.loc[0.08, "point_kind"] == "count"
    assert frame["members"].dtype == "Int64" and frame[frame.space == "gp"]["members"].isna().all()
    relative = run.to_frame("relative")
    assert len(relative) == 3 and list(relative["bits"]) == [-1.0, -3.0, math.inf]
    assert len(run.to_frame("all")) == 9
    with pytest.raises(ValueError, match="kind"):
        run.to_frame("both")


def test_a_measured_result_gives_the_same_numbers_as_its_table():
    task = digits(60, 40, seed=0)
    result = measure(task, GaussianProcess(kernel="rbf", lengthscale="median"), [0.09, 0.07])
    frame = result.to_frame()
    assert list(frame["target_error"]) == [0.09, 0.07]
    assert list(frame["bits"]) == list(result.bits)
    assert list(frame["bits_lower_bound"]) == [t.bits_lower_bound for t in result.results]
    assert set(frame["point_kind"]) == {"exact"} and set(frame["space"]) == {"gp"}
    sampled = measure_losses(np.random.default_rng(0).normal(1.0, 0.1, 200), [0.9, 0.8], n_bootstrap=20, seed=0)
    frame = sampled.to_frame(name="losses")
    assert list(frame["interval_low"]) == [t.interval[0] for t in sampled.results]
    assert list(frame["samples_below"]) == [t.samples_below for t in sampled.results]
    assert set(frame["space"]) == {"losses"}


def test_without_pandas_the_message_says_what_to_install(run, monkeypatch):
    real = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("No module named 'pandas'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(ImportError, match=r"inductive-bias\[frames\]"):
        run.to_frame()


def test_html_tables_for_a_notebook_show_no_arrays(run):
    page = run._repr_html_()
    assert page.count("<table") == 2 and "bits saved over gp" in page and "7.0000 [6.0000, 9.0000]" in page
    task = load_task("digits", n_train=50, n_test=30, permute_features=True)
    html = task._repr_html_()
    assert "<table" in html and "permuted_features" in html and "(50, 64) / (30, 64)" in html
    assert "array(" not in html and "[[" not in html
    measured = measure(task, GaussianProcess(kernel="rbf", lengthscale="median"), [0.09])
    assert "<table" in measured._repr_html_() and "features permuted" in measured._repr_html_()


def test_a_task_prints_as_one_line_that_names_its_identity():
    plain = load_task("digits", n_train=50, n_test=30)
    permuted = load_task("digits", n_train=50, n_test=30, permute_features=True)
    assert repr(plain) == "Task(digits: 50 train / 30 test, 64 features, 10 classes; seed 0)"
    assert repr(permuted) == "Task(digits: 50 train / 30 test, 64 features, 10 classes; seed 0, features permuted)"
    assert task_line(permuted.describe()) != task_line(plain.describe())
    assert "features permuted" in task_line(permuted.describe()) and "split uniform random" in task_line(
        permuted.describe())
