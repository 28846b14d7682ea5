"""The two outcome CSV schemas, checked row by row with one clear error per problem.

* **arm outcomes** (``rat_outcomes.csv``): one row per study arm and endpoint with ``mean``,
  ``spread`` (``spread_kind`` SD, SEM, CI95 or none) and ``n``;
* **pooled effects** (``meta_analysis.csv``): one row per pooled effect with ``effect_kind``
  (SMD, MD, RR), ``estimate`` and its 95 % CI ``ci_low`` .. ``ci_high``.

Columns are documented in ``shared/data/README.md`` and ``docs/inputs.md``. Other columns
(provenance: ``doi``, ``quote``, ``locator``, ...) are kept as they are; endpoint names are free
(whether the model simulates an endpoint is for the comparison to decide). Every problem is a
:class:`~follisim.io.validate.ConfigError` whose key names the row (counted from 1 after the
header, with its line in the file) and the column.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from follisim.io.validate import ConfigError, decode_text, read_bytes, shorten

#: Largest outcome CSV read [bytes].
MAX_CSV_BYTES = 16 << 20
SPREAD_KINDS = ("SD", "SEM", "CI95", "none")
EFFECT_KINDS = ("SMD", "MD", "RR")


@dataclass(frozen=True)
class Schema:
    """A CSV schema: required columns and one check per row."""

    name: str
    required: tuple[str, ...]
    check: Callable[[Row], None]


@dataclass(frozen=True)
class Outcomes:
    """A checked outcome table: which schema, the file, and its rows as strings."""

    schema: str
    source: str
    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]


class Row:
    """One data row with typed cell readers that raise with file, row and column."""

    def __init__(self, source: str, index: int, line: int, cells: dict[str, str]):
        self.source, self.index, self.line, self.cells = source, index, line, cells

    def error(self, column: str, message: str) -> ConfigError:
        return ConfigError(self.source, f"row {self.index} (line {self.line}), column "
                                        f"{column}", message)

    def text(self, column: str) -> str:
        """A non-empty cell."""
        value = self.cells[column].strip()
        if not value:
            raise self.error(column, "is empty")
        return value

    def number(self, column: str, optional: bool = False) -> float | None:
        """A finite number (an empty cell is ``None`` if ``optional``)."""
        raw = self.cells[column].strip()
        if not raw and optional:
            return None
        try:
            if "_" in raw:                             # float() would accept 1_000
                raise ValueError(raw)
            value = float(raw)
        except ValueError:
            raise self.error(column, f"must be a number, got {shorten(repr(raw))}") from None
        if not math.isfinite(value):
            raise self.error(column, f"must be a finite number, got {shorten(repr(raw))}")
        return value

    def count(self, column: str) -> int | None:
        """A positive whole number, or ``None`` for an empty cell."""
        raw = self.cells[column].strip()
        if not raw:
            return None
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise self.error(column, f"must be a positive whole number or empty, got "
                                     f"{shorten(repr(raw))}")
        return int(raw)

    def choice(self, column: str, allowed: tuple[str, ...]) -> str:
        value = self.cells[column].strip()
        if value not in allowed:
            raise self.error(column, f"unknown {column} {shorten(repr(value))}; allowed: "
                                     f"{', '.join(allowed)}")
        return value


def _arm_row(row: Row) -> None:
    for column in ("study_id", "group", "endpoint"):
        row.text(column)
    row.number("mean")
    kind = row.choice("spread_kind", SPREAD_KINDS)
    spread = row.number("spread", optional=True)
    n = row.count("n")
    if kind == "none" and spread is not None:
        raise row.error("spread", "must be empty when spread_kind is none")
    if kind != "none" and spread is None:
        raise row.error("spread", f"is required when spread_kind is {kind}")
    if spread is not None and spread < 0:
        raise row.error("spread", f"must be >= 0, got {spread:g}")
    if kind == "SEM" and n is None:
        raise row.error("n", "is required when spread_kind is SEM (to convert it to an SD)")


def _pooled_row(row: Row) -> None:
    row.text("endpoint")
    kind = row.choice("effect_kind", EFFECT_KINDS)
    estimate, low, high = (row.number(c) for c in ("estimate", "ci_low", "ci_high"))
    if low > high:
        raise row.error("ci_low", f"{low:g} is above ci_high {high:g} (inverted interval)")
    if not low <= estimate <= high:
        raise row.error("estimate", f"{estimate:g} lies outside its interval "
                                    f"[{low:g}, {high:g}]")
    if kind == "RR" and low <= 0:
        raise row.error("ci_low", f"a risk ratio and its interval must be > 0, got {low:g}")
    if "I2_pct" in row.cells:
        i2 = row.number("I2_pct", optional=True)
        if i2 is not None and not 0 <= i2 <= 100:
            raise row.error("I2_pct", f"must lie in [0, 100] %, got {i2:g}")


ARM_OUTCOMES = Schema("arm outcomes", ("study_id", "group", "endpoint", "unit", "mean",
                                       "spread", "spread_kind", "n"), _arm_row)
POOLED_EFFECTS = Schema("pooled effects", ("endpoint", "effect_kind", "estimate", "ci_low",
                                           "ci_high"), _pooled_row)
SCHEMAS = {"arm_outcomes": ARM_OUTCOMES, "pooled_effects": POOLED_EFFECTS}


def _schema_of(source: str, header: list[str]) -> Schema:
    """The schema a header is meant for (the one sharing more of its required columns)."""
    scores = {s: sum(c in header for c in s.required) for s in SCHEMAS.values()}
    best = max(scores, key=scores.get)
    if scores[best] == 0:
        raise ConfigError(source, "header", "matches no outcome schema; arm outcomes need "
                                            f"{', '.join(ARM_OUTCOMES.required)}; pooled "
                                            f"effects need {', '.join(POOLED_EFFECTS.required)}")
    return best


def check_outcomes(path: str | Path, schema: str | None = None) -> Outcomes:
    """Read and check an outcome CSV; ``schema`` is a key of :data:`SCHEMAS` or guessed.

    Raises
    ------
    ConfigError naming the file, the row (and its line) and the column of the first problem.
    """
    data, source = read_bytes(path, MAX_CSV_BYTES)
    text = decode_text(data, source)
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise ConfigError(source, f"line {line}", "contains a NUL byte; not a text CSV file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise ConfigError(source, "", "has no header row")
        header = [h.strip() for h in header]
        for i, name in enumerate(header):
            if not name:
                raise ConfigError(source, "header", f"column {i + 1} has no name")
            if header.index(name) != i:
                raise ConfigError(source, "header", f"column {shorten(name)!r} appears twice")
        spec = SCHEMAS[schema] if schema is not None else _schema_of(source, header)
        for column in spec.required:
            if column not in header:
                raise ConfigError(source, f"column {column}",
                                  f"is missing from the header; {spec.name} need "
                                  f"{', '.join(spec.required)}")
        rows = []
        for number, cells in enumerate(reader, start=1):
            if not cells:
                continue
            if len(cells) != len(header):
                raise ConfigError(source, f"row {number} (line {reader.line_num})",
                                  f"has {len(cells)} fields; the header has {len(header)}")
            row = dict(zip(header, cells, strict=True))
            spec.check(Row(source, number, reader.line_num, row))
            rows.append(row)
    except csv.Error as err:
        raise ConfigError(source, f"line {reader.line_num}", f"is not valid CSV: "
                                                             f"{shorten(str(err), 120)}") from None
    if not rows:
        raise ConfigError(source, "", "has a header but no rows")
    return Outcomes(spec.name, source, tuple(header), tuple(rows))
