"""Checks the command-line tests share (not a test module: pytest collects only test_*.py)."""

from inductive_bias.cli.main import main


def one_line_error(argv, capsys, expect):
    """Run the CLI in-process; assert exit status 2 and one stderr line that contains ``expect``."""
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert expect in lines[0], lines[0]
    return lines[0]
