"""An embedded sample store: trained members of hypothesis spaces, one SQLite file.

Every member is committed in its own transaction as soon as it is trained (``synchronous=FULL``,
write-ahead log), so killing a run at any moment loses at most the members still in training,
never a committed one, and never leaves the file unreadable: SQLite rolls an unfinished
transaction back the next time the file is opened.

A space in a store is identified by its ``space_id``, a hash of the canonical JSON of (space spec,
task identity, run seed). Member ``i`` of a space has seed ``member_seeds(run_seed, i, 1)[0]``;
``(space_id, member_index)`` and ``(space_id, seed)`` are unique, so a member is never stored twice.

Schema (version 1)::

    spaces(space_id PK, spec, task_identity, task, run_seed, target_variance, created)
    members(space_id, member_index, seed, test_loss, train_loss, test_accuracy, seconds,
            environment, predictions, committed,
            PRIMARY KEY (space_id, member_index), UNIQUE (space_id, seed))
"""

from __future__ import annotations

from .._version import __version__

import datetime as _dt
import functools
import hashlib
import io
import json
import math
import sqlite3
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import numpy as np

from ..exceptions import InputError

__all__ = ["SampleStore", "SpaceKey", "SpaceRecord", "StoredMember", "SCHEMA_VERSION", "canonical_json",
           "space_id_for", "task_identity", "library_versions"]

SCHEMA_VERSION = 1
APPLICATION_ID = 0x49424941  # "IBIA": marks a file as an inductive-bias sample store

_SCHEMA = """
CREATE TABLE spaces (
    space_id        TEXT PRIMARY KEY,
    spec            TEXT NOT NULL,
    task_identity   TEXT NOT NULL,
    task            TEXT NOT NULL,
    run_seed        INTEGER NOT NULL CHECK (run_seed >= 0),
    target_variance REAL,
    created         TEXT NOT NULL
);
CREATE TABLE members (
    space_id      TEXT NOT NULL REFERENCES spaces (space_id),
    member_index  INTEGER NOT NULL CHECK (member_index >= 0),
    seed          INTEGER NOT NULL,
    test_loss     REAL,
    train_loss    REAL,
    test_accuracy REAL,
    seconds       REAL NOT NULL,
    environment   TEXT NOT NULL,
    predictions   BLOB,
    committed     TEXT NOT NULL,
    PRIMARY KEY (space_id, member_index),
    UNIQUE (space_id, seed)
);
"""


def canonical_json(value) -> str:
    """One text per value: sorted keys, no spaces, no NaN (identity hashes depend on it)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False, ensure_ascii=True)


def space_id_for(spec: dict, task_id: dict, run_seed: int) -> str:
    """The id of a space in a store: 16 hex digits of SHA-256 over the canonical JSON of
    (space spec, task identity, run seed)."""
    text = canonical_json({"space": spec, "task": task_id, "run_seed": int(run_seed)})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def task_identity(task) -> dict:
    """What identifies a task's data: its description without where it was read from, and a
    SHA-256 fingerprint of the four arrays (so a moved file is the same task, an edited one not)."""
    digest = hashlib.sha256()
    for array in (task.X_train, task.Y_train, task.X_test, task.Y_test):
        digest.update(repr(array.shape).encode())
        digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
    identity = {k: v for k, v in task.describe().items() if k not in ("source", "constant_mse")}
    identity["data_sha256"] = digest.hexdigest()
    return identity


def library_versions(space=None) -> dict:
    """Versions of what trained a member: Python, numpy, this package, and scikit-learn / torch
    where loaded; plus the space's device where it has one."""

    out = {"python": sys.version.split()[0], "numpy": np.__version__, "inductive_bias": __version__}
    for module, key in (("sklearn", "scikit-learn"), ("torch", "torch")):
        if module in sys.modules:
            out[key] = getattr(sys.modules[module], "__version__", "unknown")
    device = getattr(space, "device", None)
    if device is not None:
        out["device"] = str(device)
    return out


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _encode_predictions(predictions) -> bytes | None:
    """Test predictions as float32 .npy bytes, zlib-compressed (ample for a function-space
    estimator; the losses themselves are stored in float64)."""
    if predictions is None:
        return None
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(predictions, dtype=np.float32), allow_pickle=False)
    return zlib.compress(buffer.getvalue(), 6)


def _decode_predictions(blob, store: str = "", where: str = "a member") -> np.ndarray | None:
    if blob is None:
        return None
    try:
        return np.load(io.BytesIO(zlib.decompress(blob)), allow_pickle=False)
    except (zlib.error, ValueError, OSError, EOFError, TypeError) as error:
        raise InputError("store", f"{store}: {where} has a corrupt predictions blob ({error})") from None


class _damaged:
    """Turns SQLite's report of a damaged file (``database disk image is malformed``) met while
    reading or writing into one line naming the store."""

    def __init__(self, store):
        self.path = store.path

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None or not issubclass(kind, sqlite3.DatabaseError) or issubclass(kind, sqlite3.IntegrityError):
            return False
        if "readonly" in str(error):
            raise InputError("store", f"{self.path} cannot be written ({error}); every member committed before "
                                      "is kept") from None
        if any(text in str(error) for text in _WRITE_FAILURES):
            # a disk that filled up, a file made immutable or removed under a running writer
            raise InputError("store", f"{self.path} cannot be written ({error}); every member committed before "
                                      "is kept: free space (or restore write access) and run the same command "
                                      "again to resume") from None
        if isinstance(error, sqlite3.OperationalError) and "malformed" not in str(error):
            return False  # locked, busy, interrupted: not damage
        raise InputError("store", f"{self.path} is damaged ({error}); `sqlite3 {self.path} 'PRAGMA "
                                  "integrity_check'` says where; an export made before, or .recover, may "
                                  "save the rest") from None


# SQLite's words for a write that the disk or the file refused (SQLITE_FULL, SQLITE_IOERR,
# SQLITE_CANTOPEN, SQLITE_PERM), as opposed to a lock held by another process.
_WRITE_FAILURES = ("database or disk is full", "disk I/O error", "unable to open database file",
                   "access permission denied")


def _guarded(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with _damaged(self):
            return method(self, *args, **kwargs)
    return wrapper


def _row_json(text, store: str, where: str, column: str):
    try:
        return json.loads(text)
    except (TypeError, ValueError) as error:
        raise InputError("store", f"{store}: {where} has a corrupt {column} ({error})") from None


def _row_dict(text, store: str, where: str, column: str) -> dict:
    """A JSON column that must hold an object (a spec, a task): valid JSON of another type
    (``[1,2,3]``, ``null``) is as corrupt as broken JSON."""
    value = _row_json(text, store, where, column)
    if not isinstance(value, dict):
        kind = {list: "an array", str: "a string", type(None): "null", bool: "a boolean"}.get(type(value), "a number")
        raise InputError("store", f"{store}: {where} has a corrupt {column} (JSON {kind}, not an object)")
    return value


def _row_number(value, store: str, where: str, column: str, *, integer: bool = False, allow_null: bool = True):
    """A numeric column as stored: SQLite keeps text such as 'abc' in a REAL column as text."""
    if value is None and allow_null:
        return None
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if not ok or isinstance(value, bool):
        kind = "an integer" if integer else "a number"
        raise InputError("store", f"{store}: {where} has a corrupt {column} ({value!r} is not {kind})")
    return value


# The tables and columns every reader relies on (a hand-edited or truncated store may lack them).
_COLUMNS = {"spaces": ("space_id", "spec", "task_identity", "task", "run_seed", "target_variance", "created"),
            "members": ("space_id", "member_index", "seed", "test_loss", "train_loss", "test_accuracy", "seconds",
                        "environment", "predictions", "committed")}
# SQLite's INTEGER is a signed 64-bit integer: the largest run seed a store holds.
MAX_SEED = 2**63 - 1


def check_store_path(path, argument: str = "store") -> None:
    """A store file a writer can create or open, checked before any work: not empty, not a name
    ending in a separator (``out/`` would make a file ``out``), not a folder or a device, and in
    an existing folder."""
    text = str(path)
    if text == "":
        raise InputError(argument, "is empty; give a store file such as runs/store.db")
    if text == ":memory:":
        return
    if text.endswith(("/", "\\")):
        raise InputError(argument, f"{text} names a folder; give a file name such as {text}store.db")
    file = Path(text)
    if file.is_dir():
        raise InputError(argument, f"{text} is a directory, not a store file")
    if file.exists() and not file.is_file():
        raise InputError(argument, f"{text} is not a regular file (a device, pipe or socket); give a store file")
    if not file.parent.is_dir():
        raise InputError(argument, f"directory {file.parent} does not exist")


def _real(x):
    """NaN cannot be stored as REAL (SQLite makes it NULL); NULL reads back as NaN."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _unreal(x):
    return math.nan if x is None else float(x)


@dataclass(frozen=True)
class SpaceKey:
    """What identifies a space in a store: its spec, the task's identity and the run seed.

    Examples
    --------
    >>> key = SpaceKey({"space": "knn", "n_neighbors": 5}, {"name": "digits"}, 0)
    >>> key.space_id == space_id_for(key.spec, key.task, 0)
    True
    >>> key.difference(SpaceKey({"space": "knn", "n_neighbors": 3}, {"name": "digits"}, 0))
    'space.n_neighbors: 5 stored, 3 given'
    """

    spec: dict
    task: dict
    run_seed: int

    @classmethod
    def of(cls, space, task, run_seed: int) -> "SpaceKey":
        """The key of a space object trained on a :class:`Task` with this run seed."""
        return cls(space.spec(), task_identity(task), int(run_seed))

    @property
    def space_id(self) -> str:
        return space_id_for(self.spec, self.task, self.run_seed)

    def as_dict(self) -> dict:
        return {"space": self.spec, "task": self.task, "run_seed": int(self.run_seed)}

    def difference(self, other: "SpaceKey", limit: int = 4) -> str:
        """Which fields differ, this key read as the stored one and ``other`` as the given one."""
        return describe_difference(self.as_dict(), other.as_dict(), limit)


@dataclass(frozen=True)
class SpaceRecord:
    """A space held by a store: identity, and how many members it has so far."""

    space_id: str
    spec: dict
    task: dict
    task_identity: dict
    run_seed: int
    target_variance: float | None
    created: str
    members: int

    @property
    def key(self) -> SpaceKey:
        return SpaceKey(self.spec, self.task_identity, self.run_seed)


@dataclass(frozen=True)
class StoredMember:
    """One committed member (losses are MSE as in docs/method.md §1; NaN where training diverged)."""

    index: int
    seed: int
    test_loss: float
    train_loss: float
    test_accuracy: float | None
    seconds: float
    environment: dict
    committed: str
    predictions: np.ndarray | None = None


class SampleStore:
    """An embedded SQLite sample store (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The store file, or ":memory:" for a store that lives as long as this object.
    create : bool, default True
        Create the file if it does not exist. With False a missing file is an error (readers).

    Raises
    ------
    InputError ("store")
        The file cannot be opened, is not a sample store, or has another schema version.
    """

    def __init__(self, path, *, create: bool = True, read_only: bool | None = None):
        self.path = str(path)
        self.read_only = (not create) if read_only is None else bool(read_only)
        memory = self.path == ":memory:"
        if not memory:
            file = Path(self.path)
            if file.is_dir():
                raise InputError("store", f"{self.path} is a directory, not a store file")
            if file.exists() and not file.is_file():
                raise InputError("store", f"{self.path} is not a regular file (a device, pipe or socket); give a "
                                          "store file")
            if not create and not file.is_file():
                raise InputError("store", f"no such store: {self.path}")
        try:
            self._db = self._connect_read_only() if self.read_only and not memory else \
                sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        except sqlite3.Error as error:
            raise InputError("store", f"cannot open {self.path}: {error}") from None
        try:
            self._prepare(memory, create)
            if not self.read_only and not memory:
                self._check_writable()
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise InputError("store", f"{self.path} is not a readable sample store ({error})") from None
        except InputError:
            self._db.close()
            raise

    def _connect_read_only(self) -> sqlite3.Connection:
        """A reader's connection (``mode=ro``): it never writes the file, and still sees members a
        running writer commits. A WAL store in a read-only folder cannot get the ``-shm`` file
        readers share; where no ``-wal`` file holds members the main file lacks, the file cannot
        change while the folder stays read-only and is opened ``immutable`` (no locks, no -shm)."""
        file = Path(self.path).resolve()
        base = "file:" + quote(str(file)) + "?mode=ro"
        db = sqlite3.connect(base, uri=True, timeout=60.0, isolation_level=None)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.DatabaseError as error:
            db.close()
            wal = file.with_name(file.name + "-wal")
            if "unable to open" not in str(error):  # not the missing -shm of a read-only folder
                raise InputError("store", f"{self.path} is not a readable sample store ({error})") from None
            if wal.exists() and wal.stat().st_size > 0:
                raise InputError("store", f"{self.path} is in a read-only folder and {wal.name} holds members not yet "
                                          "copied into it; open it once where its folder is writable (or copy "
                                          f"{file.name}, {wal.name} and {file.name}-shm together to such a folder)"
                                 ) from None
            return sqlite3.connect(base + "&immutable=1", uri=True, isolation_level=None)

    def _check_writable(self) -> None:
        """A writer learns now, before any training, that the file or its folder (the -wal and
        -shm files live beside it) cannot be written: a write inside a transaction that is rolled back."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            finally:
                self._db.execute("ROLLBACK")
        except sqlite3.OperationalError as error:
            raise InputError("store", f"{self.path} cannot be written ({error}); give a store whose file and folder "
                                      "you can write (SQLite keeps its -wal and -shm files beside it); reading "
                                      "needs no write access (`runs`, `measure --store`)") from None

    def _prepare(self, memory: bool, create: bool) -> None:
        db = self._db
        app = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app == 0 and tables == 0:
            if not create:
                raise InputError("store", f"{self.path} is empty, not a sample store (yet)")
            if not memory:
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("BEGIN IMMEDIATE")
            try:  # another process may have created it meanwhile: look again inside the lock
                if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
                    # statement by statement: executescript would commit the open transaction
                    for statement in filter(str.strip, _SCHEMA.split(";")):
                        db.execute(statement)
                    db.execute(f"PRAGMA application_id={APPLICATION_ID}")
                    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            app = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
        if app != APPLICATION_ID:
            raise InputError("store", f"{self.path} is an SQLite file but not an inductive-bias sample store")
        if version != SCHEMA_VERSION:
            raise InputError("store", f"{self.path} has store schema version {version}; this version of "
                                      f"inductive-bias reads version {SCHEMA_VERSION}")
        for table, columns in _COLUMNS.items():
            present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            if not present:
                raise InputError("store", f"{self.path} lacks its {table} table: it is damaged or was edited by hand; "
                                          "an export made before may save it")
            missing = [c for c in columns if c not in present]
            if missing:
                raise InputError("store", f"{self.path}: its {table} table lacks the column(s) {', '.join(missing)}: "
                                          "it is damaged or was edited by hand")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")

    # -- lifetime ------------------------------------------------------------------------------
    def close(self) -> None:
        self._db.close()

    def checkpoint(self) -> None:
        """Copy every committed member from the ``-wal`` file into the store file and empty the
        -wal file, so that the store file alone holds everything (docs/store.md, "Files").
        SQLite does this by itself when the last connection closes; a killed run skips it."""
        if self.read_only or self.path == ":memory:":
            return
        with _damaged(self):
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()

    def export(self, destination) -> str:
        """A consistent copy of the store in one self-contained file (SQLite's online backup:
        members still in the -wal file included, a running writer not disturbed).

        Examples
        --------
        >>> import os, tempfile
        >>> folder = tempfile.mkdtemp()
        >>> with SampleStore(os.path.join(folder, "a.db")) as store:
        ...     _ = store.export(os.path.join(folder, "copy.db"))
        >>> SampleStore(os.path.join(folder, "copy.db"), create=False).spaces()
        []
        """
        if str(destination) == "" or str(destination).endswith(("/", "\\")):
            raise InputError("export", f"{str(destination)!r} is not a file name; give a new file such as "
                                       "runs/copy.db")
        target = Path(destination)
        if target.exists():
            raise InputError("export", f"{target} exists; give a new file name (an export never overwrites)")
        if not target.parent.is_dir():
            raise InputError("export", f"{target.parent} is not a folder")
        try:
            copy = sqlite3.connect(str(target))
        except sqlite3.Error as error:
            raise InputError("export", f"cannot create {target}: {error}") from None
        try:
            with _damaged(self):
                self._db.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        except sqlite3.OperationalError as error:
            copy.close()
            target.unlink(missing_ok=True)
            raise InputError("export", f"cannot write {target}: {error}") from None
        copy.close()
        return str(target)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return f"SampleStore({self.path!r})"

    def _write(self, sql: str, parameters=()) -> None:
        """One statement in its own transaction, committed durably before returning."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(sql, parameters)
            self._db.execute("COMMIT")
        except BaseException:
            # SQLite has already rolled back after a full disk or an I/O error; a second error
            # from ROLLBACK ("no transaction is active") would hide the first.
            if self._db.in_transaction:
                try:
                    self._db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            raise

    # -- spaces --------------------------------------------------------------------------------
    @_guarded
    def open_space(self, spec: dict, task_id: dict, run_seed: int, *, task_info: dict | None = None,
                   target_variance: float | None = None) -> str:
        """The space_id of (spec, task, run seed), registered in the store if new.

        A stored space with this id whose identity differs (a hash collision, or a hand-edited
        store) is refused rather than mixed with new members.
        """
        if not 0 <= int(run_seed) <= MAX_SEED:
            raise InputError("seed", f"must be an integer from 0 to {MAX_SEED} (the largest integer a store "
                                     f"holds); got {run_seed}")
        space_id = space_id_for(spec, task_id, run_seed)
        row = self._db.execute("SELECT spec, task_identity, run_seed FROM spaces WHERE space_id = ?",
                               (space_id,)).fetchone()
        if row is None:
            try:
                self._write("INSERT INTO spaces VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (space_id, canonical_json(spec), canonical_json(task_id),
                             canonical_json(task_info if task_info is not None else task_id), int(run_seed),
                             target_variance, _now()))
            except sqlite3.IntegrityError:  # registered by another process meanwhile
                pass
            row = self._db.execute("SELECT spec, task_identity, run_seed FROM spaces WHERE space_id = ?",
                                   (space_id,)).fetchone()
        stored = {"space": json.loads(row[0]), "task": json.loads(row[1]), "run_seed": row[2]}
        given = {"space": spec, "task": task_id, "run_seed": int(run_seed)}
        if canonical_json(stored) != canonical_json(given):
            raise InputError("space_id", f"{space_id} in {self.path} was stored for another spec "
                                         f"({describe_difference(stored, given)}); refusing to mix members")
        return space_id

    @_guarded
    def spaces(self, task=None) -> list[SpaceRecord]:
        """Every stored space, in the order they were registered; with ``task``, those trained on it."""
        rows = self._db.execute(
            "SELECT s.space_id, s.spec, s.task, s.task_identity, s.run_seed, s.target_variance, s.created, "
            "(SELECT count(*) FROM members m WHERE m.space_id = s.space_id) FROM spaces s ORDER BY s.rowid").fetchall()
        records = []
        for r in rows:
            where = f"space {r[0]}"
            run_seed = _row_number(r[4], self.path, where, "run seed", integer=True, allow_null=False)
            variance = _row_number(r[5], self.path, where, "target variance")
            if variance is not None and not (math.isfinite(variance) and variance >= 0):
                raise InputError("store", f"{self.path}: {where} has a corrupt target variance ({variance!r}; a "
                                          "variance is finite and >= 0)")
            records.append(SpaceRecord(r[0], *(_row_dict(r[i], self.path, where, column)
                                               for i, column in ((1, "spec"), (2, "task"), (3, "task identity"))),
                                       run_seed, variance, r[6], r[7]))
        if task is not None:
            identity = task_identity(task)
            records = [r for r in records if r.task_identity == identity]
        return records

    def space(self, space_id: str) -> SpaceRecord:
        """The stored space with this id (a unique prefix of at least 4 digits is accepted)."""
        space_id = str(space_id)
        matches = [s for s in self.spaces() if s.space_id == space_id] or \
                  ([s for s in self.spaces() if s.space_id.startswith(space_id)] if len(space_id) >= 4 else [])
        if len(matches) != 1:
            known = ", ".join(s.space_id for s in self.spaces()) or "none"
            what = "matches several spaces" if matches else "is not"
            raise InputError("space_id", f"{space_id!r} {what} in {self.path} (it holds: {known})")
        return matches[0]

    def resolve(self, space_id: str, task=None) -> SpaceRecord:
        """The stored space with this id or unique prefix (>= 4 digits); with ``task``, also
        checks that the space was trained on that task."""
        record = self.space(space_id)
        if task is not None and task_identity(task) != record.task_identity:
            given = task_identity(task)
            # the settings that differ, else (the same settings, other data) the fingerprint
            strip = {k: v for k, v in record.task_identity.items() if k != "data_sha256"}
            differs = describe_difference(strip, {k: v for k, v in given.items() if k != "data_sha256"}, limit=3)
            if differs == "no difference":
                differs = "the same settings but other data: " + describe_difference(record.task_identity, given)
            raise InputError("task", f"the task given (the task flags, or their defaults where none is given) is not "
                                     f"the one space {record.space_id} was trained on ({differs}); give that "
                                     f"task's flags, as `inductive-bias runs --store {self.path}` shows them")
        return record

    def find(self, space, task, run_seed: int) -> SpaceRecord:
        """The stored space for this space object, task and run seed; where there is none, the
        error names the nearest stored space of the same kind and how it differs."""
        key = SpaceKey.of(space, task, run_seed)
        records = self.spaces()
        for record in records:
            if record.space_id == key.space_id:
                return record
        same_kind = [r for r in records if r.spec.get("space") == key.spec.get("space")]
        if not same_kind:
            nearest = "; `inductive-bias runs` lists what it holds"
        else:
            closest = min(same_kind, key=lambda r: len(r.key.difference(key, limit=99).split("; ")))
            nearest = f"; the nearest, {closest.space_id}, differs in {closest.key.difference(key, limit=3)}"
        raise InputError("store", f"{self.path} holds no space with these flags and run seed {key.run_seed} "
                                  f"(its id would be {key.space_id}){nearest}")

    # -- members -------------------------------------------------------------------------------
    @_guarded
    def member_indices(self, space_id: str) -> set[int]:
        return {r[0] for r in self._db.execute("SELECT member_index FROM members WHERE space_id = ?", (space_id,))}

    @_guarded
    def add_member(self, space_id: str, index: int, member, environment: dict) -> bool:
        """Commit one member (its own transaction, durable on return). Returns False, storing
        nothing, where another process committed the same member meanwhile."""
        try:
            self._write("INSERT INTO members VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (space_id, int(index), int(member.seed), _real(member.test_loss), _real(member.train_loss),
                         _real(member.test_accuracy), float(member.seconds), canonical_json(environment),
                         _encode_predictions(member.predictions), _now()))
        except sqlite3.IntegrityError:
            row = self._db.execute("SELECT seed FROM members WHERE space_id = ? AND member_index = ?",
                                   (space_id, int(index))).fetchone()
            if row is not None and row[0] == int(member.seed):
                return False
            raise InputError("seed", f"member {index} of space {space_id} clashes with a stored member "
                                     f"(seed {member.seed}); the store refuses duplicate seeds") from None
        return True

    @_guarded
    def has_predictions(self, space_id: str) -> bool:
        """Whether every stored member of the space has its test predictions (and there is one)."""
        total, with_predictions = self._db.execute(
            "SELECT count(*), count(predictions) FROM members WHERE space_id = ?", (space_id,)).fetchone()
        return total > 0 and total == with_predictions

    @_guarded
    def members(self, space_id: str, *, predictions: bool = False, limit: int | None = None) -> list[StoredMember]:
        """Committed members of a space in index order (the first ``limit`` of them)."""
        columns = "member_index, seed, test_loss, train_loss, test_accuracy, seconds, environment, committed"
        if predictions:
            columns += ", predictions"
        sql = f"SELECT {columns} FROM members WHERE space_id = ? ORDER BY member_index"
        parameters: tuple = (space_id,)
        if limit is not None:
            sql += " LIMIT ?"
            parameters += (int(limit),)
        out = []
        for r in self._db.execute(sql, parameters):
            where = f"member {r[0]} of space {space_id}"
            _row_number(r[1], self.path, where, "seed", integer=True, allow_null=False)
            for value, column in ((r[2], "test loss"), (r[3], "train loss"), (r[4], "test accuracy")):
                _row_number(value, self.path, where, column)
            _row_number(r[5], self.path, where, "seconds", allow_null=False)
            out.append(StoredMember(r[0], r[1], _unreal(r[2]), _unreal(r[3]), r[4], r[5],
                                    _row_json(r[6], self.path, where, "environment"), r[7],
                                    _decode_predictions(r[8], self.path, where) if predictions else None))
        return out

    def samples(self, space_id: str, *, predictions: bool = False, limit: int | None = None):
        """The committed members of a space as one :class:`~inductive_bias.spaces.HypothesisSamples`
        (member order; the first ``limit``), predictions included where asked for and stored by
        every member."""
        from ..spaces.base import HypothesisSamples

        record = self.space(space_id)
        members = self.members(record.space_id, predictions=predictions, limit=limit)
        preds = [m.predictions for m in members] if predictions else []
        return HypothesisSamples(
            losses=np.array([m.test_loss for m in members], dtype=np.float64),
            train_losses=np.array([m.train_loss for m in members], dtype=np.float64),
            predictions=(np.stack(preds).astype(np.float64) if preds and all(p is not None for p in preds) else None),
            seeds=tuple(m.seed for m in members), test_accuracy=tuple(m.test_accuracy for m in members),
            task_identity=record.task_identity)

    @_guarded
    def integrity_check(self) -> str:
        """SQLite's own check of the file: "ok" for a sound store."""
        return "; ".join(r[0] for r in self._db.execute("PRAGMA integrity_check"))


def describe_difference(stored: dict, given: dict, limit: int = 4) -> str:
    """Which fields of two identities differ, e.g. "space.epochs: 20 stored, 10 given"."""
    diffs = []

    def walk(a, b, prefix):
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                walk(a.get(key, "(absent)"), b.get(key, "(absent)"), f"{prefix}{key}.")
        elif canonical_json(a) != canonical_json(b):
            shown = [json.dumps(v) if not isinstance(v, str) else v for v in (a, b)]
            shown = [s if len(s) <= 24 else s[:21] + "..." for s in shown]
            diffs.append(f"{prefix[:-1]}: {shown[0]} stored, {shown[1]} given")

    walk(stored, given, "")
    more = f", and {len(diffs) - limit} more" if len(diffs) > limit else ""
    return "; ".join(diffs[:limit]) + more if diffs else "no difference"
