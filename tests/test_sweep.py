"""Sweeps: designs, outputs equal to the experiment's own, identical numbers across chunk
sizes, threads and backends, resume after SIGKILL, refusal to mix sweeps, bad input."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np
import pytest
import xarray as xr
import zarr

from follisim.cli import main
from follisim.experiment import at_measurement, run_experiment
from follisim.io.config import ConfigError
from follisim.sweep import DaskBackend, LocalBackend, design, load_sweep, open_sweep, run_sweep
from follisim.sweep.spec import Factor

EXPERIMENT = """
[parameters]
msc_homing_fraction = 0.01
[experiment]
measure_days = [16, 24]
save_interval = 0.5
burn_in = 10
measure_window = 4
[solver]
max_steps = 20000
[[arms]]
name = "control"
[[arms]]
name = "poi"
  [[arms.doses]]
  preset = "CTX_SD_30x5_Tang"
[[arms]]
name = "poi_hucmsc"
  [[arms.doses]]
  preset = "CTX_SD_30x5_Tang"
  [[arms.doses]]
  agent = "hucmsc"
  dose = 1e6
  unit = "cells"
  route = "iv"
  days = [8]
"""
CONFIG = """
[run]
days = 20
save_interval = 0.25
burn_in = 10
[solver]
max_steps = 3000
"""
SWEEP = """
description = "test sweep"
[sweep]
experiment = "experiment.toml"
method = "lhs"
samples = 11
seed = 5
chunk_size = 4
[parameters."hucmsc.dose"]
min = 1e5
max = 1e7
scale = "log"
[parameters."hucmsc.day"]
min = 5
max = 15
[parameters.msc_homing_fraction]
min = 0.002
max = 0.05
[outputs]
variables = ["e2", "fsh", "growing_follicles"]
cyclicity = true
series = { variables = ["e2"], interval = 2.0 }
"""
CONFIG_SWEEP = """
[sweep]
config = "config.toml"
method = "sobol"
samples = 16
seed = 2
chunk_size = 3
[parameters.k_activation]
min = 0.002
max = 0.004
[parameters.k_e2_clearance]
min = 3.0
max = 1000.0
[outputs]
variables = ["e2", "primordial"]
measure_days = [10, 20]
measure_window = 2
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    (d / "experiment.toml").write_text(EXPERIMENT, encoding="utf-8")
    (d / "config.toml").write_text(CONFIG, encoding="utf-8")
    (d / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    (d / "config_sweep.toml").write_text(CONFIG_SWEEP, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def reference(folder):
    """The sweep run once, in process, with the shipped chunk size."""
    spec = load_sweep(folder / "sweep.toml")
    run_sweep(spec, folder / "reference.zarr", progress=False)
    return open_sweep(folder / "reference.zarr").load()


def results(ds):
    return ds.drop_vars("chunk_done").drop_attrs()


# --- designs -----------------------------------------------------------------------------------

def test_grid_is_every_combination(folder):
    (folder / "grid.toml").write_text(SWEEP.replace('method = "lhs"\nsamples = 11',
                                                    'method = "grid"').replace(
        "[parameters.msc_homing_fraction]\nmin = 0.002\nmax = 0.05\n",
        "[parameters.msc_homing_fraction]\nvalues = [0.01, 0.02]\n"), encoding="utf-8")
    spec = load_sweep(folder / "grid.toml")
    table = design.build(spec)
    assert spec.samples == 5 * 5 * 2 == table["hucmsc.dose"].size
    np.testing.assert_allclose(np.unique(table["hucmsc.dose"]), np.geomspace(1e5, 1e7, 5),
                               rtol=1e-12)
    np.testing.assert_array_equal(np.unique(table["hucmsc.day"]), [5.0, 7.5, 10.0, 12.5, 15.0])
    rows = {tuple(r) for r in np.column_stack(list(table.values()))}
    assert len(rows) == spec.samples


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_random_designs_are_seeded_and_bounded(folder, method):
    spec = load_sweep(folder / "sweep.toml", samples=64)
    spec = spec.__class__(**{**spec.__dict__, "method": method})
    a, b = design.build(spec), design.build(spec)
    for f in spec.factors:
        np.testing.assert_array_equal(a[f.name], b[f.name])
        assert a[f.name].min() >= f.low and a[f.name].max() <= f.high
    other = design.build(spec.__class__(**{**spec.__dict__, "seed": spec.seed + 1}))
    assert not np.array_equal(a["hucmsc.day"], other["hucmsc.day"])
    # log scale: uniform in the logarithm -> about half the samples below the geometric mean
    below = np.mean(a["hucmsc.dose"] < np.sqrt(1e5 * 1e7))
    assert 0.4 < below < 0.6
    # Latin hypercube / Sobol': one sample in each of n equal strata of every factor
    if method == "lhs":
        u = (a["hucmsc.day"] - 5.0) / 10.0
        assert np.array_equal(np.sort(np.floor(u * 64).astype(int)), np.arange(64))


def test_truncated_normal_factor_stays_in_bounds():
    f = Factor("k", "model", 1.0, 2.0, distribution="normal", loc=1.2, spread=0.5)
    x = design.from_unit(f, np.linspace(0.0, 1.0, 101))
    assert x.min() == 1.0 and x.max() == 2.0 and np.all(np.diff(x) > 0)
    assert abs(np.median(design.from_unit(f, np.random.default_rng(0).random(4000))) - 1.36
               ) < 0.05


# --- outputs -----------------------------------------------------------------------------------

def test_outputs_equal_the_experiments_own_measurements(folder, reference):
    """A sample at the experiment's own values reproduces ``at_measurement`` of the arms."""
    spec = load_sweep(folder / "sweep.toml")
    table = {"hucmsc.dose": [1e6], "hucmsc.day": [8.0], "msc_homing_fraction": [0.01]}
    spec = spec.__class__(**{**spec.__dict__, "samples": 1})
    run_sweep(spec, folder / "own.zarr", table=table, progress=False)
    ours = open_sweep(folder / "own.zarr").load().isel(sample=0)
    m = at_measurement(run_experiment(folder / "experiment.toml"))
    for arm in ("control", "poi", "poi_hucmsc"):
        for name in ("e2", "fsh", "growing_follicles"):
            np.testing.assert_allclose(ours[name].sel(arm=arm).values,
                                       m[name].sel(arm=arm).values, rtol=1e-13, err_msg=name)
        for name in ("regular_cycles", "persistent_diestrus"):
            np.testing.assert_array_equal(ours[name].sel(arm=arm).values,
                                          m[name].sel(arm=arm).values.astype(float))
    full = run_experiment(folder / "experiment.toml").sel(arm="poi_hucmsc")
    np.testing.assert_array_equal(ours.e2_series.sel(arm="poi_hucmsc").values,
                                  full.e2.sel(time=ours.time.values).values)


def test_store_records_design_and_base(folder, reference):
    a = reference.attrs
    assert a["days_simulated"] == 24.0 and a["n_samples"] == 11 and a["design_method"] == "lhs"
    assert len(a["config_sha256"]) == 64 and "hucmsc" in a["config_document"]
    assert reference.status.dims == ("sample", "arm") and (reference.status == 0).all()
    assert reference["hucmsc.dose"].dims == ("sample",)
    assert reference.e2.dims == ("sample", "arm", "day")
    assert reference.e2_series.dims == ("sample", "arm", "time")
    assert (reference.chunk_done == 1).all()
    # arms the factors do not touch are the same for every sample; the treated arm is not
    assert np.ptp(reference.e2.sel(arm="poi").values, axis=0).max() == 0.0
    assert np.ptp(reference.e2.sel(arm="poi_hucmsc").values, axis=0).max() > 0.0


# --- identical numbers everywhere --------------------------------------------------------------

def test_identical_across_chunk_sizes_and_threads(folder, reference):
    spec = load_sweep(folder / "sweep.toml")
    for chunk, threads in ((1, 1), (5, 2), (11, 1)):
        s = spec.__class__(**{**spec.__dict__, "chunk_size": chunk})
        path = folder / f"chunk{chunk}.zarr"
        run_sweep(s, path, backend=LocalBackend(min(threads, numba.config.NUMBA_NUM_THREADS)),
                  progress=False)
        xr.testing.assert_identical(results(open_sweep(path).load()), results(reference))


def test_identical_on_dask(folder, reference):
    """``--dask-local 2`` (a LocalCluster) and joining a running scheduler by address."""
    assert main(["sweep", str(folder / "sweep.toml"), "-o", str(folder / "dask.zarr"),
                 "--dask-local", "2"]) == 0
    xr.testing.assert_identical(results(open_sweep(folder / "dask.zarr").load()),
                                results(reference))
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        spec = load_sweep(folder / "sweep.toml")
        run_sweep(spec, folder / "joined.zarr", progress=False,
                  backend=DaskBackend(address=cluster.scheduler_address))
    xr.testing.assert_identical(results(open_sweep(folder / "joined.zarr").load()),
                                results(reference))


def test_failed_samples_are_recorded(folder):
    spec = load_sweep(folder / "config_sweep.toml")
    run_sweep(spec, folder / "fail.zarr", progress=False)
    ds = open_sweep(folder / "fail.zarr").load()
    failed = ds.status.values != 0
    assert 0 < failed.sum() < ds.sizes["sample"]            # the stiff ones ran out of steps
    assert np.all(ds.k_e2_clearance.values[failed] > ds.k_e2_clearance.values[~failed].max())
    assert np.isnan(ds.e2.values[failed]).all() and np.isfinite(ds.e2.values[~failed]).all()
    assert all("step limit" in m for m in ds.status_message.values[failed])
    assert ds.e2.dims == ("sample", "day")                   # no arm dim for a config sweep


# --- streaming and resume ----------------------------------------------------------------------

def test_resume_after_sigkill_is_bit_identical(folder):
    """Kill a sweep subprocess mid-way, resume it, compare with an uninterrupted run."""
    out = folder / "killed.zarr"
    slow = folder / "slow.toml"        # one sample per chunk: many commits to interrupt
    slow.write_text(SWEEP.replace("chunk_size = 4", "chunk_size = 1").replace(
        "samples = 11", "samples = 40"), encoding="utf-8")
    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "follisim", "sweep", str(slow), "-o", str(out)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if (out / "chunk_done").exists():
            done = int(np.sum(zarr.open_group(str(out), mode="r")["chunk_done"][:]))
            if done >= 3:
                break
    assert proc.poll() is None, "the sweep finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 3 <= done < 40
    run = subprocess.run(cmd + ["--resume"], env=env, capture_output=True, text=True,
                         timeout=240)
    assert run.returncode == 0, run.stderr
    already = int(re.search(r"\((\d+) already done\)", run.stdout).group(1))
    assert already >= 3                                    # finished chunks were not rerun
    uninterrupted = folder / "uninterrupted.zarr"
    run_sweep(load_sweep(slow), uninterrupted, progress=False)
    xr.testing.assert_identical(results(open_sweep(out).load()),
                                results(open_sweep(uninterrupted).load()))


def test_refuses_to_resume_a_different_sweep(folder, reference, capsys):
    other = folder / "other.toml"
    other.write_text(SWEEP.replace("seed = 5", "seed = 6"), encoding="utf-8")
    before = sorted(p.stat().st_mtime_ns for p in (folder / "reference.zarr").rglob("*"))
    code = main(["sweep", str(other), "-o", str(folder / "reference.zarr"), "--resume"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "different design" in err and "reference.zarr" in err
    assert sorted(p.stat().st_mtime_ns for p in (folder / "reference.zarr").rglob("*")) == before
    assert main(["sweep", str(folder / "sweep.toml"), "-o",
                 str(folder / "reference.zarr")]) == 2          # exists, no --resume
    capsys.readouterr()
    (folder / "experiment2.toml").write_text(EXPERIMENT.replace("burn_in = 10", "burn_in = 11"),
                                             encoding="utf-8")
    (folder / "other_base.toml").write_text(SWEEP.replace("experiment.toml", "experiment2.toml"),
                                            encoding="utf-8")
    assert main(["sweep", str(folder / "other_base.toml"), "-o",
                 str(folder / "reference.zarr"), "--resume"]) == 2
    assert "different base config" in capsys.readouterr().err
    assert sorted(p.stat().st_mtime_ns for p in (folder / "reference.zarr").rglob("*")) == before


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("edit", "key", "fragment"), [
    (("method = \"lhs\"", "method = \"latin\""), "sweep.method", "allowed: grid, lhs, sobol"),
    (("samples = 11", "samples = 0"), "sweep.samples", "integer in [1,"),
    (("chunk_size = 4", "chunk_sise = 4"), "sweep.chunk_sise", "did you mean 'chunk_size'"),
    (("experiment.toml", "missing.toml"), "sweep.experiment", "file not found"),
    (("[parameters.msc_homing_fraction]", "[parameters.msc_homing_fractoin]"),
     "parameters.msc_homing_fractoin", "did you mean 'msc_homing_fraction'"),
    (("max = 0.05", "max = 0.9"), "parameters.msc_homing_fraction.max", "[0.0001, 0.5]"),
    (("max = 15", "max = 30"), "parameters.hucmsc.day", "allowed: 0 to 24"),
    (("min = 1e5\n", ""), "parameters.hucmsc.dose", "needs min and max"),
    (('"growing_follicles"', '"growing"'), "outputs.variables", "unknown variable 'growing'"),
    (("interval = 2.0", "interval = 2.0, times = [1]"), "outputs.series", "times = [...] or"),
    (("[outputs]", "[outputs]\nmeasure_days = [3]"), "outputs.measure_days",
     "comes from the experiment"),
    (("scale = \"log\"", "scale = \"log10\""), "parameters.hucmsc.dose.scale",
     "did you mean 'log'"),
])
def test_bad_sweep_file(folder, capsys, edit, key, fragment):
    bad = folder / "bad.toml"
    bad.write_text(SWEEP.replace(*edit), encoding="utf-8")
    out = folder / "bad.zarr"
    code = main(["sweep", str(bad), "-o", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert f"{bad}: {key}:" in err and fragment in err, err
    assert not out.exists()


def test_bad_backend_arguments(folder, capsys):
    assert main(["sweep", str(folder / "sweep.toml"), "-o", str(folder / "x.zarr"),
                 "--scheduler", "localhost"]) == 2
    assert "tcp://HOST:PORT" in capsys.readouterr().err
    assert main(["sweep", str(folder / "sweep.toml"), "-o", str(folder / "x.zarr"),
                 "--samples", "0"]) == 2
    assert not (folder / "x.zarr").exists()


def test_intervention_factors_need_an_experiment(folder):
    (folder / "c.toml").write_text(CONFIG_SWEEP.replace("[parameters.k_activation]",
                                                        "[parameters.msc_homing_fraction]"),
                                   encoding="utf-8")
    with pytest.raises(ConfigError, match="need an experiment base"):
        load_sweep(folder / "c.toml")


def test_cli_sweep_writes_a_readable_store(folder, capsys):
    out = folder / "cli.zarr"
    assert main(["sweep", str(folder / "config_sweep.toml"), "-o", str(out), "--samples",
                 "4"]) == 0
    line = capsys.readouterr().out
    assert "4 samples" in line and str(out) in line
    assert Path(out).is_dir() and open_sweep(out).sizes["sample"] == 4
