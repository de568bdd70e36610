"""What a sample store holds, one summary per space (``inductive-bias runs``)."""

from __future__ import annotations

import numpy as np

from ..tasks.task import task_line
from .sample_store import SampleStore

__all__ = ["store_summary", "spec_summary"]


def spec_summary(spec: dict) -> str:
    """``mlp hidden=[256,256] epochs=20 ...``: the space name and its settings, short."""
    shown = []
    for key, value in spec.items():
        if key in ("space", "deterministic") or value is None:
            continue
        if isinstance(value, list):
            value = "[" + ",".join(map(str, value)) + "]"
        shown.append(f"{key}={value}")
    name = spec.get("space", "?") + (" (point mass)" if spec.get("deterministic") else "")
    return " ".join([name, *shown])


def _mean(values):
    values = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(values)) if values else None


def store_summary(store) -> list[dict]:
    """One dict per stored space: id, spec, task, run seed, member count and index range, missing
    indices below the highest, mean test/train loss and accuracy, seconds of training, versions."""
    own = not isinstance(store, SampleStore)
    if own:
        store = SampleStore(store, create=False)
    try:
        out = []
        for record in store.spaces():
            members = store.members(record.space_id)
            indices = [m.index for m in members]
            environments = {tuple(sorted(m.environment.items())) for m in members}
            out.append({
                "space_id": record.space_id,
                "space": record.spec,
                "summary": spec_summary(record.spec),
                "task": record.task.get("name"),
                "task_shape": [record.task.get("n_train"), record.task.get("n_test")],
                # every field of the task's identity, so that a permuted and an unpermuted task differ
                "task_identity": dict(record.task),
                "permute_features": bool(record.task.get("permuted_features", False)),
                "task_line": task_line(record.task),
                "run_seed": record.run_seed,
                "members": len(members),
                "first_index": min(indices) if indices else None,
                "last_index": max(indices) if indices else None,
                "missing_below_last": (max(indices) + 1 - len(indices)) if indices else 0,
                "test_loss_mean": _mean([m.test_loss for m in members]),
                "train_loss_mean": _mean([m.train_loss for m in members]),
                "test_accuracy_mean": _mean([m.test_accuracy for m in members]),
                "train_seconds": float(sum(m.seconds for m in members)),
                "environments": [dict(e) for e in sorted(environments)],
                "created": record.created,
                "last_committed": max((m.committed for m in members), default=None),
            })
        return out
    finally:
        if own:
            store.close()
