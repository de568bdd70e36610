"""Sample stores that are damaged, read-only, mid-run or copied: one line or the right members
(docs/reliability.md, docs/store.md "Files")."""

import os
import shutil
import sqlite3

import numpy as np
import pytest

from inductive_bias import digits
from inductive_bias.cli.main import main
from inductive_bias.exceptions import InputError
from inductive_bias.spaces.base import Member, MemberSpace
from inductive_bias.store import SampleStore, sample_into_store


class SeedSpace(MemberSpace):
    """Members whose losses are a known function of the seed (no training: the store is tested)."""

    name = "seedfake"

    def spec(self):
        return {"space": "seedfake"}

    def train_members(self, task, seeds, *, predictions=False, progress=None):
        return [Member(s, 0.1 + (s % 997) / 1e4, 1e-4, 0.5, 0.01,
                       np.full(task.Y_test.shape, 0.5) if predictions else None) for s in seeds]


@pytest.fixture(scope="module")
def task():
    return digits(60, 40, seed=1)


def one_line(argv, capsys, expect):
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert expect in err, err
    return err


def filled(path, task, n=30, predictions=False):
    sample_into_store(task, SeedSpace(), str(path), n, predictions=predictions)
    with SampleStore(path, create=False) as store:
        return store.spaces()[0].space_id


# -- damage --------------------------------------------------------------------------------------
def test_corrupt_pages_are_one_line(tmp_path, task, capsys):
    path = tmp_path / "s.db"
    space_id = filled(path, task, n=400)
    size = path.stat().st_size
    assert size > 5 * 4096
    with open(path, "r+b") as f:  # keep page 1 (the header and schema), smash the rest
        f.seek(4096)
        f.write(b"\xff" * (size - 4096))
    one_line(["runs", "--store", str(path)], capsys, "is damaged (database disk image is malformed)")
    one_line(["measure", "--store", str(path), "--space-id", space_id], capsys, "is damaged")


def test_corrupt_rows_are_one_line(tmp_path, task, capsys):
    path = tmp_path / "s.db"
    space_id = filled(path, task, n=5, predictions=True)
    db = sqlite3.connect(path)
    db.execute("UPDATE members SET predictions = x'00112233' WHERE member_index = 3")
    db.commit()
    with SampleStore(path, create=False) as store, pytest.raises(InputError, match="member 3 .* corrupt predictions"):
        store.members(space_id, predictions=True)
    db.execute("UPDATE members SET environment = '{not json' WHERE member_index = 2")
    db.commit()
    db.close()
    one_line(["runs", "--store", str(path)], capsys, f"member 2 of space {space_id} has a corrupt environment")
    db = sqlite3.connect(path)
    db.execute("UPDATE spaces SET spec = 'spec?'")
    db.commit()
    db.close()
    one_line(["runs", "--store", str(path)], capsys, f"space {space_id} has a corrupt spec")


# -- read-only files and folders -----------------------------------------------------------------
def test_read_only_store_is_refused_before_any_training(tmp_path, capsys, monkeypatch, read_only):
    path = tmp_path / "s.db"
    filled(path, digits(60, 40, seed=1), n=3)

    def must_not_train(*args, **kwargs):
        raise AssertionError("training started on a store that cannot be written")

    monkeypatch.setattr("inductive_bias.cli.sample_cmd.sample_into_store", must_not_train)
    with read_only(path):
        one_line(["sample", "--space", "knn", "--hypotheses", "5", "--store", str(path),
                  "--n-train", "60", "--n-test", "40"], capsys, "--store: " + str(path) + " cannot be written")


@pytest.mark.parametrize("beside", [(), ("-wal", "-shm")])
def test_read_only_folder_is_read(tmp_path, task, capsys, beside, read_only):
    # The store file alone (as copied, or as a writer leaves it on close), or with the empty -wal
    # and the -shm a checkpointed run leaves beside it; the folder read-only: WAL readers need the
    # -shm file, so the first case used to fail with "unable to open database file".
    space_id = filled(tmp_path / "s.db", task, n=6)
    wal = tmp_path / "s.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed at the end of the run
    folder = tmp_path / "ro"
    folder.mkdir()
    for suffix in ("", *beside):
        shutil.copy(tmp_path / f"s.db{suffix}", folder / f"s.db{suffix}")
    path = folder / "s.db"
    before = sorted(os.listdir(folder))
    with read_only(folder):
        assert main(["runs", "--store", str(path), "--json"]) == 0
        assert f'"space_id": "{space_id}"' in capsys.readouterr().out
        with SampleStore(path, create=False) as store:
            assert len(store.members(space_id)) == 6
        assert sorted(os.listdir(folder)) == before  # nothing was created


def test_read_only_folder_with_pending_wal_says_what_to_do(tmp_path, task, read_only):
    live = tmp_path / "live.db"
    writer = SampleStore(live)  # stays open: its -wal file keeps the members
    holder = SampleStore(live, create=False)  # a reader too, so that no checkpoint empties the -wal
    sample_into_store(task, SeedSpace(), writer, 4)
    db = sqlite3.connect(live)
    db.execute("INSERT INTO members SELECT space_id, member_index + 100, seed + 1, test_loss, train_loss, "
               "test_accuracy, seconds, environment, predictions, committed FROM members")
    db.commit()
    db.close()
    folder = tmp_path / "ro"
    folder.mkdir()
    for name in ("live.db", "live.db-wal"):
        shutil.copy(tmp_path / name, folder / name)
    writer.close()
    holder.close()
    assert (folder / "live.db-wal").stat().st_size > 0
    with read_only(folder), pytest.raises(InputError, match="read-only folder and live.db-wal holds members"):
        SampleStore(folder / "live.db", create=False)


# -- checkpoint and export --------------------------------------------------------------------------
def test_run_end_checkpoints_so_the_file_alone_holds_every_member(tmp_path, task):
    path = tmp_path / "s.db"
    reader = SampleStore(path)  # an open connection: closing the writer alone would not checkpoint
    sample_into_store(task, SeedSpace(), str(path), 12)
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(path, copy / "s.db")  # the store file only, as a user copying it would
    with SampleStore(copy / "s.db", create=False) as store:
        assert len(store.members(store.spaces()[0].space_id)) == 12
    reader.close()


def test_export_copies_members_still_in_the_wal(tmp_path, task, capsys):
    path = tmp_path / "s.db"
    writer = SampleStore(path)
    writer._db.execute("PRAGMA wal_autocheckpoint=0")
    space_id = writer.open_space({"space": "seedfake"}, {"name": "t"}, 0)
    for i in range(7):
        writer.add_member(space_id, i, Member(1000 + i, 0.2, 0.01, 0.5, 0.01), {"python": "3"})
    assert (tmp_path / "s.db-wal").stat().st_size > 0
    assert main(["runs", "--store", str(path), "--export", str(tmp_path / "out.db")]) == 0
    assert "exported" in capsys.readouterr().err
    writer.close()
    assert not (tmp_path / "out.db-wal").exists()
    with SampleStore(tmp_path / "out.db", create=False) as store:
        assert [m.index for m in store.members(space_id)] == list(range(7))
    one_line(["runs", "--store", str(path), "--export", str(tmp_path / "out.db")], capsys,
             "--export: " + str(tmp_path / "out.db") + " exists")


def test_one_stored_member_is_not_a_point_mass(tmp_path, task, capsys):
    path = tmp_path / "s.db"
    space_id = filled(path, task, n=1)
    one_line(["measure", "--store", str(path), "--space-id", space_id, "-e", "0.1"], capsys,
             f"--space-id: space {space_id} in {path} holds 1 member")


def test_sample_json_states_the_reproducibility_guarantee(tmp_path, capsys):
    import json

    assert main(["sample", "--space", "random_forest", "--n-estimators", "3", "--hypotheses", "2", "--store",
                 str(tmp_path / "s.db"), "--n-train", "60", "--n-test", "40", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["reproducibility"]["bit_identical_for"].startswith("the same seed, chunk size")
    assert "1e-5" in record["reproducibility"]["across_chunk_sizes"]


def test_a_read_only_handle_refuses_writes_in_one_line(tmp_path, task):
    path = tmp_path / "s.db"
    space_id = filled(path, task, n=2)
    with SampleStore(path, create=False) as store, pytest.raises(InputError, match="cannot be written"):
        store.add_member(space_id, 5, Member(99, 0.1, 0.01, 0.5, 0.01), {"python": "3"})
