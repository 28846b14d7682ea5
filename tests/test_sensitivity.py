"""Sensitivity: Sobol' indices of the Ishigami function against their analytic values, Morris
on a linear function against its exact elementary effects, failed samples dropped by block,
and the command on a small sweep."""

import csv

import numpy as np
import pytest
from SALib.test_functions import Ishigami

from follisim.cli import main
from follisim.sweep.sensitivity import (
    morris_design,
    morris_indices,
    problem,
    sobol_design,
    sobol_indices,
    to_values,
)
from follisim.sweep.spec import Factor

# Ishigami & Homma (1990), a = 7, b = 0.1: V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2 and
# V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8, V13 = b^2 pi^8 (1/18 - 1/50); Saltelli et al. (2008)
A, B = 7.0, 0.1
V1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
V2 = A**2 / 8
V13 = B**2 * np.pi**8 * (1 / 18 - 1 / 50)
V = V1 + V2 + V13
S1 = np.array([V1, V2, 0.0]) / V
ST = np.array([V1 + V13, V2, V13]) / V
PI = np.pi
ISHIGAMI = tuple(Factor(f"x{i}", "model", -PI, PI) for i in (1, 2, 3))


@pytest.fixture(scope="module")
def ishigami():
    prob = problem(ISHIGAMI)
    X = sobol_design(prob, 4096, seed=1)
    return prob, X, Ishigami.evaluate(X)


def test_sobol_indices_of_ishigami_match_analytic_values(ishigami):
    prob, _, Y = ishigami
    si = sobol_indices(prob, Y, seed=1)
    np.testing.assert_allclose(si["S1"], S1, atol=0.03)
    np.testing.assert_allclose(si["ST"], ST, atol=0.03)
    assert np.all(si["S1_conf"] > 0) and np.all(si["S1_conf"] < 0.1)
    assert si["n_used"] == 4096 and si["n_dropped"] == 0


def test_failed_samples_drop_their_sobol_block(ishigami):
    prob, _, Y = ishigami
    D = prob["num_vars"]
    bad = Y.copy()
    bad[[2, 3 * (D + 2) + 1, 100 * (D + 2) + D + 1]] = np.nan     # blocks 0, 3 and 100
    si = sobol_indices(prob, bad, seed=1)
    assert si["n_dropped"] == 3 and si["n_used"] == 4093
    keep = np.ones(4096, bool)
    keep[[0, 3, 100]] = False
    direct = sobol_indices(prob, Y.reshape(-1, D + 2)[keep].reshape(-1), seed=1)
    np.testing.assert_array_equal(si["ST"], direct["ST"])
    np.testing.assert_allclose(si["ST"], ST, atol=0.03)


def test_morris_gives_exact_elementary_effects_of_a_linear_function():
    """f = sum a_i x_i: every elementary effect of x_i is a_i (range 1), so mu* = |a_i|,
    sigma = 0; a log factor enters through ln(x)."""
    factors = (Factor("a", "model", 0.0, 1.0), Factor("b", "model", 0.0, 2.0),
               Factor("c", "model", 1.0, np.e, scale="log"))
    prob = problem(factors)
    X = morris_design(prob, 12, 4, seed=3)
    v = to_values(factors, X)
    Y = 3.0 * v["a"] - 0.5 * v["b"] + 2.0 * np.log(v["c"])
    si = morris_indices(prob, X, Y, 4, seed=3)
    np.testing.assert_allclose(si["mu_star"], [3.0, 1.0, 2.0], rtol=1e-9)
    np.testing.assert_allclose(si["mu"], [3.0, -1.0, 2.0], rtol=1e-9)
    np.testing.assert_allclose(si["sigma"], 0.0, atol=1e-9)
    Y[4] = np.nan                                  # one trajectory lost, the rest still exact
    si = morris_indices(prob, X, Y, 4, seed=3)
    assert si["n_dropped"] == 1 and si["n_used"] == 11
    np.testing.assert_allclose(si["mu_star"], [3.0, 1.0, 2.0], rtol=1e-9)


SENS = """
[sensitivity]
config = "config.toml"
parameters = ["k_activation", "fsh_secretion"]
methods = ["sobol", "morris"]
sobol_samples = 4
morris_trajectories = 3
chunk_size = 8
[parameters.fsh_secretion]
min = 15.0
max = 30.0
[outputs]
variables = ["e2", "fsh"]
measure_days = [10]
"""
CONFIG = """
[run]
days = 10
save_interval = 0.5
burn_in = 5
"""


def test_sensitivity_command_writes_tables_and_figure(tmp_path, capsys):
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "sens.toml").write_text(SENS, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sensitivity", str(tmp_path / "sens.toml"), "-o", str(out)]) == 0
    with open(out / "sobol.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["output"], r["parameter"]) for r in rows} == {
        (o, p) for o in ("e2", "fsh") for p in ("k_activation", "fsh_secretion")}
    assert all(r["n_used"] == "4" for r in rows)
    with open(out / "morris.csv", encoding="utf-8") as fh:
        morris = list(csv.DictReader(fh))
    assert len(morris) == 4 and all(float(r["mu_star"]) >= 0 for r in morris)
    assert (out / "sensitivity.png").stat().st_size > 1000
    # FSH secretion moves FSH more than the activation rate does over 10 days
    fsh = {r["parameter"]: float(r["mu_star"]) for r in morris if r["output"] == "fsh"}
    assert fsh["fsh_secretion"] > fsh["k_activation"]
    # a rerun reuses the finished sample stores
    assert main(["sensitivity", str(tmp_path / "sens.toml"), "-o", str(out)]) == 0


@pytest.mark.parametrize(("edit", "key"), [
    (('methods = ["sobol", "morris"]', 'methods = ["fast"]'), "sensitivity.methods"),
    (('"fsh_secretion"]', '"fsh_secretoin"]'), "parameters.fsh_secretoin"),
    (("[outputs]", "[outputs]\ncontrast = [\"a\", \"b\"]"), "outputs.contrast"),
    (("sobol_samples = 4", "sobol_samples = 1"), "sensitivity.sobol_samples"),
])
def test_bad_sensitivity_file(tmp_path, capsys, edit, key):
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "sens.toml").write_text(SENS.replace(*edit), encoding="utf-8")
    assert main(["sensitivity", str(tmp_path / "sens.toml"), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f": {key}:" in err, err
    assert not (tmp_path / "o").exists()


def test_report_header_names_the_ranges_the_file_sets(tmp_path):
    """The generated docs/sensitivity.md header counts parameters by kind and names the ones
    whose range the file gives instead of the spread."""
    from follisim.sweep.report import _factors
    from follisim.sweep.spec import load_sensitivity

    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "sens.toml").write_text(SENS.replace("chunk_size = 8", "chunk_size = 8\n"
                                                     "spread = 2.0"), encoding="utf-8")
    text = _factors(load_sensitivity(tmp_path / "sens.toml"))
    assert text == ("2 parameters (2 model), each from default/2 to default×2 on a log scale "
                    "(clipped to its registry bounds), except the ranges the file gives for "
                    "`fsh_secretion`")
