"""Experiments (issue schema, resumption, relative bits, sweeps, bad keys) and their relative-bits
arithmetic, checked against closed forms."""

import json
import math

import numpy as np
import pytest

from inductive_bias import Experiment, InputError
from inductive_bias.cli.main import main
from inductive_bias.experiment import relative_bits
from inductive_bias.experiment.grid import default_grid

# The schema on a tiny task: digits 100/100, 16 members of a small MLP and forest.
# fitted_only = false: 5 epochs do not fit the data (docs/method.md §8), and this test is about the plumbing.
SCHEMA = """
[task]
data = "digits"
n_train = 100
n_test = 100
seed = 0

[measure]
target_error = [0.06, 0.04, 0.03]
hypotheses = 16
seed = 0
baseline = "gp"
fitted_only = false
bootstrap = 20

[[space]]
name = "gp"
space = "gp"
kernel = "laplace"
lengthscale = "median"

[[space]]
name = "mlp"
space = "mlp"
hidden = [16]
epochs = 5

[[space]]
name = "forest"
space = "random_forest"
n_estimators = 4
"""


def _run_cli(tmp_path, capsys, text, *extra):
    path = tmp_path / "experiment.toml"
    path.write_text(text)
    code = main(["experiment", str(path), "--store", str(tmp_path / "store.db"), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The schema run twice through the CLI on one store: the second run must train nothing."""
    tmp = tmp_path_factory.mktemp("experiment")
    path = tmp / "experiment.toml"
    path.write_text(SCHEMA)
    outputs = []
    import contextlib
    import io

    for _ in range(2):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            code = main(["experiment", str(path), "--store", str(tmp / "store.db"), "--json",
                         "--report", str(tmp / "report.html")])
        assert code == 0
        outputs.append(json.loads(buffer.getvalue()))
    return outputs, tmp


def test_schema_runs_and_reports_every_space(two_runs):
    first = two_runs[0][0]
    names = [s["name"] for s in first["spaces"]]
    assert names == ["gp", "mlp", "forest"]
    gp, mlp, forest = first["spaces"]
    assert gp["estimator"] == "exact" and gp["members"] is None and gp["fit_share"] is None
    assert gp["members_trained"] is None
    for space in (mlp, forest):
        assert space["members"] == 16 and space["members_trained"] == 16
        assert 0.0 <= space["fit_share"] <= 1.0 and space["members_used"] == 16
        assert [r["target_error"] for r in space["results"]] == [0.06, 0.04, 0.03]
        assert space["space_id"]
    assert first["target_errors"] == [0.06, 0.04, 0.03] and first["target_error_rule"] == "given"
    assert {(r["space"], r["baseline"]) for r in first["relative"]} == {("mlp", "gp"), ("forest", "gp")}
    assert len(first["relative"]) == 6


def test_second_run_trains_nothing_and_gives_the_same_bits(two_runs):
    first, second = two_runs[0]
    assert [s["members_trained"] for s in second["spaces"]] == [None, 0, 0]
    assert second["members_trained"] == 0
    for a, b in zip(first["spaces"], second["spaces"]):
        assert a["space_id"] == b["space_id"]
        assert [r["bits"] for r in a["results"]] == [r["bits"] for r in b["results"]]


def test_relative_bits_are_the_difference_of_the_per_space_bits(two_runs):
    data = two_runs[0][0]
    bits = {s["name"]: {r["target_error"]: r for r in s["results"]} for s in data["spaces"]}
    compared = 0
    for row in data["relative"]:
        base, space = bits[row["baseline"]][row["target_error"]], bits[row["space"]][row["target_error"]]
        if base["bits"] is None or space["bits"] is None:
            continue
        compared += 1
        low, high = (math.inf if v is None else v for v in row["interval"])
        s_low, s_high = (math.inf if v is None else v for v in space["interval"])
        if space["kind"] == "bound":
            # I_space > s_low only: the baseline (exact) needs at most base - s_low more bits
            assert row["kind"] == "at most" and row["bits"] == pytest.approx(base["bits"] - s_low, rel=1e-12)
            continue
        assert row["kind"] == "difference"
        assert row["bits"] == pytest.approx(base["bits"] - space["bits"], rel=1e-12, abs=1e-9)
        assert low <= row["bits"] <= high
        # the baseline is exact (no interval): the difference's interval is the space's, reflected
        assert low == pytest.approx(base["bits"] - s_high, rel=1e-9, abs=1e-9)
        assert high == pytest.approx(base["bits"] - s_low, rel=1e-9, abs=1e-9)
    assert compared >= 2


def test_the_report_is_written_beside_the_json(two_runs):
    tmp = two_runs[1]
    assert (tmp / "report.html").is_file() and (tmp / "report.csv").is_file()


def test_relative_interval_is_the_root_sum_of_squares_for_symmetric_intervals():
    # two normal estimates with standard errors 1 and 2 and 95% intervals ±1.96 se: the
    # difference's standard error is sqrt(1 + 4) (independent), so its interval is ±1.96 sqrt(5)
    z = 1.959963984540054
    d, (low, high), _ = relative_bits(10.0, (10 - z, 10 + z), 4.0, (4 - 2 * z, 4 + 2 * z))
    assert d == 6.0
    assert low == pytest.approx(6 - z * math.sqrt(5), rel=1e-12)
    assert high == pytest.approx(6 + z * math.sqrt(5), rel=1e-12)


def test_relative_interval_keeps_asymmetry_and_exact_figures():
    # an exact baseline (no interval): the space's interval, reflected
    assert relative_bits(10.0, None, 4.0, (3.0, 7.0)) == (6.0, (3.0, 7.0), "difference")
    # +inf for the space (an exact law nothing reaches): minus infinity, an interval unbounded below
    d, (low, high), _ = relative_bits(10.0, None, math.inf, (12.0, math.inf))
    assert d == -math.inf and low == -math.inf and high == pytest.approx(-2.0)
    # neither reaches: undefined
    d, interval, kind = relative_bits(math.inf, None, math.inf, None)
    assert math.isnan(d) and interval is None and kind == "undefined"


def test_relative_bits_with_a_bound_are_a_bound():
    # the space's figure is a lower bound (none of its members reaches ε): I_A > 6, so
    # I_B - I_A < 11 - 6 (the baseline's upper end): at most 5 bits fewer than the baseline
    assert relative_bits(10.0, (9.0, 11.0), 6.0, (6.0, math.inf), space_kind="bound") == \
        (5.0, (-math.inf, 5.0), "at most")
    # the baseline is the bound: I_B > 8, so I_B - I_A > 8 - 5 = 3 (the space's upper end 5)
    assert relative_bits(8.0, (8.0, math.inf), 4.0, (3.0, 5.0), baseline_kind="bound") == \
        (3.0, (3.0, math.inf), "at least")
    # both bounds: nothing is known
    d, interval, kind = relative_bits(8.0, (8.0, math.inf), 6.0, (6.0, math.inf), baseline_kind="bound",
                                      space_kind="bound")
    assert math.isnan(d) and interval is None and kind == "undefined"


def test_relative_interval_never_excludes_its_point():
    # a point at an end of its interval (a count of the whole sample, a one-sided model interval)
    d, (low, high), _ = relative_bits(10.0, (10.0, 11.0), 4.0, (3.0, 4.0))
    assert low <= d <= high


def test_relative_interval_coverage_by_monte_carlo():
    # MOVER on two independent normal means: the 95% interval should cover the true difference
    # about 95% of the time; 2000 repetitions give a standard error of 0.5%, so 93%..97% is a
    # 4-sigma band.
    rng = np.random.default_rng(0)
    z, covered, reps = 1.959963984540054, 0, 2000
    for _ in range(reps):
        a, b = rng.normal(3.0, 0.5), rng.normal(5.0, 1.5)
        _, (low, high), _ = relative_bits(b, (b - z * 1.5, b + z * 1.5), a, (a - z * 0.5, a + z * 0.5))
        covered += low <= 2.0 <= high
    assert 0.93 <= covered / reps <= 0.97


def test_default_grid_is_rungs_of_the_task_ladder_spanning_every_space_range():
    grid, rule = default_grid([(0.02, 0.05), (0.01, 0.03), (0.2, 0.4)], 5, reference=0.4)
    assert grid[0] == pytest.approx(0.4) and grid[-1] >= 0.01 and len(grid) <= 5
    ratios = grid[:-1] / grid[1:]
    assert np.allclose(ratios, ratios[0], rtol=0.01)  # rungs 0.4 · 2^(-j/2), every 2nd: ratio 2
    assert "constant predictor" in rule
    # the same task (reference) gives the same rungs whatever the spaces: a rung of one grid is a rung
    # of the other
    other, _ = default_grid([(0.05, 0.3)], 8, reference=0.4)
    ladder = {float(f"{0.4 * 2 ** (-j / 2):.3g}") for j in range(40)}
    assert set(grid) <= ladder and set(other) <= ladder


def test_sweeps_name_one_space_per_value_and_pair_with_the_baseline_on_the_same_task(tmp_path):
    experiment = Experiment.from_toml("""
[task]
data = "digits"
n_train = 60
n_test = 40
[measure]
hypotheses = 4
target_error = [0.2]
bootstrap = 20
fitted_only = false   # depth-limited bootstrapped trees do not fit; here every member is used
[[space]]
name = "gp"
kernel = "rbf"
lengthscale = "median"
[[space]]
name = "forest"
space = "random_forest"
n_estimators = 2
[[sweep]]
space = "forest"
parameter = "max_depth"
values = [2, 4]
[[sweep]]
parameter = "n_train"
values = [40, 60]
""")
    names = [p.name for p in experiment.plan.spaces]
    assert names == ["gp[n_train=40]", "gp[n_train=60]", "forest[max_depth=2][n_train=40]",
                     "forest[max_depth=2][n_train=60]", "forest[max_depth=4][n_train=40]",
                     "forest[max_depth=4][n_train=60]"]
    assert [t.n_train for t in experiment.tasks] == [40, 60, 40, 60, 40, 60]
    assert [s.spec()["max_depth"] for s in experiment.spaces[2:]] == [2, 2, 4, 4]
    result = experiment.run(":memory:", progress=False)
    pairs = {(r.space, r.baseline) for r in result.relative}
    assert pairs == {("forest[max_depth=2][n_train=40]", "gp[n_train=40]"),
                     ("forest[max_depth=2][n_train=60]", "gp[n_train=60]"),
                     ("forest[max_depth=4][n_train=40]", "gp[n_train=40]"),
                     ("forest[max_depth=4][n_train=60]", "gp[n_train=60]")}
    # the exact baseline on 40 and 60 points differs: the pairing matters
    gp40, gp60 = (result.space(n).result.bits[0] for n in ("gp[n_train=40]", "gp[n_train=60]"))
    assert gp40 != gp60
    # the report draws bits against each swept parameter, and leaves out the bound of a swept task
    files = result.write_report(tmp_path / "sweep.html")
    assert {p.name for p in files.figures} >= {"sweep-sweep-max_depth.png", "sweep-sweep-n_train.png"}
    assert "the task is swept" in files.html.read_text()


def test_too_few_fitting_members_say_so_instead_of_a_number(tmp_path, capsys):
    text = SCHEMA.replace("fitted_only = false\n", "").replace('name = "forest"', 'name = "forest"\nhypotheses = 2')
    text = text.split("[[space]]\nname = \"forest\"")[0]  # gp and an MLP of 5 epochs, which fits nothing
    code, out, err = _run_cli(tmp_path, capsys, text, "--json")
    assert code == 0
    mlp = json.loads(out)["spaces"][1]
    assert mlp["fit_share"] == 0.0 and mlp["members_fit"] == 0 and "too few members fit" in mlp["reason"]
    assert all(r["bits"] is None for r in mlp["results"])
    assert all("too few members fit" in r["reason"] for r in json.loads(out)["relative"])


@pytest.mark.parametrize("change, key", [
    (('hidden = [16]', 'hiden = [16]'), "space[mlp].hiden"),
    (('hidden = [16]', 'hidden = ["wide"]'), "space[mlp].hidden"),
    (('n_train = 100', 'n_train = "many"'), "task.n_train"),
    (('n_train = 100', 'intrinsic_dim = 3'), "task.intrinsic_dim"),
    (('baseline = "gp"', 'baseline = "svm"'), "measure.baseline"),
    (('hypotheses = 16', 'hypothesis = 16'), "measure.hypothesis"),
    (('kernel = "laplace"', 'kernel = "cosine"'), "space[gp].kernel"),
    (('epochs = 5', 'n_estimators = 3'), "space[mlp].n_estimators"),
    (('[task]', '[tsk]'), "[tsk]"),
    (('[task]', '[report]\npage = "r.html"\n[task]'), "report.page"),
    (('bootstrap = 20', 'bootstrap = 20\nestimator = "exact"'), "measure.estimator"),
])
def test_bad_keys_are_one_line_naming_the_key_with_exit_status_2(tmp_path, capsys, change, key):
    code, out, err = _run_cli(tmp_path, capsys, SCHEMA.replace(*change))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"inductive-bias experiment: error: {key}:"), err
    assert not (tmp_path / "store.db").exists() or "members" not in err  # nothing was trained


def test_a_sweep_naming_no_space_is_refused():
    with pytest.raises(InputError, match=r"sweep\[0\]\.space"):
        Experiment.from_toml('[[space]]\nname = "gp"\n[[sweep]]\nspace = "mlp"\nparameter = "hidden"\nvalues = [1]\n')


def test_the_report_is_self_contained(two_runs):
    """Every figure is embedded (base64 PNG that decodes to an image) and nothing in the page, nor
    in any embedded image, points to the web; the PNGs beside it are the same figures."""
    import base64
    import csv
    import io
    import re

    from PIL import Image

    tmp = two_runs[1]
    page = (tmp / "report.html").read_text()
    sources = re.findall(r'src="([^"]*)"', page)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert not re.search(r"https?://", page)
    assert not re.search(r"<(script|link|iframe)", page, re.I)
    beside = sorted(p.name for p in tmp.glob("report-*.png"))
    assert {"report-curves.png", "report-relative.png", "report-fit.png"} <= set(beside)
    assert len(sources) == len(beside)
    for source in sources:
        data = base64.b64decode(source.split(",", 1)[1], validate=True)
        assert not re.search(rb"https?://", data)
        image = Image.open(io.BytesIO(data))
        image.verify()
        assert image.format == "PNG" and image.size[0] > 300
    assert any(data == base64.b64decode(s.split(",", 1)[1]) for s in sources
               for data in [(tmp / "report-curves.png").read_bytes()])
    # the exact JSON is in the page
    first = two_runs[0][1]
    assert f'&quot;members_trained&quot;: {first["members_trained"]}' in page
    rows = list(csv.DictReader((tmp / "report.csv").open()))
    assert len(rows) == 3 * 3 + len(first["relative"])
    assert {r["kind"] for r in rows} == {"space", "relative"}


def test_infinite_width_spaces_are_measured_exactly_in_an_experiment(tmp_path):
    """nngp/ntk take the CLI's flags in a [[space]] table and are exact spaces: no members, no
    fit share, and their bits equal a direct measure() of the same space."""
    from inductive_bias import InfiniteWidthNetwork, digits, measure

    text = """
[task]
data = "digits"
n_train = 60
n_test = 40
[measure]
target_error = [0.9, 0.5]
baseline = "nngp"
[[space]]
name = "nngp"
space = "nngp"
depth = 1
[[space]]
name = "ntk"
space = "ntk"
depth = 1
weight_var = 1.5
"""
    result = Experiment.from_toml(text).run(str(tmp_path / "s.db"), progress=False)
    data = json.loads(result.to_json())
    by_name = {s["name"]: s for s in data["spaces"]}
    assert by_name["ntk"]["fit_share"] is None and by_name["ntk"]["members_trained"] in (None, 0)
    direct = measure(digits(n_train=60, n_test=40), InfiniteWidthNetwork("ntk", "mlp", depth=1, weight_var=1.5),
                     [0.9, 0.5])
    got = [r["bits"] for r in by_name["ntk"]["results"]]
    assert got == pytest.approx([r.bits for r in direct.results], rel=1e-12)


def test_a_sweep_over_permute_features_and_its_names_in_the_table(tmp_path, capsys):
    # permute_features = false is the default spelled out (--no-permute-features). An infinitely
    # wide MLP's kernel sees only inner products and norms, which a permutation of the features
    # keeps, so its exact bits are the same on both tasks; the table names both variants (the
    # brackets of a swept name are text, not markup).
    text = """
[task]
data = "digits"
n_train = 40
n_test = 30
[measure]
target_error = [0.08, 0.06]
[[space]]
name = "mlp"
space = "nngp"
[[sweep]]
parameter = "permute_features"
values = [false, true]
"""
    code, out, err = _run_cli(tmp_path, capsys, text, "--json")
    assert code == 0, err
    spaces = {s["name"]: s for s in json.loads(out)["spaces"]}
    plain, permuted = spaces["mlp[permute_features=False]"], spaces["mlp[permute_features=True]"]
    for a, b in zip(plain["results"], permuted["results"]):
        assert b["bits"] == pytest.approx(a["bits"], rel=1e-9, abs=1e-9)
    assert any(r["bits"] > 0 for r in plain["results"])
    code, out, err = _run_cli(tmp_path, capsys, text)
    assert code == 0 and "mlp[permute_features=False]" in out and "mlp[permute_features=True]" in out


@pytest.mark.parametrize("space, key", [("mlp", "memory_limit"), ("random_forest", "noise"), ("ntk", "restarts")])
def test_gp_keys_on_another_space_are_refused_as_on_the_command_line(space, key):
    """A [[space]] table is checked by the command line's own builder: a GP-only key on another
    space is an error naming the key, never silently ignored."""
    value = {"memory_limit": '"1GB"', "noise": "0.001", "restarts": "3"}[key]
    text = f"""
[task]
data = "digits"
n_train = 50
n_test = 50
[[space]]
name = "s"
space = "{space}"
{key} = {value}
"""
    with pytest.raises(InputError, match=rf"space\[s\]\.{key}: applies to space = gp"):
        Experiment.from_toml(text)


def test_an_exact_space_is_conditioned_once_and_gives_measures_bits(tmp_path, monkeypatch):
    """The default grid needs the exact law's range before anything is measured; the posterior is
    still computed once per space, and the bits are those of measure() at the same ε."""
    from inductive_bias import GaussianProcess, digits, measure

    calls = []
    original = GaussianProcess.posterior
    monkeypatch.setattr(GaussianProcess, "posterior", lambda self, task: calls.append(1) or original(self, task))
    text = """
[task]
data = "digits"
n_train = 60
n_test = 40
[[space]]
name = "gp"
space = "gp"
lengthscale = "median"
"""
    result = Experiment.from_toml(text).run(str(tmp_path / "s.db"), progress=False)
    assert len(calls) == 1
    data = json.loads(result.to_json())
    grid = [r["target_error"] for r in data["spaces"][0]["results"]]
    direct = measure(digits(n_train=60, n_test=40), GaussianProcess("rbf", "median"), grid)
    assert [r["bits"] for r in data["spaces"][0]["results"]] == pytest.approx([r.bits for r in direct.results],
                                                                              rel=1e-12)


def test_the_experiment_carries_its_upper_bound(two_runs):
    """The bound of docs/method.md §5 is part of the result (computed by the experiment from the
    task's geometry), in its JSON, read back unchanged; the report draws what the result carries."""
    from inductive_bias import digits
    from inductive_bias.complexity import estimate_geometry
    from inductive_bias.experiment.results import UpperBound

    first, second = (outputs for outputs in two_runs[0])
    bound = first["upper_bound"]
    assert bound["target_errors"] == first["target_errors"] == [0.06, 0.04, 0.03] and "reason" not in bound
    geometry = estimate_geometry(digits(100, 100, seed=0), seed=0)  # the task of SCHEMA, seed of [measure]
    assert bound["bits"] == [geometry.bound(e).bits for e in bound["target_errors"]]
    assert bound["geometry"]["n"] == 100 and second["upper_bound"] == bound
    assert UpperBound.from_dict(json.loads(json.dumps(bound))).to_dict() == bound
    page = (two_runs[1] / "report.html").read_text()
    assert "Upper bound (docs/method.md §5)" in page and "Not drawn" not in page


def test_an_old_json_without_a_bound_reads_and_reports_as_not_carried(tmp_path):
    from dataclasses import replace

    from inductive_bias.experiment.results import UpperBound

    assert UpperBound.from_dict(None) is None  # the key written as null, or absent: .get() gives None
    result = Experiment.from_toml(SCHEMA.split("[[space]]\nname = \"mlp\"")[0]).run(":memory:", progress=False)
    assert result.upper_bound.applies and len(result.upper_bound.bits) == 3
    swept = UpperBound((0.1,), reason="the task is swept: the bound differs per task")
    assert UpperBound.from_dict(swept.to_dict()) == swept and not swept.applies
    page = replace(result, upper_bound=None).write_report(tmp_path / "old.html").html.read_text()
    assert "Not drawn: the result does not carry it" in page


def test_reports_draw_and_compute_nothing():
    """reports/ only draws: no import of the complexity package (the bound comes with the result)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "src" / "inductive_bias" / "reports"
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                module = ("." * node.level) + (node.module or "")
                assert "complexity" not in module, (path.name, module)
            elif isinstance(node, ast.Import):
                assert not any("complexity" in a.name for a in node.names), path.name
