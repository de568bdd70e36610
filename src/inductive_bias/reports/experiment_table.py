"""Tables of an :class:`~inductive_bias.experiment.ExperimentResult`, drawn with ``rich``: boxed
and coloured on a terminal, plain aligned text elsewhere (a pipe, a file, a test)."""

from __future__ import annotations

import io
import sys

from .table import format_bits

__all__ = ["experiment_tables", "format_experiment", "print_experiment"]


def _interval(interval) -> str:
    if interval is None:
        return ""
    low, high = (None if v is None else (0.0 if abs(v) < 5e-5 else v) for v in interval)  # no "-0.0000"
    return f"[{format_bits(low)}, {format_bits(high)}]"


def _figure(target) -> str:
    """``3.1 [2.9, 3.4]`` (a count, model or exact figure), ``> 6.1`` (a bound: no member reaches ε),
    ``23.6 [18.0, 40.2] *`` (a model extrapolation)."""
    if target.kind == "bound":
        return f"> {format_bits(target.bits)}"
    text = format_bits(target.bits)
    if target.interval is not None:
        text += f" {_interval(target.interval)}"
    if target.extrapolated:
        text += " *"
    return text


def _relative(r) -> str:
    """Bits the space needs beyond the baseline: I_space − I_baseline = −(docs/method.md §8's I_B − I_A)."""
    if r.kind == "undefined":
        return "-"
    value = r.needs_beyond
    if r.kind == "at most":    # I_B − I_A <= end: the space needs at least −end beyond the baseline
        return f">= {format_bits(value)}"
    if r.kind == "at least":
        return f"<= {format_bits(value)}"
    text = format_bits(value)
    if r.interval is not None:
        low, high = r.interval
        text += " " + _interval((None if high is None else -high, None if low is None else -low))
    return text


def experiment_tables(result, *, boxed: bool = False) -> list:
    """The rich renderables: the spaces, their bits per ε, the bits relative to the baseline."""
    from rich import box
    from rich.markup import escape  # swept names such as "mlp[hidden=128]" are not markup tags
    from rich.table import Table

    style = {"box": box.SIMPLE_HEAD if boxed else None, "pad_edge": False, "show_edge": boxed}
    spaces = Table(title="spaces" if boxed else None, **style)
    for column in ("space", "estimator", "members", "trained now", "fit share", "mean test MSE", "test accuracy",
                   "seconds"):
        spaces.add_column(column, justify="left" if column in ("space", "estimator") else "right")
    for s in result.spaces:
        loss = None if s.result is None else s.result.loss
        mse = "-" if loss is None or loss.mean is None else f"{loss.mean:.4g}" + (" !" if loss.worse_than_constant
                                                                                 else "")
        accuracy = "-" if loss is None or loss.test_accuracy_mean is None else f"{loss.test_accuracy_mean:.1%}"
        spaces.add_row(escape(s.name), s.estimator or "-", "-" if s.members is None else str(s.members),
                       "-" if s.members_trained is None else str(s.members_trained),
                       "-" if s.fit_share is None else f"{s.fit_share:.0%}", mse, accuracy, f"{s.seconds:.1f}")

    bits = Table(title="bits I(ε) [95% interval]" if boxed else None, **style)
    bits.add_column("ε (test MSE)", justify="right")
    for s in result.spaces:
        bits.add_column(escape(s.name), justify="right")
    for j, eps in enumerate(result.target_errors):
        bits.add_row(f"{eps:.4g}", *(_figure(s.target(j)) if s.result is not None else "-" for s in result.spaces))

    tables = [spaces, bits]
    if result.relative:
        relative = Table(title=_relative_title(result) if boxed else None, **style)
        relative.add_column("ε (test MSE)", justify="right")
        names = list(dict.fromkeys(r.space for r in result.relative))
        for name in names:
            relative.add_column(escape(name), justify="right")
        rows = {}
        for r in result.relative:
            rows.setdefault(r.target_error, {})[r.space] = r
        for eps in result.target_errors:
            row = rows.get(eps, {})
            relative.add_row(f"{eps:.4g}", *("-" if name not in row else _relative(row[name]) for name in names))
        tables.append(relative)
    return tables


def _relative_title(result) -> str:
    return (f"bits each space needs beyond {result.baseline} (I_space − I_{result.baseline}; negative: fewer) "
            "[95% interval]")


def _notes(result) -> list[str]:
    lines = []
    kinds = {t.kind for s in result.spaces if s.result is not None for t in s.result.results}
    if "count" in kinds or "bound" in kinds:
        lines.append("sampled spaces: the direct count, -log2(k/N) of N members with an exact Clopper-Pearson "
                     "interval; '> b': none of the members reaches ε, so the sample proves only I(ε) > b")
    if any(t.extrapolated for s in result.spaces if s.result is not None for t in s.result.results):
        lines.append("* below every sampled loss of that space: a model extrapolation of its fitted law, which no "
                     "sample supports")
    if any(r.kind in ("at most", "at least") for r in result.relative):
        lines.append(">= / <=: one side is only a lower bound, so the difference is bounded on one side only")
    if any(s.result is not None and s.result.loss.worse_than_constant for s in result.spaces):
        lines.append("!: the space's mean test MSE is worse than the constant predictor's (the mean training target)")
    for s in result.spaces:
        if s.reason:
            lines.append(f"{s.name}: {s.reason}")
        bounds = [] if s.result is None else [t for t in s.result.results if t.kind == "bound"]
        if bounds:
            n = s.result.members.members_used if s.result.members is not None else s.members
            deepest = max(bounds, key=lambda t: t.target_error)
            lines.append(f"{s.name}: none of its {n} members reaches ε <= {deepest.target_error:.4g}; a figure there "
                         f"needs more members, about 3·2^I for I(ε) bits (I(ε) > {deepest.bits:.4g}: more than {n}; "
                         "twice as many for every further bit)")
    lines.append(f"target errors: {result.target_error_rule}")
    return lines


def format_experiment(result) -> str:
    """Plain text: the three tables without boxes or colour, then the notes."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, width=200, no_color=True, force_terminal=False, highlight=False)
    titles = ["spaces", "bits I(ε) [95% interval]", _relative_title(result)]
    for title, table in zip(titles, experiment_tables(result)):
        console.print(title, markup=False)
        console.print(table)
        console.print("")
    text = "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())
    return text.rstrip() + "\n\n" + "\n".join(_notes(result))


def print_experiment(result, file=None) -> None:
    """The tables, boxed and coloured on a terminal, plain otherwise."""
    from rich.console import Console

    file = sys.stdout if file is None else file
    console = Console(file=file, highlight=False)
    if not console.is_terminal:
        file.write(format_experiment(result) + "\n")
        return
    for table in experiment_tables(result, boxed=True):
        console.print(table)
    for line in _notes(result):
        console.print(line, markup=False, style="dim")
