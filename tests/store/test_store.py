"""The sample store, the runner that fills it and measuring from it (runs/)."""

import io
import math
import sqlite3
import warnings

import numpy as np
import pytest

from inductive_bias import digits, measure_losses
from inductive_bias._random import member_seeds
from inductive_bias._validation import InputError
from inductive_bias import measure_store
from inductive_bias.store import (SampleStore, SamplingInterrupted, sample_into_store, space_id_for,
                                 store_summary, task_identity)
from inductive_bias._progress import ProgressBar
from inductive_bias.spaces.base import Member, MemberSpace
from inductive_bias.spaces.sklearn_models import PointMassWarning, ScikitLearnSpace
from inductive_bias.tasks import Task


@pytest.fixture(scope="module")
def task():
    return digits(120, 80, seed=2)


class FakeSpace(MemberSpace):
    """Members whose losses are a known function of the seed; can stop with Ctrl-C after some."""

    name = "fake"

    def __init__(self, interrupt_after=None, train_scale=1e-3, chunk=None):
        self.interrupt_after = interrupt_after
        self.train_scale = train_scale
        self.members_per_call = chunk
        self.trained = []

    def spec(self):
        return {"space": "fake", "train_scale": self.train_scale}

    def train_members(self, task, seeds, *, predictions=False, progress=None):
        out = []
        for seed in seeds:
            if self.interrupt_after is not None and len(self.trained) >= self.interrupt_after:
                raise KeyboardInterrupt
            self.trained.append(seed)
            u = (seed % 1000) / 1000
            out.append(Member(seed, 0.1 + 0.01 * u, self.train_scale * u, 0.5, 0.01,
                              np.full(task.Y_test.shape, u) if predictions else None))
        return out


def _member(seed, loss=0.1, train=0.01):
    return Member(seed=seed, test_loss=loss, train_loss=train, test_accuracy=0.9, seconds=0.5)


# -- the store --------------------------------------------------------------------------------------
def test_members_round_trip(tmp_path, task):
    path = tmp_path / "s.db"
    predictions = np.linspace(0, 1, task.Y_test.size).reshape(task.Y_test.shape)
    with SampleStore(path) as store:
        sid = store.open_space({"space": "fake"}, task_identity(task), 5, task_info=task.describe())
        assert store.add_member(sid, 0, Member(7, 0.123456789012345678, 0.001, None, 1.5, predictions), {"a": "1"})
        assert store.add_member(sid, 1, Member(8, math.nan, math.inf, 0.25, 2.0), {"a": "1"})
    with SampleStore(path, create=False) as store:
        first, second = store.members(sid, predictions=True)
        record = store.space(sid)
    assert (first.index, first.seed, first.test_loss, first.train_loss) == (0, 7, 0.123456789012345678, 0.001)
    assert first.test_accuracy is None and first.environment == {"a": "1"}
    # predictions are kept as float32: equal to float32 rounding (relative 2**-24)
    np.testing.assert_allclose(first.predictions, predictions, rtol=2**-24, atol=0)
    assert math.isnan(second.test_loss) and second.train_loss == math.inf and second.predictions is None
    assert record.run_seed == 5 and record.task["name"] == "digits" and record.members == 2


def test_durability_settings(tmp_path):
    with SampleStore(tmp_path / "s.db") as store:
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert store.integrity_check() == "ok"


def test_duplicates_are_refused(tmp_path, task):
    with SampleStore(tmp_path / "s.db") as store:
        sid = store.open_space({"space": "fake"}, task_identity(task), 0)
        assert store.add_member(sid, 0, _member(100), {})
        assert store.add_member(sid, 0, _member(100), {}) is False   # committed meanwhile: skipped
        with pytest.raises(InputError, match="^seed: member 0 .* clashes"):
            store.add_member(sid, 0, _member(101), {})             # same index, another seed
        with pytest.raises(InputError, match="^seed: member 1 .* clashes"):
            store.add_member(sid, 1, _member(100), {})             # same seed, another index
        assert [m.seed for m in store.members(sid)] == [100]


def test_space_id_is_canonical(task):
    ident = task_identity(task)
    base = space_id_for({"space": "x", "a": 1, "b": [2, 3]}, ident, 0)
    assert base == space_id_for({"b": [2, 3], "a": 1, "space": "x"}, dict(reversed(ident.items())), 0)
    assert base != space_id_for({"space": "x", "a": 2, "b": [2, 3]}, ident, 0)
    assert base != space_id_for({"space": "x", "a": 1, "b": [2, 3]}, ident, 1)
    other = digits(120, 80, seed=3)  # same shapes and name, other split: another data fingerprint
    assert base != space_id_for({"space": "x", "a": 1, "b": [2, 3]}, task_identity(other), 0)
    moved = Task(task.X_train, task.Y_train, task.X_test, task.Y_test, name="digits", classes=task.classes,
                 info={**task.info, "source": "elsewhere"})
    assert task_identity(moved) == ident


def test_tampered_spec_is_refused(tmp_path, task):
    path = tmp_path / "s.db"
    with SampleStore(path) as store:
        sid = store.open_space({"space": "fake", "epochs": 20}, task_identity(task), 0)
    db = sqlite3.connect(path)
    db.execute("UPDATE spaces SET spec = ? WHERE space_id = ?", ('{"epochs":10,"space":"fake"}', sid))
    db.commit()
    db.close()
    with SampleStore(path) as store:
        with pytest.raises(InputError, match=r"^space_id: .* another spec \(space.epochs: 10 stored, 20 given\)"):
            store.open_space({"space": "fake", "epochs": 20}, task_identity(task), 0)


def test_other_files_are_refused_in_one_line(tmp_path):
    garbage = tmp_path / "garbage.db"
    garbage.write_text("not a database\n" * 100)
    foreign = tmp_path / "foreign.db"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    newer = tmp_path / "newer.db"
    SampleStore(newer).close()
    db = sqlite3.connect(newer)
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    cases = [(garbage, "is not a readable sample store"), (foreign, "not an inductive-bias sample store"),
             (newer, "has store schema version 2; this version of inductive-bias reads version 1"),
             (tmp_path / "missing.db", "no such store"), (tmp_path, "is a directory")]
    for path, message in cases:
        with pytest.raises(InputError, match=message) as info:
            SampleStore(path, create=False)
        assert info.value.argument == "store" and "\n" not in str(info.value)
    assert garbage.read_text().startswith("not a database")  # untouched


def test_space_lookup_by_prefix(tmp_path, task):
    with SampleStore(tmp_path / "s.db") as store:
        sid = store.open_space({"space": "fake"}, task_identity(task), 0)
        assert store.space(sid[:6]).space_id == sid
        with pytest.raises(InputError, match="^space_id: 'zzzz' is not in"):
            store.space("zzzz")


# -- the runner -------------------------------------------------------------------------------------
def test_resume_and_extend_give_the_members_of_one_run(tmp_path, task):
    space = ScikitLearnSpace("random_forest", n_estimators=4)
    whole = sample_into_store(task, space, tmp_path / "whole.db", 6, seed=9)
    first = sample_into_store(task, space, tmp_path / "parts.db", 4, seed=9)
    second = sample_into_store(task, space, tmp_path / "parts.db", 6, seed=9)
    assert (first.trained, second.present_before, second.trained, second.stored) == (4, 4, 2, 6)
    assert whole.space_id == first.space_id == second.space_id
    with SampleStore(tmp_path / "whole.db") as a, SampleStore(tmp_path / "parts.db") as b:
        ma, mb = a.members(whole.space_id), b.members(whole.space_id)
    assert [m.seed for m in ma] == [m.seed for m in mb] == member_seeds(9, 0, 6)
    assert [m.test_loss for m in ma] == [m.test_loss for m in mb]
    again = sample_into_store(task, space, tmp_path / "parts.db", 5, seed=9)
    assert (again.trained, again.stored) == (0, 5)


def test_interrupt_keeps_what_was_committed(tmp_path, task):
    path = tmp_path / "s.db"
    with pytest.raises(SamplingInterrupted) as info:
        sample_into_store(task, FakeSpace(interrupt_after=3, chunk=1), path, 8, seed=1)
    assert isinstance(info.value, KeyboardInterrupt)
    assert (info.value.committed, info.value.requested) == (3, 8)
    assert "run the same command again" in str(info.value)
    resumed_space = FakeSpace()
    done = sample_into_store(task, resumed_space, path, 8, seed=1)
    assert (done.present_before, done.trained, done.stored) == (3, 5, 8)
    assert resumed_space.trained == member_seeds(1, 3, 5)  # only the missing members were trained


def test_chunks_are_committed_member_by_member(tmp_path, task):
    space = FakeSpace(chunk=4, interrupt_after=6)
    with pytest.raises(SamplingInterrupted) as info:
        sample_into_store(task, space, tmp_path / "s.db", 10, seed=0)
    assert info.value.committed == 4  # the first chunk; the second was in flight


def test_runner_refuses_bad_input(tmp_path, task):
    from inductive_bias import GaussianProcess

    with pytest.raises(InputError, match="^space: only trained spaces"):
        sample_into_store(task, GaussianProcess(), tmp_path / "s.db", 3)
    for n in (0, -1, 2.5):
        with pytest.raises(InputError, match="^hypotheses:"):
            sample_into_store(task, FakeSpace(), tmp_path / "s.db", n)
    with pytest.raises(InputError, match="^seed:"):
        sample_into_store(task, FakeSpace(), tmp_path / "s.db", 3, seed=-1)


def test_progress_bar_only_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    quiet, loud = io.StringIO(), Terminal()
    for stream in (quiet, loud):
        bar = ProgressBar(4, initial=1, stream=stream)
        for _ in range(3):
            bar.update()
        bar.close()
    assert quiet.getvalue() == ""
    assert "4/4" in loud.getvalue() and "members/s" in loud.getvalue()


# -- measuring from a store -------------------------------------------------------------------------
def test_measure_store_matches_measure_losses_and_reports_fit(tmp_path, task):
    path = tmp_path / "s.db"
    run = sample_into_store(task, FakeSpace(train_scale=2e-3), path, 40, seed=4)
    with SampleStore(path) as store:
        members = store.members(run.space_id)
        variance = store.space(run.space_id).target_variance
    test = np.array([m.test_loss for m in members])
    train = np.array([m.train_loss for m in members])
    result = measure_store(path, run.space_id, [0.102, 0.101], n_bootstrap=20, seed=3)
    direct = measure_losses(test, [0.102, 0.101], n_bootstrap=20, seed=3)
    np.testing.assert_array_equal(result.bits, direct.bits)
    assert [r.interval for r in result.results] == [r.interval for r in direct.results]
    threshold = 0.01 * float(np.mean(np.var(task.Y_train, axis=0)))
    assert variance == pytest.approx(float(np.mean(np.var(task.Y_train, axis=0))), rel=1e-15)
    d = result.to_dict()["members"]
    assert d["fit_threshold"] == pytest.approx(threshold, rel=1e-15)
    assert d["members_fit"] == int(np.sum(train <= threshold)) and 0 < d["members_fit"] < 40
    assert d["fit_share"] == d["members_fit"] / 40 == result.loss.fit_share
    assert d["train_losses"] == train.tolist() and result.loss.train_max == train.max()
    assert result.space["space_id"] == run.space_id

    fitted = measure_store(path, run.space_id, [0.102], estimator="empirical", n_bootstrap=20, fitted_only=True,
                           fit_threshold=1e-3)
    assert fitted.loss.samples == int(np.sum(train <= 1e-3)) == fitted.members.members_used
    assert fitted.members.fit_threshold_rule == "given"
    first = measure_store(path, run.space_id[:5], [0.102], estimator="empirical", n_bootstrap=20, hypotheses=10)
    assert first.loss.samples == 10
    with pytest.raises(InputError, match="^task: space .* holds 40 of the 41 members asked for; training the other 1"):
        measure_store(path, run.space_id, hypotheses=41)
    with pytest.raises(InputError, match="^estimator: 'exact' needs a space whose loss law is known"):
        measure_store(path, run.space_id, estimator="exact")


def test_point_mass_is_measured_exactly(tmp_path, task):
    with pytest.warns(PointMassWarning):
        space = ScikitLearnSpace("knn", n_neighbors=3)
    run = sample_into_store(task, space, tmp_path / "s.db", 3)
    loss = store_summary(tmp_path / "s.db")[0]["test_loss_mean"]
    result = measure_store(tmp_path / "s.db", run.space_id, [loss * 0.99, loss, loss * 1.01])
    assert list(result.bits) == [math.inf, 0.0, 0.0]
    assert result.results[0].reason.startswith("point mass: the model has no internal randomness")
    assert result.members.point_mass is True


def test_store_summary(tmp_path, task):
    path = tmp_path / "s.db"
    sample_into_store(task, FakeSpace(), path, 5, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PointMassWarning)
        sample_into_store(task, ScikitLearnSpace("least_squares"), path, 2, seed=0)
    fake, linear = store_summary(path)
    assert (fake["members"], fake["first_index"], fake["last_index"], fake["missing_below_last"]) == (5, 0, 4, 0)
    assert fake["test_accuracy_mean"] == 0.5 and fake["summary"] == "fake train_scale=0.001"
    assert linear["summary"].startswith("least_squares (point mass)")
    assert "scikit-learn" in linear["environments"][0]


def test_interrupt_of_an_in_memory_run_says_nothing_is_kept(task):
    with SampleStore(":memory:") as store, pytest.raises(SamplingInterrupted, match="are lost: use a store file"):
        sample_into_store(task, FakeSpace(interrupt_after=1, chunk=1), store, 3)


def test_progress_callback_counts_members(task):
    calls = []
    ScikitLearnSpace("random_forest", n_estimators=2).train_members(task, [1, 2, 3], progress=calls.append)
    assert calls == [1, 2, 3]


def test_diverged_members_are_kept_and_left_out_of_the_estimate(tmp_path, task):
    """A member whose test loss is NaN (training diverged) is stored and counted as a member that
    reaches no target error: 2 of 5 reach 0.115, not 2 of 4."""
    path = tmp_path / "s.db"
    with SampleStore(path) as store:
        sid = store.open_space({"space": "fake"}, task_identity(task), 0, target_variance=0.09)
        for i, loss in enumerate([0.1, 0.12, math.nan, 0.11, 0.13]):
            store.add_member(sid, i, _member(i, loss), {})
    result = measure_store(path, sid, [0.115], estimator="empirical", n_bootstrap=20)
    assert result.members.non_finite_members == 1 and result.loss.samples == 5
    assert result.bits[0] == pytest.approx(-math.log2(2 / 5), abs=1e-12)
    assert result.loss.mean == pytest.approx(np.mean([0.1, 0.12, 0.11, 0.13]), rel=1e-12)  # of the finite ones
    summary, = store_summary(path)
    assert summary["test_loss_mean"] == pytest.approx(np.mean([0.1, 0.12, 0.11, 0.13]), rel=1e-12)


def test_stored_predictions_feed_the_function_space_estimator(tmp_path):
    task = digits(120, 60, seed=1)
    space = ScikitLearnSpace("extra_trees", n_estimators=3)
    store = SampleStore(tmp_path / "s.db")
    run = sample_into_store(task, space, store, 24, seed=2, predictions=True)
    members = store.members(run.space_id, predictions=True)
    predictions = np.stack([m.predictions for m in members]).astype(np.float64)
    losses = np.array([m.test_loss for m in members])
    eps = [float(np.quantile(losses, 0.3))]
    direct = measure_losses(losses, eps, estimator="function-gaussian", n_bootstrap=20,
                            predictions=predictions, targets=task.Y_test)
    stored = measure_store(store, run.space_id, eps, estimator="function-gaussian", n_bootstrap=20, task=task)
    assert stored.bits[0] == pytest.approx(direct.bits[0], rel=1e-12)
    assert stored.estimator == "function-gaussian"
    # Another task's targets are refused; without a task the estimator has no predictions to use.
    with pytest.raises(InputError, match="task"):
        measure_store(store, run.space_id, eps, estimator="function-gaussian", task=digits(120, 60, seed=2))
    with pytest.raises(InputError):
        measure_store(store, run.space_id, eps, estimator="function-gaussian", n_bootstrap=20)
