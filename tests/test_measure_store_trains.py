"""``measure_store`` and ``measure --store`` train the members ``hypotheses`` asks for beyond those
stored, through the one store runner (as ``sample`` does), reuse them on the next call, and say in
one line why where they cannot."""

import json
import sqlite3

import pytest

from inductive_bias import GaussianProcess, SampleStore, ScikitLearnSpace, digits, measure_store, sample_into_store
from inductive_bias.cli.main import main
from inductive_bias.exceptions import InputError
from inductive_bias.measuring import stored as stored_module

ARGS = {"n_train": 120, "n_test": 80, "seed": 5}
CLI_TASK = ["--data", "digits", "--n-train", "120", "--n-test", "80", "--task-seed", "5"]
FOREST = ["--space", "random_forest", "--n-estimators", "3"]
EPS = [0.05, 0.06]


@pytest.fixture(scope="module")
def task():
    return digits(**ARGS)


@pytest.fixture
def runs(monkeypatch):
    """Every store run measure_store starts: (members asked for, members it trained)."""
    seen = []
    real = stored_module.sample_into_store

    def spy(*args, **kwargs):
        run = real(*args, **kwargs)
        seen.append((run.requested, run.trained))
        return run

    monkeypatch.setattr(stored_module, "sample_into_store", spy)
    return seen


def _committed(path) -> dict:
    """{member index: commit time}: a member trained again would be committed anew."""
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT member_index, committed FROM members"))


def _figures(result) -> dict:
    d = result.to_dict()
    return {"results": d["results"], "loss": d["loss"], "test_losses": d["members"]["test_losses"],
            "train_losses": d["members"]["train_losses"], "run_seed": d["members"]["run_seed"],
            "space_id": d["members"]["space_id"]}


def test_trains_the_missing_members_then_reuses_them(tmp_path, task, runs):
    space = ScikitLearnSpace("random_forest", n_estimators=3)
    path = tmp_path / "new.db"  # no file yet: made by the training
    first = measure_store(path, None, EPS, space=space, task=task, hypotheses=6, seed=3, n_bootstrap=20)
    assert runs == [(6, 6)] and first.members.members == 6 and first.members.run_seed == 3
    assert first.timings["sample"] > 0
    stamps = _committed(path)
    assert sorted(stamps) == list(range(6))

    again = measure_store(path, None, EPS, space=space, task=task, hypotheses=6, seed=3, n_bootstrap=20)
    assert runs == [(6, 6)] and _committed(path) == stamps  # nothing trained again
    assert _figures(again) == _figures(first) and "sample" not in again.timings

    more = measure_store(path, first.members.space_id, EPS, task=task, hypotheses=8, n_bootstrap=20, seed=3)
    assert runs[-1] == (8, 2) and len(_committed(path)) == 8  # by id: rebuilt from its spec, run seed 3 kept
    assert {i: stamps[i] for i in range(6)} == {i: _committed(path)[i] for i in range(6)}

    # the same members and figures as `sample` then measuring the store
    other = tmp_path / "sampled.db"
    run = sample_into_store(task, space, other, 8, 3)
    assert run.space_id == first.members.space_id
    sampled = measure_store(other, run.space_id, EPS, n_bootstrap=20, seed=3, task=task)
    assert _figures(sampled) == _figures(more)


def test_why_it_cannot_train(tmp_path, task):
    space = ScikitLearnSpace("random_forest", n_estimators=3)
    path = tmp_path / "s.db"
    sid = sample_into_store(task, space, path, 2, 0).space_id
    cases = [
        (dict(space=GaussianProcess("rbf", 1.0), task=task, hypotheses=4), "space", "is not a trained space"),
        (dict(space=space, hypotheses=4), "task", "needed with a space"),
        (dict(space=space, task=task, hypotheses=4, seed=1.5), "seed", "non-negative integer run seed"),
        (dict(space_id=sid, hypotheses=4), "task", f"space {sid} holds 2 of the 4 members asked for; training"),
        (dict(space_id=sid, space=ScikitLearnSpace("random_forest", n_estimators=4), task=task, hypotheses=4),
         "space_id", "was stored for another spec than these flags (space.n_estimators: 3 stored, 4 given)"),
        (dict(space_id=sid, task=digits(100, 80, seed=5), hypotheses=4), "task", "is not the one space"),
        (dict(space=ScikitLearnSpace("random_forest", n_estimators=4), task=task), "store",
         "holds no space with these flags and run seed 0 (its id would be"),
    ]
    for kwargs, argument, message in cases:
        with pytest.raises(InputError) as caught:
            measure_store(path, kwargs.pop("space_id", None), EPS, **kwargs)
        assert caught.value.argument == argument and message in caught.value.detail, (kwargs, caught.value)
    with pytest.raises(InputError, match="store: no such store: .*ask for N members"):
        measure_store(tmp_path / "none.db", None, EPS, space=space, task=task)
    assert not (tmp_path / "none.db").exists()
    with SampleStore(path, create=False) as reader, pytest.raises(InputError, match="open read-only and space"):
        measure_store(reader, sid, EPS, task=task, hypotheses=4)
    with SampleStore(path) as writer:  # an open, writable store is trained into as well
        assert measure_store(writer, sid, EPS, task=task, hypotheses=3).members.members == 3


def _cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_trains_what_hypotheses_asks_for(tmp_path, capsys):
    store = str(tmp_path / "new.db")
    common = ["-e", "0.05", "0.06", "--seed", "3", "--bootstrap", "20", "--json"]
    code, out, err = _cli(capsys, "measure", "--store", store, *CLI_TASK, *FOREST, "--hypotheses", "6", *common)
    assert code == 0, err
    first = json.loads(out)
    assert first["members"]["members"] == 6 and len(_committed(store)) == 6
    stamps = _committed(store)
    code, out, _ = _cli(capsys, "measure", "--store", store, *CLI_TASK, *FOREST, "--hypotheses", "6", *common)
    assert code == 0 and _committed(store) == stamps and json.loads(out)["results"] == first["results"]

    sid = first["members"]["space_id"]
    code, out, err = _cli(capsys, "measure", "--store", store, "--space-id", sid, *CLI_TASK, "--hypotheses", "8",
                          *common)
    assert code == 0, err
    by_id = json.loads(out)
    assert by_id["members"]["members"] == 8 and len(_committed(store)) == 8

    sampled = str(tmp_path / "sampled.db")
    code, _, err = _cli(capsys, "sample", *CLI_TASK, *FOREST, "--hypotheses", "8", "--seed", "3", "--store", sampled)
    assert code == 0, err
    code, out, _ = _cli(capsys, "measure", "--store", sampled, "--space-id", sid, *common)
    assert code == 0 and json.loads(out)["results"] == by_id["results"]
    assert json.loads(out)["members"]["test_losses"] == by_id["members"]["test_losses"]


@pytest.mark.parametrize("argv, message", [
    (["--store", "{new}", *CLI_TASK, *FOREST],
     "--store: no such store: {new}; ask for N members (--hypotheses N) to train them into a new one"),
    (["--store", "{new}", *CLI_TASK, "--space", "nngp", "--hypotheses", "4"],
     "--store: --space nngp is measured exactly; a sample store holds trained spaces"),
    (["--store", "{new}", *CLI_TASK, "--space", "gp", "--hypotheses", "4"],
     "--space: a sample store holds trained spaces"),
    (["--store", "{dir}/missing/s.db", *CLI_TASK, *FOREST, "--hypotheses", "4"], "does not exist"),
])
def test_cli_says_why_not(tmp_path, capsys, argv, message):
    names = {"new": str(tmp_path / "new.db"), "dir": str(tmp_path)}
    code, _, err = _cli(capsys, "measure", *[a.format(**names) for a in argv])
    assert code == 2 and message.format(**names) in err and err.count("\n") == 1, err
    assert not (tmp_path / "new.db").exists()
