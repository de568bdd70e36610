"""Regenerate the example figures of docs/figures/ (about a minute on two CPU cores):

    python docs/figures/make_figures.py [--format png|pdf|svg]

A small experiment on 100 training digits, in memory: two exact GPs (RBF and Laplace kernels), an
MLP of 16 members (100 epochs: too few to fit the data, so every member is used) and randomised
trees swept over their depth (16 members each). Every figure comes from one run, so a space has the
same colour and marker in all of them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

EXPERIMENT = """
title = "docs/figures: a small comparison on digits"
[task]
data = "digits"
n_train = 100
n_test = 100
seed = 0
[measure]
target_error = [0.08, 0.07, 0.06, 0.05, 0.04]
hypotheses = 16
seed = 0
baseline = "gp"
fitted_only = false
bootstrap = 30
[[space]]
name = "gp"
space = "gp"
kernel = "rbf"
lengthscale = "median"
[[space]]
name = "gp-laplace"
space = "gp"
kernel = "laplace"
lengthscale = "median"
[[space]]
name = "mlp"
space = "mlp"
hidden = [32]
max_epochs = 100
[[space]]
name = "tree"
space = "decision_tree"
[[sweep]]
space = "tree"
parameter = "max_depth"
values = [2, 4, 8]
"""


def main(argv=None) -> None:
    from inductive_bias import Experiment
    from inductive_bias.reports import FigureStyle, experiment_figures, plot_result, save_figure
    from inductive_bias.reports.experiment_figures import run_styles

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", default="png", choices=["png", "pdf", "svg"])
    parser.add_argument("--out", default=str(Path(__file__).parent))
    args = parser.parse_args(argv)
    style = FigureStyle(format=args.format, dpi=110)
    result = Experiment.from_toml(EXPERIMENT).run(":memory:", progress=False)
    bound = result.upper_bound  # docs/method.md §5, computed by the experiment
    figures = experiment_figures(result, bound=(bound.target_errors, bound.bits) if bound.applies else None,
                                 style=style)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, fig in figures.items():
        path = out / f"example-{name}.{args.format}"
        save_figure(fig, path, args.format, dpi=110)
        print(path)
    # what `inductive-bias measure --plot` draws for one space: its points, the fitted law, the losses
    path = out / f"example-measure-mlp.{args.format}"
    plot_result(result.space("mlp").result, path, style, space_style=run_styles(result)["mlp"])
    print(path)


if __name__ == "__main__":
    main()
