"""Writing results atomically: a temporary file in the target folder, then a rename."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from follisim.io.outputs import staged


def write_atomic(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` as NetCDF-4 (h5netcdf) to ``path``; a reader never sees a partial file."""
    path = Path(path)
    with staged([path]) as (tmp,):
        write_netcdf(ds, tmp)
    return path


def write_netcdf(ds: xr.Dataset, path: str | Path) -> None:
    """Write ``ds`` as NetCDF-4 (h5netcdf) directly to ``path`` (see :func:`write_atomic`)."""
    ds.to_netcdf(path, engine="h5netcdf", invalid_netcdf=False)
