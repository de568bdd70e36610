"""Reports: tables and figures of results."""

from .table import format_result

__all__ = ["format_result"]
