"""The documentation stays in step with the registry."""

from pathlib import Path

from follisim.models import RAT
from follisim.spec import docs

ROOT = Path(__file__).resolve().parents[1]


def test_model_doc_tables_match_registry():
    text = (ROOT / "docs" / "model.md").read_text()
    assert docs.render(text, RAT) == text, (
        "docs/model.md is out of date: run `python -m follisim.spec.docs`")


def test_intervention_doc_tables_match_registry():
    from follisim.interventions import AGENTS, MIRNAS, PARAMETERS

    text = (ROOT / "docs" / "interventions.md").read_text()
    assert docs.render(text, None) == text, (
        "docs/interventions.md is out of date: run `python -m follisim.spec.docs`")
    for name in (*PARAMETERS.names, *AGENTS, *MIRNAS):
        assert f"`{name}`" in text, name


def test_every_parameter_and_state_is_documented():
    text = (ROOT / "docs" / "model.md").read_text()
    for name in RAT.parameters.names + RAT.state_names + RAT.input_names:
        assert f"`{name}`" in text, name


def test_compare_doc_tables_match_the_vocabulary():
    from follisim.compare.vocabulary import ENDPOINTS

    text = (ROOT / "docs" / "compare.md").read_text()
    assert docs.render(text, "compare") == text, (
        "docs/compare.md is out of date: run `python -m follisim.spec.docs`")
    for name in ENDPOINTS:
        assert f"`{name}`" in text, name
