"""Figures (matplotlib is imported inside the functions, never at package import)."""

from follisim.plotting.overview import plot_overview

__all__ = ["plot_overview"]
