"""Figures (matplotlib is imported inside the functions, never at package import)."""

from follisim.plotting.arms import plot_arms
from follisim.plotting.measurements import plot_measurements
from follisim.plotting.overview import plot_overview

__all__ = ["plot_arms", "plot_measurements", "plot_overview"]
