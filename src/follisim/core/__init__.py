"""Numba-only numerical core: flat float64 arrays, kernels, integrators, batch.

Nothing in this package imports from the rest of follisim, nor xarray or matplotlib.
"""
