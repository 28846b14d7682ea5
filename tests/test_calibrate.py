"""follisim calibrate: known parameters recovered from data the model made, files validated,
the parameter file usable by follisim run; and the compare/datasets command lines."""

import csv
from pathlib import Path

import numpy as np
import pytest

from follisim.calibrate import calibrate, evaluate
from follisim.calibrate.spec import load
from follisim.cli import main
from follisim.compare import settings
from follisim.compare.cohort import simulate_cohort
from follisim.compare.observe import observed
from follisim.compare.vocabulary import ENDPOINTS
from follisim.io.experiment import parse_experiment

ROOT = Path(__file__).resolve().parents[1]
TRUE = {"cyclophosphamide_primordial_potency": 7e-4, "cyclophosphamide_gc_lesion_potency": 4e-4}
ENDPOINT_NAMES = ("follicles_primordial", "follicles_secondary", "E2", "FSH", "AMH")


def _experiment_doc(days=24.0):
    return {"experiment": {"measure_days": [days], "save_interval": 1.0, "measure_window": 4.0},
            "compare": {"animals": 40, "seed": 5},
            "arms": [{"name": "control"}, {"name": "poi", "doses": [{"preset":
                                                                        "CTX_SD_30x5_Tang"}]}]}


def _write_experiment(folder: Path) -> Path:
    lines = ['[experiment]', 'measure_days = [24]', 'save_interval = 1.0',
             'measure_window = 4', '[compare]', 'animals = 40', 'seed = 5',
             '[[arms]]', 'name = "control"', '[[arms]]', 'name = "poi"',
             '  [[arms.doses]]', '  preset = "CTX_SD_30x5_Tang"']
    path = folder / "experiment.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _synthetic_data(folder: Path) -> Path:
    """Arm rows (control and POI) from a cohort with the TRUE potencies, n = 15 per arm."""
    doc = _experiment_doc()
    doc["parameters"] = TRUE
    exp = parse_experiment(doc, "<truth>")
    cohort = simulate_cohort(exp, settings(exp))
    rows = []
    for name in ENDPOINT_NAMES:
        endpoint = ENDPOINTS[name]
        fraction = 0.01 if endpoint.observation == "sections" else 1.0
        for group in ("control", "poi"):
            v = observed(cohort, group, endpoint, 24.0, fraction)
            rows.append({"study_id": "synthetic", "species": "rat",
                         "induction": "cyclophosphamide", "group": group, "endpoint": name,
                         "unit": "synthetic", "mean": f"{np.mean(v):.8g}",
                         "spread": f"{np.std(v, ddof=1):.8g}", "spread_kind": "SD",
                         "n": "15"})
    path = folder / "synthetic.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def _calibration_file(folder: Path, data: Path, extra: str = "") -> Path:
    text = f'''experiment = "experiment.toml"
animals = 40
seed = 5
[parameters]
cyclophosphamide_primordial_potency = {{ lower = 1e-4, upper = 3e-3 }}
cyclophosphamide_gc_lesion_potency = {{ lower = 1e-4, upper = 2e-3 }}
[[data]]
file = "{data.name}"
role = "train"
groups = ["poi"]
endpoints = ["follicles_primordial", "follicles_secondary", "E2"]
[[data]]
file = "{data.name}"
role = "held_out"
groups = ["poi"]
endpoints = ["FSH", "AMH"]
[fit]
starts = 1
max_evaluations = 40
[uncertainty]
method = "none"
{extra}'''
    path = folder / "calib.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow
def test_known_parameters_are_recovered(tmp_path):
    """Data made by the model with known potencies (same cohort seed, so the data are exactly
    reproducible): the fit from the registry defaults finds them again."""
    _write_experiment(tmp_path)
    data = _synthetic_data(tmp_path)
    result = calibrate(_calibration_file(tmp_path, data))
    for name, value in TRUE.items():
        assert result.values[name] == pytest.approx(value, rel=0.05), name
    assert result.result.chi2 < 0.05          # 3 training z-scores, data without model error
    held = [r for r, role in result.rows if role == "held_out"]
    assert len(held) == 2 and all(abs(r.z) < 0.2 for r in held)


def test_evaluate_scores_the_rows_at_the_experiments_own_values(tmp_path, capsys):
    """At the true potencies (set in the experiment file) the data made by the model score
    z ~ 0; at the registry defaults they do not. ``--evaluate`` writes the same files."""
    path = _write_experiment(tmp_path)
    data = _synthetic_data(tmp_path)
    calib = _calibration_file(tmp_path, data)
    away = evaluate(calib)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[compare]", "[parameters]\n" + "\n".join(
        f"{k} = {v!r}" for k, v in TRUE.items()) + "\n[compare]"), encoding="utf-8")
    at_truth = evaluate(calib)
    assert at_truth.values == pytest.approx(TRUE)
    assert at_truth.result.chi2 < 0.05 < away.result.chi2
    assert all(abs(r.z) < 0.2 for r, role in at_truth.rows if role == "held_out")
    out = tmp_path / "eval"
    assert main(["calibrate", str(calib), "--evaluate", "-o", str(out)]) == 0
    for name in ("parameters.toml", "fit_report.csv", "identifiability.csv", "fit.png"):
        assert (out / name).stat().st_size > 0, name
    assert "1 evaluations" in capsys.readouterr().out


def test_cli_calibrate_writes_a_parameter_file_run_can_use(tmp_path, capsys):
    _write_experiment(tmp_path)
    data = _synthetic_data(tmp_path)
    calib = _calibration_file(tmp_path, data).read_text(encoding="utf-8")
    calib = calib.replace("max_evaluations = 40", "max_evaluations = 10")
    (tmp_path / "calib.toml").write_text(calib, encoding="utf-8")
    out = tmp_path / "fit"
    assert main(["calibrate", str(tmp_path / "calib.toml"), "-o", str(out)]) == 0
    for name in ("parameters.toml", "fit_report.csv", "identifiability.csv", "fit.png"):
        assert (out / name).stat().st_size > 0, name
    assert "held out" in capsys.readouterr().out
    nc = tmp_path / "run.nc"
    assert main(["run", str(tmp_path / "experiment.toml"), "--params",
                 str(out / "parameters.toml"), "-o", str(nc)]) == 0
    assert nc.stat().st_size > 0


@pytest.mark.parametrize(("edit", "fragment"), [
    (("cyclophosphamide_primordial_potency = {", "cyclophosphamide_primordal_potency = {"),
     "did you mean"),
    (('role = "train"', 'role = "training"'), "did you mean 'train'"),
    (("lower = 1e-4, upper = 3e-3", "lower = 1e-2, upper = 3e-3"), "must lie in"),
    (('experiment = "experiment.toml"', 'experiment = "nope.toml"'), "is not a file"),
])
def test_bad_calibration_files_exit_2_with_one_line(tmp_path, capsys, edit, fragment):
    _write_experiment(tmp_path)
    data = tmp_path / "data.csv"
    data.write_text("study_id,group,endpoint,unit,mean,spread,spread_kind,n\n"
                    "s,poi,E2,pg/mL,20,4,SD,15\n", encoding="utf-8")
    path = _calibration_file(tmp_path, data)
    path.write_text(path.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0] and str(path) in err[0], err
    assert not out.exists()


def test_params_file_errors_name_the_params_file(tmp_path, capsys):
    params = tmp_path / "p.toml"
    params.write_text("[parameters]\nk_activation = 5.0\n", encoding="utf-8")
    code = main(["run", str(ROOT / "configs" / "default.toml"), "--params", str(params), "-o",
                 str(tmp_path / "x.nc")])
    err = capsys.readouterr().err
    assert code == 2 and str(params) in err and "parameters.k_activation" in err
    params.write_text("[parameters]\nmsc_homing_fraction = 0.1\n", encoding="utf-8")
    assert main(["run", str(ROOT / "configs" / "default.toml"), "--params", str(params), "-o",
                 str(tmp_path / "x.nc")]) == 2
    assert "experiments only" in capsys.readouterr().err


# --- compare and datasets on the command line ----------------------------------------------
@pytest.mark.parametrize(("csv_text", "fragment"), [
    ("study_id,group,endpoint,unit,mean,spread,spread_kind\ns,poi,E2,x,1,1,SD\n",
     "column n: is missing"),
    ("endpoint,effect_kind,estimate,ci_low,ci_high\nE2,SMD,high,1,2\n", "column estimate"),
    ("endpoint,effect_kind,estimate,ci_low,ci_high\nE2,OR,1.5,1,2\n", "unknown effect_kind"),
    ("endpoint,effect_kind,estimate,ci_low,ci_high\nE2,SMD,1.5,2,1\n", "inverted interval"),
])
def test_compare_refuses_bad_outcome_files(tmp_path, capsys, csv_text, fragment):
    data = tmp_path / "bad.csv"
    data.write_text(csv_text, encoding="utf-8")
    out = tmp_path / "report"
    code = main(["compare", str(ROOT / "experiments" / "rat_ctx_hucmsc_iv" / "experiment.toml"),
                 "--data", str(data), "-o", str(out), "--animals", "4"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and fragment in err[0] and str(data) in err[0], err
    assert not out.exists()


def test_compare_cli_writes_the_report(tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["compare", str(_write_experiment(tmp_path)), "--data",
                 str(ROOT / "src" / "follisim" / "datasets" / "data" / "rat_outcomes.csv"),
                 "-o", str(out), "--animals", "6", "--seed", "2"])
    assert code == 0
    text = capsys.readouterr().out
    assert "reported rows" in text and "unsupported" in text
    header = (out / "report.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    for column in ("source", "endpoint", "kind", "day", "reported", "reported_low",
                   "reported_high", "simulated", "simulated_low", "simulated_high",
                   "sign_agrees", "inside_interval", "status", "reason"):
        assert column in header
    assert (out / "report.png").stat().st_size > 10_000 and (out / "cohort.nc").exists()


def test_compare_needs_an_experiment_and_datasets_name_their_files(capsys):
    assert main(["compare", str(ROOT / "configs" / "default.toml"), "-o", "/tmp/x"]) == 2
    assert "needs an experiment" in capsys.readouterr().err
    assert main(["datasets", "show", "rat_outcome"]) == 2
    assert "did you mean 'rat_outcomes'" in capsys.readouterr().err
    assert main(["datasets", "list"]) == 0
    listing = capsys.readouterr().out
    assert "rat_outcomes" in listing and "arm outcomes" in listing and "pooled effects" in listing


def test_calibration_spec_defaults_come_from_the_registry():
    spec = load(ROOT / "configs" / "calibrate_ctx.toml")
    from follisim.interventions import PARAMETERS

    for f in spec.free:
        assert (f.lower, f.upper) == PARAMETERS[f.name].bounds
        assert f.scale == PARAMETERS[f.name].scale
