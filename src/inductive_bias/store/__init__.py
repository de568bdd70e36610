"""Trained spaces on disk: the sample store and the runner that fills it (and measuring from it,
through the same pipeline as in memory)."""

from .listing import spec_summary, store_summary
from .measure_store import measure_store
from .runner import SampleRun, SamplingInterrupted, sample_into_store
from .sample_store import SampleStore, SpaceKey, SpaceRecord, StoredMember, space_id_for, task_identity

__all__ = ["SampleRun", "SampleStore", "SamplingInterrupted", "SpaceKey", "SpaceRecord", "StoredMember",
           "measure_store", "sample_into_store", "space_id_for", "spec_summary", "store_summary", "task_identity"]
