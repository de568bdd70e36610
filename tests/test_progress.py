"""Progress that suits its output: bars on a terminal, a log line at most every 10 s elsewhere, with
members done, rate and time left; nothing when quiet. Time comes from a fake clock."""

import io

from inductive_bias._progress import ProgressBar
from inductive_bias.experiment.progress import ExperimentProgress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


def _train(bar, clock, steps, seconds_each):
    for _ in range(steps):
        clock.now += seconds_each
        bar.update()
    bar.close()


def test_a_log_gets_a_line_at_most_every_ten_seconds_with_rate_and_time_left():
    clock, log = Clock(), io.StringIO()
    bar = ProgressBar(64, initial=4, label="abc123 ", stream=log, clock=clock)
    assert bar.mode == "log"
    _train(bar, clock, 60, 3.0)  # 3 s a member: 180 s in all
    lines = log.getvalue().splitlines()
    # a line when 10 s have passed since the last (every 4th member: 12 s), the last one at the end
    assert len(lines) == 180 // 12
    assert "\x1b" not in log.getvalue() and "\r" not in log.getvalue()  # no redraws in a log
    assert lines[0] == "abc123: 8/64 members, 0.333 members/s, 0:02:48 left, 0:00:12 elapsed"
    assert lines[-1] == "abc123: 64/64 members, 0.333 members/s, 0:00:00 left, 0:03:00 elapsed"


def test_members_that_arrive_in_one_batch_are_reported_together():
    clock, log = Clock(), io.StringIO()
    bar = ProgressBar(64, label="mlp", stream=log, clock=clock)
    clock.now += 13.0  # a chunk of 32 members trains for 13 s, then all are committed at once
    for _ in range(32):
        bar.update()
    clock.now += 13.0
    for _ in range(32):
        bar.update()
    bar.close()
    assert log.getvalue().splitlines() == ["mlp: 32/64 members, 2.46 members/s, 0:00:13 left, 0:00:13 elapsed",
                                           "mlp: 64/64 members, 2.46 members/s, 0:00:00 left, 0:00:26 elapsed"]


def test_a_steady_stream_of_updates_still_gets_its_lines():
    # a kernel's blocks of pairs finish every 0.5 s: no pause ever ends a burst, and a 30-minute
    # kernel wrote no line after its first minutes
    clock, log = Clock(), io.StringIO()
    bar = ProgressBar(10_000, label="pooled CNN kernel", unit="pairs", stream=log, clock=clock)
    _train(bar, clock, 240, 0.5)  # 120 s of updates, 0.5 s apart
    lines = log.getvalue().splitlines()
    assert 10 <= len(lines) <= 12  # one a little more than every 10 s, and the last at the end
    assert lines[-1].startswith("pooled CNN kernel: 240/10000 pairs")


def test_a_short_run_stays_silent_in_a_log():
    clock, log = Clock(), io.StringIO()
    _train(ProgressBar(16, stream=log, clock=clock), clock, 16, 0.5)  # 8 s in all
    assert log.getvalue() == ""


def test_a_terminal_gets_the_bar_and_quiet_gets_nothing():
    clock, terminal, quiet_terminal, quiet_log = Clock(), Terminal(), Terminal(), io.StringIO()
    bar = ProgressBar(4, stream=terminal, clock=clock)
    assert bar.mode == "bar"
    _train(bar, clock, 4, 1.0)
    assert "4/4" in terminal.getvalue() and "members/s" in terminal.getvalue()
    for stream in (quiet_terminal, quiet_log):
        bar = ProgressBar(4, stream=stream, clock=clock, enabled=False)
        _train(bar, clock, 4, 30.0)
        assert stream.getvalue() == ""
    # asking for progress in a pipe gives log lines, not redraws of a bar
    forced = io.StringIO()
    _train(ProgressBar(4, stream=forced, clock=clock, enabled=True), clock, 4, 30.0)
    assert forced.getvalue().splitlines()[0] == "1/4 members, 0.0333 members/s, 0:01:30 left, 0:00:30 elapsed"


def test_the_experiment_says_which_space_at_most_every_ten_seconds():
    clock, log = Clock(), io.StringIO()
    display = ExperimentProgress(5, stream=log, clock=clock)
    for i, seconds in enumerate([4, 4, 4, 30, 1]):
        display.space(i, f"s{i}", {})
        display.trained(16, 0, 16)
        clock.now += seconds
    assert log.getvalue().splitlines() == ["experiment: space 4/5 s3, 3 done, 0:00:12 elapsed",
                                           "experiment: space 5/5 s4, 4 done, 0:00:42 elapsed"]
    silent = io.StringIO()
    display = ExperimentProgress(2, stream=silent, clock=clock, enabled=False)
    clock.now += 60
    display.space(0, "s0", {})
    display.trained(16, 0, 16)
    assert silent.getvalue() == ""


def test_the_experiment_prints_each_space_on_a_terminal():
    from rich.console import Console

    terminal = Terminal()
    display = ExperimentProgress(2, console=Console(file=terminal, force_terminal=True, highlight=False))
    display.space(0, "mlp[hidden=64]", {"hidden": [64]})
    display.trained(16, 0, 16)
    text = terminal.getvalue()
    assert "mlp[hidden=64]" in text and "16 trained now, 0 were stored" in text
