"""Parameter sweeps and global sensitivity: designs, chunked batch runs, Zarr, Dask, SALib.

    follisim sweep SWEEP.toml -o OUT.zarr [--samples N] [--dask-local W | --scheduler ADDR]
                                          [--resume]
    follisim sensitivity SENS.toml -o OUT_DIR

Modules, one job each: ``spec`` (reads and validates the files), ``design`` (grid, Latin
hypercube, Sobol), ``outputs`` (window means, cyclicity, series per chunk), ``storage``
(the Zarr store and its commit protocol), ``backends`` (numba threads, Dask), ``runner``
(drives the chunks), ``sensitivity`` (SALib Sobol and Morris, tables and heat map).
Docs: ``docs/sweeps.md``, ``docs/sensitivity.md``.
"""

from follisim.sweep.backends import DaskBackend, LocalBackend
from follisim.sweep.runner import SweepResult, compute_chunk, run_sweep
from follisim.sweep.spec import SensitivitySpec, SweepSpec, load_sensitivity, load_sweep
from follisim.sweep.storage import open_sweep

__all__ = ["DaskBackend", "LocalBackend", "SensitivitySpec", "SweepResult", "SweepSpec",
           "compute_chunk", "load_sensitivity", "load_sweep", "open_sweep", "run_sweep"]
