"""Reported outcomes with provenance, shipped read-only from ``shared/data``.

``data/PROVENANCE.md`` describes every file; numbers are never edited here.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

DATA = files("follisim.datasets") / "data"


@cache
def rows(name: str) -> tuple[dict[str, str], ...]:
    """All rows of ``data/<name>.csv`` as dictionaries of strings (provenance columns intact)."""
    with (DATA / f"{name}.csv").open(encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def arm_mean(study_id: str, group: str, endpoint: str) -> float:
    """Mean of one arm-level row of ``rat_outcomes.csv``."""
    hits = [r for r in rows("rat_outcomes")
            if r["study_id"] == study_id and r["group"] == group and r["endpoint"] == endpoint]
    if len(hits) != 1:
        raise KeyError(f"expected one row for {study_id}/{group}/{endpoint}, found {len(hits)}")
    return float(hits[0]["mean"])


TANG2018 = "Tang2018_CTX_rat_LIPUS"


def names() -> tuple[str, ...]:
    """The shipped CSV files, without the ``.csv`` suffix."""
    return tuple(sorted(p.name[:-4] for p in DATA.iterdir() if p.name.endswith(".csv")))


def provenance(name: str) -> list[str]:
    """Lines of ``PROVENANCE.md`` about ``<name>.csv``: its table row and its own section."""
    text = (DATA / "PROVENANCE.md").read_text(encoding="utf-8").splitlines()
    out = [line for line in text if line.startswith(f"| `{name}.csv`")]
    keep = False
    for line in text:
        if line.startswith("## "):
            keep = f"{name}.csv" in line
        if keep:
            out.append(line)
    return out


def schema_of(name: str) -> str:
    """``arm outcomes``, ``pooled effects`` or ``reference table`` (not comparable as such)."""
    from follisim.datasets.schema import check_outcomes
    from follisim.io.validate import ConfigError

    try:
        return check_outcomes(DATA / f"{name}.csv").schema
    except ConfigError:
        return "reference table"
