"""Command-line interface (``inductive-bias``)."""
