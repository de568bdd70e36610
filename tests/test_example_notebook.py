"""docs/example.ipynb runs from top to bottom in a fresh kernel, its tables are data frames from
``to_frame()``, and the outputs stored in the file are the ones it gives."""

import copy
import os
import re
from pathlib import Path

import numpy as np
import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("pandas")

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "example.ipynb"
NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]\d+)?|-?inf")


def _plain(cell) -> str:
    return "".join(o.get("data", {}).get("text/plain", "") for o in cell.get("outputs", ()))


@pytest.mark.slow
def test_the_example_notebook_runs_and_its_stored_outputs_are_real(monkeypatch):
    stored = nbformat.read(NOTEBOOK, as_version=4)
    fresh = copy.deepcopy(stored)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    if os.environ.get("PYTHONPATH"):  # the kernel starts in docs/: a relative path would point elsewhere
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(os.path.abspath(p) for p in
                                                          os.environ["PYTHONPATH"].split(os.pathsep) if p))
    nbclient.NotebookClient(fresh, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()

    code = [(a, b) for a, b in zip(stored.cells, fresh.cells) if a.cell_type == "code"]
    frames = [(a, b) for a, b in code if ".to_frame(" in a.source]
    assert len(frames) >= 4
    for old, new in frames:
        html = "".join(o.get("data", {}).get("text/html", "") for o in new.outputs)
        assert 'class="dataframe"' in html, new.source  # a pandas table, drawn by pandas
        # the same rows and numbers as the stored output; pandas prints 6 significant digits, and a
        # figure that moved in its 4th digit would be a change of results, not of rounding
        before, after = NUMBER.findall(_plain(old)), NUMBER.findall(_plain(new))
        assert len(before) == len(after) and before, new.source
        assert np.allclose(np.array(after, dtype=float), np.array(before, dtype=float), rtol=1e-3, equal_nan=True)
    assert all(o.get("output_type") != "error" for _, b in code for o in b.outputs)
    task = next(b for a, b in code if a.source.rstrip().endswith("task"))
    assert "<table" in "".join(o.get("data", {}).get("text/html", "") for o in task.outputs)
