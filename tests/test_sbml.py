"""SBML export: consistent, and libRoadRunner reproduces follisim on the same config."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("libsbml")
pytest.importorskip("roadrunner")

from follisim import simulate  # noqa: E402
from follisim.cli import main  # noqa: E402
from follisim.io.config import parse  # noqa: E402
from follisim.io.experiment import load_experiment  # noqa: E402
from follisim.models import RAT  # noqa: E402
from follisim.sbml import consistency_errors, simulate_roadrunner, to_sbml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _tight(cfg):
    return dataclasses.replace(cfg, solver=dataclasses.replace(cfg.solver, rtol=1e-10,
                                                               atol=1e-10))


def _arm(name, arm):
    exp = load_experiment(ROOT / "experiments" / name / "experiment.toml")
    return next(a.config for a in exp.arms if a.name == arm)


CASES = {
    "healthy": lambda: parse({"run": {"days": 60.0, "save_interval": 1.0},
                              "inputs": [{"channel": "p53_repression", "start": 10.0,
                                          "stop": 20.0, "level": 0.5}]}),
    "ctx_hucmsc": lambda: _arm("rat_ctx_hucmsc_iv", "poi_hucmsc"),
    "cisplatin_mir126_ev": lambda: _arm("rat_cisplatin_mir126_ev", "poi_ev"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_roadrunner_matches_follisim(case):
    cfg = _tight(CASES[case]())
    text = to_sbml(cfg)
    assert consistency_errors(text) == []
    ours = simulate(cfg, throw=True)
    theirs = simulate_roadrunner(text, cfg.save_t)
    for name in RAT.state_names:
        np.testing.assert_allclose(theirs[name], ours[name].values, rtol=1e-4, atol=1e-9,
                                   err_msg=name)


def test_ids_match_dataset_names():
    import libsbml

    doc = libsbml.readSBMLFromString(to_sbml(parse({"run": {"days": 5.0}})))
    m = doc.getModel()
    species = {m.getSpecies(i).getId() for i in range(m.getNumSpecies())}
    params = {m.getParameter(i).getId() for i in range(m.getNumParameters())}
    assert set(RAT.state_names) <= species
    assert set(RAT.parameters.names) <= params
    assert set(RAT.input_names) <= params
    assert m.getSpecies("e2").getSubstanceUnits() == "pg_per_mL"


def test_cli_export(tmp_path, capsys):
    out = tmp_path / "model.xml"
    assert main(["export-sbml", str(ROOT / "configs" / "default.toml"), "-o", str(out)]) == 0
    assert "0 consistency errors" in capsys.readouterr().out
    assert out.read_text().startswith("<?xml")
