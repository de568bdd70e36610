"""Trained spaces on disk: the sample store and the runner that fills it, the one road by which
members are trained (measuring from a store is :func:`inductive_bias.measure_store`)."""

from .listing import spec_summary, store_summary
from .runner import SampleRun, SamplingInterrupted, sample_into_store
from .sample_store import SampleStore, SpaceKey, SpaceRecord, StoredMember, space_id_for, task_identity

__all__ = ["SampleRun", "SampleStore", "SamplingInterrupted", "SpaceKey", "SpaceRecord", "StoredMember",
           "sample_into_store", "space_id_for", "spec_summary", "store_summary", "task_identity"]
