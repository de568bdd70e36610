"""Reports: tables and figures of results."""

from .qq import plot_qq, qq_points
from .table import format_result

__all__ = ["format_result", "plot_qq", "qq_points"]
