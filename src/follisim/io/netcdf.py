"""Writing results atomically: a temporary file in the target folder, then a rename."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import xarray as xr


def write_atomic(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` as NetCDF-4 (h5netcdf) to ``path``; a reader never sees a partial file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        ds.to_netcdf(tmp, engine="h5netcdf", invalid_netcdf=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
