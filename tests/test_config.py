"""Bad input: one clear message naming the file and key, exit code 2, nothing written."""

import subprocess
import sys

import pytest

from follisim import ConfigError, load_config
from follisim.cli import main

GOOD = """
description = "test"
[run]
days = 30
save_interval = 1.0
[parameters]
k_activation = 0.003
[[inputs]]
channel = "akt_signal"
start = 5
stop = 10
level = 0.5
"""


def write(tmp_path, text, name="cfg.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_good_config_loads(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.days == 30.0 and cfg.parameters == {"k_activation": 0.003}
    assert cfg.save_t[0] == 0.0 and cfg.save_t[-1] == 30.0
    assert cfg.protocol.steps[0].channel == "akt_signal"


@pytest.mark.parametrize(("text", "key", "fragment"), [
    (GOOD.replace("days = 30", "dayz = 30"), "run.dayz", "did you mean 'days'"),
    (GOOD.replace("k_activation", "k_activaton"), "parameters.k_activaton",
     "did you mean 'k_activation'"),
    (GOOD.replace("k_activation = 0.003", "k_activation = 3.0"), "parameters.k_activation",
     "must lie in [0.0001, 0.05] 1/day"),
    (GOOD.replace("k_activation = 0.003", 'k_activation = "fast"'), "parameters.k_activation",
     "must be a number"),
    (GOOD.replace("days = 30", "days = -1"), "run.days", "must lie in (0, 36500]"),
    (GOOD.replace("days = 30", 'days = "30"'), "run.days", "must be a number"),
    (GOOD.replace("save_interval = 1.0", "save_times = [0, 10, 40]"), "run.save_times",
     "entry 2: must lie in [0, 30] day, got 40"),
    (GOOD.replace("save_interval = 1.0", "save_times = [5, 1]"), "run.save_times",
     "strictly increasing"),
    (GOOD.replace('"akt_signal"', '"akt_signl"'), "inputs[0].channel", "did you mean 'akt_signal'"),
    (GOOD.replace("start = 5", "start = 50"), "inputs[0].start", "must lie in [0, 30]"),
    (GOOD.replace("level = 0.5", "level = -0.5"), "inputs[0].level", "must be >= 0, got -0.5"),
    (GOOD.replace("[parameters]", "[paramters]"), "paramters", "did you mean 'parameters'"),
    (GOOD + "\n[solver]\nrtol = 2.0\n", "solver.rtol", "must lie in"),
    (GOOD + "\n[solver]\nmax_steps = 1.5\n", "solver.max_steps", "must be an integer"),
    (GOOD.replace('description = "test"', 'description = "test'), "", "not valid TOML"),
])
def test_bad_config_names_file_and_key(tmp_path, text, key, fragment):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert info.value.key == key
    assert fragment in message


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_cli_bad_config_exits_2_without_output(tmp_path, capsys):
    path = write(tmp_path, GOOD.replace("k_activation", "k_activaton"))
    out = tmp_path / "out.nc"
    code = main(["run", str(path), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "cfg.toml: parameters.k_activaton: unknown parameter" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_cli_subprocess_no_traceback(tmp_path):
    path = write(tmp_path, GOOD.replace("days = 30", "days = 0"))
    proc = subprocess.run([sys.executable, "-m", "follisim", "validate", str(path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "run.days" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_run_writes_netcdf_and_plot(tmp_path, capsys):
    import xarray as xr

    path = write(tmp_path, GOOD)
    out, png = tmp_path / "res" / "out.nc", tmp_path / "res" / "out.png"
    assert main(["run", str(path), "-o", str(out), "--plot", str(png)]) == 0
    line = capsys.readouterr().out.strip()
    assert "success" in line and str(out) in line and line.count("\n") == 0
    assert png.stat().st_size > 10_000
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert ds.attrs["status"] == "success"
        assert ds.e2.attrs["units"] == "pg/mL"
        assert len(ds.attrs["config_sha256"]) == 64
        assert ds.sizes["time"] == 31
    assert not list(out.parent.glob(".*.tmp"))     # atomic write left no temporary file
