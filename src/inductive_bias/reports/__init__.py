"""Reports: tables and figures of results. They only draw what a result carries."""

from ._style import FigureStyle, save_figure
from .comparison_table import format_comparison
from .experiment_figures import experiment_figures
from .plot import plot_result
from .qq import plot_qq, qq_points
from .table import format_bits, format_result

__all__ = ["FigureStyle", "experiment_figures", "format_bits", "format_comparison", "format_result", "plot_qq",
           "plot_result", "qq_points", "save_figure"]
