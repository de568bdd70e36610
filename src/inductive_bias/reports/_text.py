"""Tables drawn by ``rich`` as plain text: aligned columns, no box, no colour, no control
characters, so that a table reads the same on a terminal, in a pipe and in a file."""

from __future__ import annotations

import io


def plain_table(header: list[str], rows: list, *, right: tuple = ()) -> str:
    """``header`` and ``rows`` as aligned text; columns whose index is in ``right`` are
    right-aligned, and the header is underlined with dashes."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, safe_box=True)
    for i, name in enumerate(header):
        table.add_column(name, justify="right" if i in right else "left", no_wrap=True)
    for row in rows:
        table.add_row(*(str(c) for c in row))
    buffer = io.StringIO()
    Console(file=buffer, width=10_000, no_color=True, force_terminal=False, highlight=False,
            emoji=False, markup=False).print(table)
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    # the rule under the header in ASCII, so that any terminal or font shows it
    lines = [line.replace("\u2500", "-").replace("\u2577", " ").replace("\u2575", " ")
             .replace("\u253c", "-").replace("\u2502", " ").rstrip() for line in lines if line.strip()]
    if len(lines) > 1 and set(lines[1]) <= {"-", " "}:
        lines[1] = lines[1][:len(lines[0])]  # under the header only: a long note in the last column is not ruled
    return "\n".join(lines)
