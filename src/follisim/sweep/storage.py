"""The sweep's Zarr store: created whole, filled chunk by chunk, resumable.

Layout (zarr format 2, readable with ``xarray.open_zarr``): dims ``sample`` (and ``arm`` for
experiment sweeps, ``day`` for measurement days, ``time`` for kept series, ``chunk``); every
swept factor is a coordinate on ``sample``; ``status(sample[, arm])`` (int8,
``follisim.Status`` codes; ``not_run`` until its chunk is written) and
``status_message(sample[, arm])``; the outputs of ``follisim.sweep.outputs``;
``chunk_done(chunk)``, 1 once every array of that chunk is written.

Commit protocol: a chunk's arrays are written first and its ``chunk_done`` flag last, so a
chunk whose flag is 0 (a sweep killed mid-write) is recomputed and rewritten on ``--resume``,
and a reader who trusts only flagged chunks never sees a partial chunk. The store is created in
a temporary folder and renamed into place, so it exists only once fully initialised.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import uuid
from pathlib import Path

import numpy as np
import xarray as xr
import zarr

from follisim.io.config import ConfigError
from follisim.models import RAT
from follisim.solution import STATUS_ATTRS, Status
from follisim.sweep.outputs import output_variables
from follisim.sweep.spec import SweepSpec

MESSAGE_WIDTH = 160
ZARR_FORMAT = 2


def n_chunks(samples: int, chunk_size: int) -> int:
    return -(-samples // chunk_size)


def chunk_bounds(k: int, samples: int, chunk_size: int) -> tuple[int, int]:
    return k * chunk_size, min(samples, (k + 1) * chunk_size)


def _attrs(spec: SweepSpec, table_sha: str) -> dict:
    from follisim import __version__

    exp = spec.experiment
    return {
        "description": spec.description,
        "sweep_source": spec.source,
        "sweep_document": json.dumps(spec.document, sort_keys=True, default=str),
        "config_source": spec.base_source,
        "config_kind": spec.base_kind,
        "config_sha256": spec.base_sha256,
        "config_document": json.dumps(spec.base_document, sort_keys=True, default=str),
        "days_simulated": float(exp.days),
        "measure_days": list(spec.outputs.measure_days),
        "measure_window": float(spec.outputs.measure_window),
        "design": json.dumps(spec.design_record(), sort_keys=True, default=str),
        "design_method": spec.method,
        "design_seed": int(spec.seed),
        "design_sha256": table_sha,
        "n_samples": int(spec.samples),
        "chunk_size": int(spec.chunk_size),
        "model": RAT.name,
        "follisim_version": __version__,
        "created_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def template(spec: SweepSpec, table: dict[str, np.ndarray], save_times: np.ndarray
             ) -> xr.Dataset:
    """The store's Dataset before any chunk is computed (outputs lazy, filled with NaN)."""
    import dask.array as da

    S, c = spec.samples, spec.chunk_size
    lead = ("sample", "arm") if spec.is_experiment else ("sample",)
    lead_shape = (S, len(spec.arms)) if spec.is_experiment else (S,)
    lead_chunks = (c, len(spec.arms)) if spec.is_experiment else (c,)
    data = {}
    for name, (kind, unit, long_name) in output_variables(RAT, spec.outputs).items():
        n = len(spec.outputs.measure_days) if kind == "day" else len(save_times)
        data[name] = (lead + (kind,), da.full(lead_shape + (n,), np.nan,
                                              chunks=lead_chunks + (n,)),
                      {"units": unit, "long_name": long_name})
    data["status"] = (lead, np.full(lead_shape, Status.NOT_RUN, np.int8), dict(STATUS_ATTRS))
    data["status_message"] = (lead, da.full(lead_shape, "", dtype=f"<U{MESSAGE_WIDTH}",
                                            chunks=lead_chunks),
                              {"long_name": "run status message (empty: not run)"})
    data["n_steps"] = (lead, np.zeros(lead_shape, np.int32),
                       {"units": "1", "long_name": "integrator accepted steps"})
    data["chunk_done"] = ("chunk", np.zeros(n_chunks(S, c), np.int8),
                          {"long_name": "chunk written completely (1) or not (0)"})
    coords = {"sample": ("sample", np.arange(S), {"long_name": "design row"})}
    for f in spec.factors:
        coords[f.name] = ("sample", np.asarray(table[f.name], dtype=np.float64),
                          {"units": f.unit, "long_name": f.description,
                           "factor_kind": f.kind, "scale": f.scale})
    if spec.is_experiment:
        coords["arm"] = ("arm", np.array(spec.arms, dtype=object))
    if spec.outputs.measure_days:
        coords["day"] = ("day", np.array(spec.outputs.measure_days),
                         {"units": "day", "long_name": "measurement day"})
    if spec.outputs.series_variables:
        coords["time"] = ("time", np.asarray(save_times),
                          {"units": "day", "long_name": "time since start of run"})
    return xr.Dataset(data, coords=coords)


def create(path: Path, spec: SweepSpec, table: dict[str, np.ndarray], table_sha: str,
           save_times: np.ndarray) -> None:
    """Create the store at ``path`` atomically (temporary folder, then rename)."""
    ds = template(spec, table, save_times).assign_attrs(_attrs(spec, table_sha))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    encoding = {name: {"chunks": tuple(min(spec.chunk_size, n) if d == "sample" else n
                                       for d, n in zip(ds[name].dims, ds[name].shape,
                                                       strict=True))}
                for name in ds.data_vars if "sample" in ds[name].dims}
    try:
        ds.to_zarr(tmp, mode="w-", compute=False, zarr_format=ZARR_FORMAT, consolidated=True,
                   encoding=encoding)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def check_resumable(path: Path, spec: SweepSpec, table_sha: str) -> np.ndarray:
    """``chunk_done`` of an existing store; ``ConfigError`` if it came from another sweep."""
    try:
        group = zarr.open_group(str(path), mode="r")
        attrs = dict(group.attrs)
        done = np.asarray(group["chunk_done"][:])
    except Exception:   # noqa: BLE001 -- any unreadable store gets the same one-line error
        raise ConfigError(str(path), "", "is not a follisim sweep store; cannot --resume "
                                         "into it") from None
    for key, want in (("config_sha256", spec.base_sha256), ("design_sha256", table_sha),
                      ("chunk_size", spec.chunk_size)):
        if attrs.get(key) != want:
            what = {"config_sha256": "a different base config",
                    "design_sha256": "a different design or outputs",
                    "chunk_size": "a different chunk_size"}[key]
            raise ConfigError(str(path), "", f"was made from {what} ({key} "
                              f"{str(attrs.get(key))[:12]} vs {str(want)[:12]}); refusing to "
                              "--resume: write to a new store")
    return done


class Writer:
    """Writes finished chunks into the store (one process writes; workers only compute)."""

    def __init__(self, path: Path, spec: SweepSpec):
        self.group = zarr.open_group(str(path), mode="r+")
        self.spec = spec

    def write(self, k: int, result: dict[str, np.ndarray]) -> None:
        """Write chunk ``k``'s arrays, then flag it done (the commit)."""
        a, b = chunk_bounds(k, self.spec.samples, self.spec.chunk_size)
        for name, values in result.items():
            if name == "status_message":
                values = np.asarray(values, dtype=f"<U{MESSAGE_WIDTH}")
            self.group[name][a:b] = values
        self.group["chunk_done"][k] = 1


def open_sweep(path: str | Path) -> xr.Dataset:
    """The store as a lazy Dataset (``status`` tells which samples are done)."""
    return xr.open_zarr(str(path))
