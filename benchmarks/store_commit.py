"""What committing every member in its own durable transaction costs.

Commits 200 members (with and without compressed test predictions) to a fresh store, one
transaction each with synchronous=FULL, and times the training of one scikit-learn member in the
same run, printing medians and the ratio.

    python benchmarks/store_commit.py
"""

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from inductive_bias import digits
from inductive_bias.store import SampleStore, task_identity
from inductive_bias.spaces.base import Member
from inductive_bias.spaces.sklearn_models import ScikitLearnSpace


def commit_times(task, predictions: bool, count: int = 200) -> list:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder, SampleStore(Path(folder) / "bench.db") as store:
        sid = store.open_space({"space": "bench", "predictions": predictions}, task_identity(task), 0)
        times = []
        for i in range(count):
            pred = rng.random(task.Y_test.shape) if predictions else None
            member = Member(seed=i, test_loss=0.1, train_loss=0.01, test_accuracy=0.9, seconds=1.0, predictions=pred)
            tic = time.perf_counter()
            store.add_member(sid, i, member, {"python": "3"})
            times.append(time.perf_counter() - tic)
    return times


def main():
    task = digits()
    plain = statistics.median(commit_times(task, False))
    with_predictions = statistics.median(commit_times(task, True))
    space = ScikitLearnSpace("random_forest", n_estimators=50)
    training = statistics.median(m.seconds for m in space.train_members(task, [1, 2, 3, 4, 5]))
    print(f"median commit, losses only:                {plain * 1e3:8.2f} ms")
    print(f"median commit, with (500, 10) predictions: {with_predictions * 1e3:8.2f} ms")
    print(f"median training, random_forest 50 trees:   {training * 1e3:8.1f} ms")
    print(f"commit / training: {plain / training:.4f} (losses only), {with_predictions / training:.4f} (predictions)")


if __name__ == "__main__":
    main()
