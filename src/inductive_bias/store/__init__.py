"""Trained spaces on disk: the sample store, the runner that fills it, measuring from it."""

from .listing import store_summary
from .measure_store import measure_store
from .runner import SampleRun, SamplingInterrupted, sample_into_store
from .sample_store import SampleStore, StoredMember, SpaceRecord, space_id_for, task_identity

__all__ = ["SampleRun", "SampleStore", "SamplingInterrupted", "SpaceRecord", "StoredMember", "measure_store",
           "sample_into_store", "space_id_for", "store_summary", "task_identity"]
