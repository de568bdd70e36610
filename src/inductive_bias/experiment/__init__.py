"""Experiments: hypothesis spaces compared on a task, from a TOML file or Python (docs/method.md §8).

:class:`Experiment` reads an experiment file (:mod:`.schema` lists its keys), trains what a sample
store lacks, measures every space at shared target errors and reports the bits each space saves
over a baseline, with intervals (:mod:`.relative`).
"""

from .relative import relative_bits
from .results import ExperimentResult, RelativeResult, SpaceOutcome, UpperBound
from .runner import Experiment
from .schema import plan_experiment, read_experiment_file

__all__ = ["Experiment", "ExperimentResult", "RelativeResult", "SpaceOutcome", "UpperBound", "plan_experiment",
           "read_experiment_file", "relative_bits"]
