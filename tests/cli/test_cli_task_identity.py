"""Every field of a task's identity is shown: `runs` (table and JSON), the `sample` and `measure`
task lines, so that a permuted and an unpermuted task never look the same."""

import json

from inductive_bias.cli.main import main

TASK = ["--data", "digits", "--n-train", "40", "--n-test", "30"]


def test_runs_and_the_task_lines_tell_a_permuted_task_apart(tmp_path, capsys):
    store = str(tmp_path / "s.db")
    lines = []
    for extra in ([], ["--permute-features"]):
        assert main(["sample", *TASK, *extra, "--space", "decision_tree", "--hypotheses", "2", "--store", store,
                     "--quiet"]) == 0
        out = capsys.readouterr().out
        lines.append(next(line for line in out.splitlines() if line.startswith("task ")))
    assert "features permuted" in lines[1] and "features permuted" not in lines[0]
    assert "seed 0" in lines[0] and "split uniform random" in lines[0]

    assert main(["runs", "--store", store, "--json"]) == 0
    spaces = json.loads(capsys.readouterr().out)
    assert [s["permute_features"] for s in spaces] == [False, True]
    assert spaces[1]["task_identity"]["permuted_features"] is True and spaces[1]["task_identity"]["seed"] == 0
    assert main(["runs", "--store", store]) == 0
    table = capsys.readouterr().out
    assert table.count("task digits: 40 train / 30 test") == 2 and table.count("features permuted") == 1

    assert main(["measure", *TASK, "--permute-features", "--space", "gp", "-e", "0.09"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("task   digits: 40 train / 30 test") and "features permuted" in first
