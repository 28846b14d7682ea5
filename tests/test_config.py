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
    path.write_text(text, encoding="utf-8")
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


# --- every input of issue 16 that once gave a traceback or was wrongly accepted --------------

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
EXPERIMENT = (ROOT / "experiments" / "rat_ctx_ev_iv" / "experiment.toml").read_text("utf-8")
DEFAULT = (ROOT / "configs" / "default.toml").read_text(encoding="utf-8")
PRESET = 'preset = "CTX_SD_30x5_Tang"'
EV_DAYS = "days = [18, 21, 24]"
CTX_ARM = "arms[poi].doses[0]"
EV_ARM = "arms[poi_ev].doses[1]"


def _exp(old, new):
    assert old in EXPERIMENT
    return EXPERIMENT.replace(old, new, 1)


ISSUE_INPUTS = [
    # names given as a list or table (was: TypeError unhashable)
    (_exp('route = "iv"', 'route = ["iv"]'), f"{EV_ARM}.route", "must be a string, got a list"),
    (_exp('agent = "ev"', 'agent = ["ev"]'), f"{EV_ARM}.agent", "must be a string"),
    (_exp('agent = "ev"', 'agent = {name = "ev"}'), f"{EV_ARM}.agent", "got a table"),
    (_exp(PRESET, 'preset = ["CTX_SD_30x5_Tang"]'), f"{CTX_ARM}.preset", "must be a string"),
    (_exp(PRESET, PRESET + '\nmechanisms = [["burnout"]]'), f"{CTX_ARM}.mechanisms",
     "entry 0: must be a string (the mechanism name), got a list"),
    # integers beyond the float range (was: OverflowError)
    (_exp("dose = 100", "dose = 1" + "0" * 400), f"{EV_ARM}.dose", "an integer of 401 digits"),
    (DEFAULT.replace("days = 120", "days = 1" + "0" * 400), "run.days", "401 digits"),
    # parser failures (were: ValueError, RecursionError)
    (_exp("dose = 100", "dose = 1" + "0" * 5000), "", "more digits than allowed"),
    (_exp("dose = 100", "dose = " + "[" * 5000 + "]" * 5000), "", "nested deeper than 16"),
    (_exp("dose = 100", "dose = " + "[" * 30 + "]" * 30), "arms[2].doses[1].dose[0][0]",
     "nested 17 levels"),
    # keys on a preset dose were ignored
    (_exp(PRESET, PRESET + "\ndays = [40]"), f"{CTX_ARM}.days", "does not apply to a preset"),
    (_exp(PRESET, PRESET + "\ndose = 3"), f"{CTX_ARM}.dose", "does not apply to a preset"),
    (_exp(PRESET, PRESET + '\nunit = "mg"'), f"{CTX_ARM}.unit", "does not apply to a preset"),
    (_exp(PRESET, PRESET + '\nroute = "iv"'), f"{CTX_ARM}.route", "does not apply to a preset"),
    (_exp(PRESET, PRESET + "\ncargo = {}"), f"{CTX_ARM}.cargo", "does not apply to a preset"),
    (_exp('agent = "ev"', 'agent = "ev"\nstart_day = 3'), f"{EV_ARM}.start_day",
     "applies to presets only"),
    # an empty mechanisms list switched the injury off
    (_exp(PRESET, PRESET + "\nmechanisms = []"), f"{CTX_ARM}.mechanisms",
     "must name at least one of primordial_apoptosis"),
    # non-finite and absurd values
    (_exp(EV_DAYS, EV_DAYS + '\ncargo = { "miR-21-5p" = nan }'), f"{EV_ARM}.cargo.miR-21-5p",
     "must be a finite number >= 0 copies per ug, got a number (nan)"),
    (_exp("dose = 100", "dose = inf"), f"{EV_ARM}.dose", "finite number >= 0 ug"),
    (_exp("dose = 100", "dose = -1e300"), f"{EV_ARM}.dose", "must be >= 0 ug"),
    (_exp("dose = 100", "dose = 1e300"), f"{EV_ARM}.dose",
     "1e+300 ug weighs 1e+291 kg, not less than the sprague_dawley rat (0.2 kg)"),
    (_exp('unit = "ug"', 'unit = "particles"').replace("dose = 100", "dose = 1e30"),
     f"{EV_ARM}.dose", "not less than the sprague_dawley rat"),
    (EXPERIMENT + '\n[mirnas."miR-x"]\ntargets = { PTEN = { kd = inf } }\n',
     "mirnas.miR-x.targets.PTEN.kd", "must be a finite number > 0 copies"),
    (DEFAULT + '\n[[inputs]]\nchannel = "akt_signal"\nstart = 1\nlevel = inf\n',
     "inputs[0].level", "must be a finite number >= 0"),
    (DEFAULT.replace("max_steps = 200000", "max_steps = 200000\nh_min = 0.5\nh_max = 0.1"),
     "solver.h_min", "exceeds solver.h_max"),
    (DEFAULT.replace("max_steps = 200000", "max_steps = 200000\nh_max = inf"), "solver.h_max",
     "must be a finite number"),
    # experiment save grids are capped like run configs, with the count
    (_exp("save_interval = 0.1", "save_interval = 1e-6"), "experiment.save_interval",
     "gives 60,000,003 save times per arm over 60 days; at most 1,000,000"),
    (_exp("save_interval = 0.1", "save_interval = 1e-9"), "experiment.save_interval",
     "60,000,000,003 save times"),
    (_exp("save_interval = 0.1", "save_interval = 5e-324"), "experiment.save_interval",
     "more than 1e308 save times"),
    (DEFAULT.replace("save_interval = 0.1", "save_interval = 1e-300"), "run.save_interval",
     "save times over 120 days; at most 1,000,000"),
    # misleading messages
    (EXPERIMENT.replace("[[arms]]", "[[arm]]").replace("[[arms.doses]]", "[[arm.doses]]")
     .replace("[experiment]", "[experimentz]"), "experimentz", "did you mean 'experiment'"),
    (EXPERIMENT.replace("[[arms]]", "[[arm]]").replace("[[arms.doses]]", "[[arm.doses]]"),
     "arm", "did you mean 'arms'"),
    (_exp(PRESET, PRESET + '\nmechanisms = "burnout"'), f"{CTX_ARM}.mechanisms",
     "must be a list of mechanisms, got a string ('burnout')"),
    (_exp(EV_DAYS, "days = [inf]"), f"{EV_ARM}.days", "must be a finite number in [0, 36500]"),
    # policies: unsorted or repeated dose days in one line are refused
    (_exp(EV_DAYS, "days = [21, 18]"), f"{EV_ARM}.days", "must be strictly increasing"),
    (_exp(EV_DAYS, "days = [18, 18]"), f"{EV_ARM}.days", "18 (entry 1) repeats 18"),
]


@pytest.mark.parametrize(("text", "key", "fragment"), ISSUE_INPUTS)
def test_issue_inputs_get_one_line_naming_the_key(tmp_path, capsys, text, key, fragment):
    path = write(tmp_path, text)
    out = tmp_path / "out"
    for argv in (["validate", str(path)],
                 ["run", str(path), "-o", str(out / "r.nc"), "--plot", str(out / "r.png")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith(f"follisim: error: {path}: {key}"), err
        assert fragment in err, err
    assert not out.exists()


def test_absurd_but_finite_cell_count_is_accepted(tmp_path):
    """Policy: a finite dose that is not a mass (cells) has no upper bound; its effect
    saturates (a run that fails numerically exits 1 and writes nothing)."""
    text = (ROOT / "experiments" / "rat_ctx_hucmsc_iv" / "experiment.toml").read_text("utf-8")
    assert main(["validate", str(write(tmp_path, text.replace("dose = 1e6", "dose = 1e300")))]) == 0


def test_oversized_and_special_files_are_refused_before_parsing(tmp_path, capsys):
    big = tmp_path / "big.toml"
    big.write_text("x = " + "9" * (2 << 20), encoding="utf-8")
    assert main(["validate", str(big)]) == 2
    assert "input files may have at most 1,048,576 bytes" in capsys.readouterr().err
    assert main(["validate", "/dev/zero"]) == 2       # would never end if read
    assert "is not a regular file" in capsys.readouterr().err
    assert main(["validate", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_key_with_a_newline_stays_on_one_line(tmp_path, capsys):
    path = write(tmp_path, GOOD + '\n[parameters2]\n"a\\nb" = 1\n"x\\ny" = 2\n')
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    path = write(tmp_path, GOOD.replace("k_activation = 0.003", '"k\\nx" = 1'))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "parameters.k\\x0ax" in err


@pytest.mark.parametrize(("argv_tail", "option", "fragment"), [
    (["-o", "{cfg}"], "-o", "is an input file"),
    (["-o", "{cfg}/out.nc"], "-o", "is a file, not a folder"),
    (["-o", "{tmp}/" + "x" * 300 + ".nc"], "-o", "file name is 303 bytes; at most 239"),
    (["-o", "{tmp}"], "-o", "is a folder"),
    (["-o", "/proc/follisim/out.nc"], "-o", "cannot create files in folder '/proc'"),
    (["-o", "{tmp}/r.nc", "--plot", "{tmp}/r.nc"], "--plot", "is also the -o output"),
    (["-o", "{tmp}/r.nc", "--plot", "{cfg}/r.png"], "--plot", "is a file, not a folder"),
    (["-o", "/dev/null"], "-o", "exists and is not a regular file"),
])
def test_output_paths_are_checked_before_the_run(tmp_path, capsys, argv_tail, option,
                                                 fragment):
    cfg = write(tmp_path, GOOD)
    argv = ["run", str(cfg)] + [a.format(cfg=cfg, tmp=tmp_path) for a in argv_tail]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f": {option}: " in err and fragment in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cfg.toml"]
    assert cfg.read_text(encoding="utf-8") == GOOD


def test_failed_run_exits_1_and_writes_nothing(tmp_path, capsys):
    cfg = write(tmp_path, GOOD + "\n[solver]\nmax_steps = 20\n")
    out = tmp_path / "out"
    code = main(["run", str(cfg), "-o", str(out / "r.nc"), "--plot", str(out / "r.png")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and err.startswith(f"follisim: run failed: {cfg}: ")
    assert "nothing written" in err and "Traceback" not in err
    assert not out.exists() or not list(out.iterdir())


def test_failed_experiment_arm_exits_1_and_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, EXPERIMENT + "\n[solver]\nmax_steps = 20\n", "exp.toml")
    out = tmp_path / "e.nc"
    assert main(["run", str(path), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "arms control (" in err and "nothing written" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml"]


def test_export_sbml_of_a_failing_run_exits_1_without_traceback(tmp_path, capsys):
    pytest.importorskip("libsbml")
    cfg = write(tmp_path, GOOD + "\n[solver]\nmax_steps = 20\n")
    assert main(["export-sbml", str(cfg), "-o", str(tmp_path / "m.xml")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "run failed" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cfg.toml"]


def test_usage_errors_are_one_line(capsys):
    assert main(["run", "x.toml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "-o/--output" in err


def test_help_lists_the_exit_codes(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for line in ("0  success", "1  a simulation failed", "2  bad input"):
        assert line in out


# --- the validator toolkit other inputs build on ----------------------------------------------

def _table(**values):
    from follisim.io.validate import Table

    return Table("f.toml", "t", values, ("a", "b", "c"))


@pytest.mark.parametrize(("read", "fragment"), [
    (lambda: _table(a=True).number("a", None, 0, 1), "must be a number in [0, 1], got a boolean"),
    (lambda: _table(a=10**400).number("a"), "must be a finite number, got an integer of 401"),
    (lambda: _table(a=2.0).number("a", None, 0, 1, hi_open=True, unit="day"),
     "must lie in [0, 1) day, got 2"),
    (lambda: _table().number("a", None, unit="mg"), "t.a: is required (mg)"),
    (lambda: _table(a=1.0).integer("a", None, 0, 5), "must be an integer in [0, 5], got a number"),
    (lambda: _table(a=[1, 2, 2]).numbers("a", increasing=True), "2 (entry 2) repeats 2"),
    (lambda: _table(a=[]).numbers("a"), "got an empty list"),
    (lambda: _table(a="x").numbers("a", scalar=True), "a number or a non-empty list"),
    (lambda: _table(a=["x", "x"]).strings("a", None, ("x", "y")), "entry 1: 'x' is listed twice"),
    (lambda: _table(a="yy").string("a", None, ("x", "y"), what="kind"),
     "unknown kind 'yy'; did you mean 'y'?"),
    (lambda: _table(a=[{}, 3]).tables("a", ("k",)), "t.a[1]: must be a table, got an integer"),
    (lambda: _table(d=1), "t.d: unknown key; allowed: a, b, c"),
    (lambda: _table(a=1).refuse(("a",), "not here"), "t.a: not here"),
])
def test_table_readers_name_the_key_and_what_is_allowed(read, fragment):
    with pytest.raises(ConfigError) as info:
        read()
    assert fragment in str(info.value) and "\n" not in str(info.value), str(info.value)


def test_table_readers_return_checked_values():
    import numpy as np

    t = _table(a=np.int64(3), b=[1, 2.5], c=["y"])
    assert t.integer("a", None, 0, 5) == 3 and t.number("a") == 3.0
    assert t.numbers("b", increasing=True) == (1.0, 2.5)
    assert t.strings("c", None, ("x", "y")) == ("y",)
    assert _table(a=4).numbers("a", scalar=True) == (4.0,)
    assert _table().number("a", 0.5, 0, 1) == 0.5
