"""The documentation stays in step with the registry."""

from pathlib import Path

import pytest

from follisim.models import RAT
from follisim.spec import docs

ROOT = Path(__file__).resolve().parents[1]


def test_model_doc_tables_match_registry():
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    assert docs.render(text, RAT) == text, (
        "docs/model.md is out of date: run `python -m follisim.spec.docs`")


def test_intervention_doc_tables_match_registry():
    from follisim.interventions import AGENTS, MIRNAS, PARAMETERS

    text = (ROOT / "docs" / "interventions.md").read_text(encoding="utf-8")
    assert docs.render(text, None) == text, (
        "docs/interventions.md is out of date: run `python -m follisim.spec.docs`")
    for name in (*PARAMETERS.names, *AGENTS, *MIRNAS):
        assert f"`{name}`" in text, name


def test_every_parameter_and_state_is_documented():
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    for name in RAT.parameters.names + RAT.state_names + RAT.input_names:
        assert f"`{name}`" in text, name


def test_compare_doc_tables_match_the_vocabulary():
    from follisim.compare.vocabulary import ENDPOINTS

    text = (ROOT / "docs" / "compare.md").read_text(encoding="utf-8")
    assert docs.render(text, "compare") == text, (
        "docs/compare.md is out of date: run `python -m follisim.spec.docs`")
    for name in ENDPOINTS:
        assert f"`{name}`" in text, name


def _table_rows(text: str, name: str) -> list[list[str]]:
    body = text.split(f"<!-- BEGIN GENERATED: {name} -->")[1].split(
        f"<!-- END GENERATED: {name} -->")[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in body.splitlines() if line.startswith("| ")]
    return rows[1:]                                   # without the header


@pytest.mark.slow
def test_validation_tables_are_current():
    """docs/validation.md's row tables against a fresh evaluation: same rows, roles and
    verdicts, z within 0.05 (numba builds may differ in the last bits across machines)."""
    from follisim.calibrate import evaluate, table

    text = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    for name, path in table.CALIBRATIONS.items():
        block = f"validation-{name}"
        fresh = _table_rows(table.replace_blocks(text, {block: table.markdown(
            evaluate(ROOT / path))}), block)
        shipped = _table_rows(text, block)
        assert len(fresh) == len(shipped), f"{block}: run python -m follisim.calibrate.table"
        for new, old in zip(fresh, shipped, strict=True):
            assert new[:6] == old[:6] and new[-1] == old[-1], (block, new, old)
            if new[-2] not in ("", "–"):
                assert abs(float(new[-2]) - float(old[-2])) < 0.05, (block, new, old)
