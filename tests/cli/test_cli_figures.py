"""The figure flags of `experiment --report` and `--plot`: format, size, font scale; and --quiet."""

import re
import xml.etree.ElementTree as ElementTree

from inductive_bias.cli.main import main

EXPERIMENT = """
[task]
data = "digits"
n_train = 60
n_test = 40
[measure]
target_error = [0.09, 0.08]
hypotheses = 4
bootstrap = 10
baseline = "gp"
[[space]]
name = "gp"
space = "gp"
lengthscale = "median"
[[space]]
name = "tree"
space = "decision_tree"
"""


def test_an_experiment_report_in_svg_with_a_size_and_font_scale(tmp_path, capsys):
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT)
    code = main(["experiment", str(path), "--store", ":memory:", "--report", str(tmp_path / "r.html"),
                 "--figure-format", "svg", "--figure-size", "6x4", "--font-scale", "1.2", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0 and "experiment: space" not in captured.err and "members/s" not in captured.err
    svgs = sorted(p.name for p in tmp_path.glob("r-*.svg"))
    assert "r-curves.svg" in svgs and "r-relative.svg" in svgs and not list(tmp_path.glob("r-*.png"))
    for name in svgs:
        assert ElementTree.parse(tmp_path / name).getroot().tag.endswith("svg")


def test_bad_figure_flags_name_the_flag(tmp_path, capsys):
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT)
    for extra, flag in ((["--figure-size", "wide"], "--figure-size"), (["--font-scale", "9"], "--font-scale")):
        assert main(["experiment", str(path), "--store", ":memory:", *extra]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"inductive-bias experiment: error: {flag}:") and err.count("\n") == 1, err
    code = main(["measure", "--data", "digits", "--n-train", "60", "--n-test", "40", "-e", "0.09",
                 "--plot", str(tmp_path / "f.png"), "--figure-format", "pdf"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("inductive-bias measure: error: --figure-format: pdf but --plot"), err


def test_plot_takes_its_format_from_the_flag_where_the_name_has_no_suffix(tmp_path, capsys):
    assert main(["measure", "--data", "digits", "--n-train", "60", "--n-test", "40", "-e", "0.09",
                 "--plot", str(tmp_path / "figure"), "--figure-format", "pdf", "--font-scale", "1.3"]) == 0
    data = (tmp_path / "figure.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page\b", data)) == 1
