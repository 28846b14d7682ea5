"""Fuzz corpus for every input kind: mutations of the shipped files and the input contract.

The contract (``docs/inputs.md``): a bad input exits with status 2 and exactly one line on
stderr naming the file and the key (or row and column), with no traceback and nothing written;
an input that is not refused is accepted (status 0).

Adding an input kind is one more :class:`InputKind` in :data:`INPUT_KINDS`: its shipped
example, its format (``toml`` or ``csv``: which mutations apply) and either the command lines
that read it (run in-process through ``follisim.cli.main``) or, before it has a command, the
library function that checks it. ``tests/test_fuzz.py`` runs every entry.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import gzip
import io
import json
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from follisim.cli import main
from follisim.datasets.schema import check_outcomes
from follisim.interventions import AGENTS, MIRNAS, PRESETS, TARGET_CHANNELS
from follisim.interventions import PARAMETERS as INTERVENTION_PARAMETERS
from follisim.io.validate import ConfigError
from follisim.models import RAT

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "follisim" / "datasets" / "data"


@dataclass(frozen=True)
class InputKind:
    """One kind of input file and how follisim reads it.

    ``commands``: argument templates (``{input}``, ``{out}`` = an empty output folder). The first
    command only reads; later ones (that write) run only for inputs the first one refused, so
    that no simulation starts, and must refuse them with the same line and write nothing.
    ``check``: a library validator, for input kinds without a command yet.
    ``parameters``: registry parameter names valid in this file's ``[parameters]`` tables.
    """

    name: str
    example: Path
    fmt: str
    commands: tuple[tuple[str, ...], ...] = ()
    check: Callable[[Path], Any] | None = None
    parameters: tuple[str, ...] = ()


RUN = ("run", "{input}", "-o", "{out}/result.nc", "--plot", "{out}/result.png")
EXPERIMENT_PARAMETERS = RAT.parameters.names + INTERVENTION_PARAMETERS.names
INPUT_KINDS = (
    InputKind("run config", ROOT / "configs" / "default.toml", "toml",
              (("validate", "{input}"), RUN), parameters=RAT.parameters.names),
    *(InputKind(f"experiment {p.parent.name}", p, "toml", (("validate", "{input}"), RUN),
                parameters=EXPERIMENT_PARAMETERS)
      for p in sorted((ROOT / "experiments").glob("*/experiment.toml"))),
    InputKind("arm outcomes", DATA / "rat_outcomes.csv", "csv", check=check_outcomes),
    InputKind("pooled effects", DATA / "meta_analysis.csv", "csv", check=check_outcomes),
)


@dataclass(frozen=True)
class Mutation:
    """What was changed: ``must_fail`` if no valid file can result (``expect`` must then appear
    in the message: a key, a column, a row); ``must_pass`` if the file stays valid."""

    what: str
    must_fail: bool = False
    expect: tuple[str, ...] = ()
    must_pass: bool = False


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


# --- TOML ------------------------------------------------------------------------------------

def _toml_string(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    """One TOML value on one line (tables inline)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_string(k)} = {toml_value(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(type(value))


def toml_dumps(doc: dict) -> str:
    """A document as ``key = value`` lines (every table inline): enough for any parsed doc."""
    return "".join(f"{_toml_string(k)} = {toml_value(v)}\n" for k, v in doc.items())


def _nodes(doc: Any, path: tuple = ()) -> list[tuple]:
    """Every path below ``doc`` (dict keys and list indices)."""
    out = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) \
        if isinstance(doc, list) else ()
    for k, v in items:
        out.append((*path, k))
        out += _nodes(v, (*path, k))
    return out


def _get(doc: Any, path: tuple) -> Any:
    for k in path:
        doc = doc[k]
    return doc


def _last_key(path: tuple) -> tuple[str, ...]:
    keys = [k for k in path if isinstance(k, str)]
    return (keys[-1],) if keys else ()


KNOWN_NAMES = frozenset(
    set(RAT.parameters.names) | set(INTERVENTION_PARAMETERS.names) | set(MIRNAS)
    | set(AGENTS) | set(PRESETS) | set(TARGET_CHANNELS)
    | {"description", "run", "solver", "parameters", "inputs", "experiment", "arms",
       "mirnas", "doses", "name", "model", "days", "save_interval", "save_times",
       "initial_state", "burn_in", "rtol", "atol", "max_steps", "h_init", "h_min", "h_max",
       "channel", "start", "stop", "level", "strain", "measure_days", "measure_window",
       "agent", "dose", "unit", "route", "mechanisms", "cargo", "preset", "start_day",
       "targets", "reference", "kd", "hill"})

KEY_CHARS = st.sampled_from("abcdefghijklmnopqrstuvwxyz_0123456789-")
NEW_KEYS = st.text(KEY_CHARS, min_size=1, max_size=24).filter(lambda k: k not in KNOWN_NAMES)
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
HUGE_INTS = st.sampled_from([10**309, -(10**309), 2**1100, 10**400])
ANY_NUMBER = st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                       st.integers(-(10**20), 10**20),
                       st.sampled_from([0, -1, 0.0, -0.0, 1e-300, 5e-324, 1e300, -1e300,
                                        1.7976931348623157e308, 2**63, -(2**63)]))
SHORT_TEXT = st.text(max_size=30)
SCALARS = st.one_of(ANY_NUMBER, SHORT_TEXT)
ANY_VALUE = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(NEW_KEYS, inner, max_size=3)), max_leaves=6)


@st.composite
def misspelt(draw, name: str) -> str:
    """``name`` with one character dropped, doubled, swapped or replaced."""
    i = draw(st.integers(0, max(len(name) - 1, 0)))
    how = draw(st.sampled_from(["drop", "double", "swap", "replace", "case"]))
    if how == "drop" and len(name) > 1:
        return name[:i] + name[i + 1:]
    if how == "swap" and i + 1 < len(name):
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    if how == "replace":
        return name[:i] + draw(KEY_CHARS) + name[i + 1:]
    if how == "case":
        return name.upper() if name != name.upper() else name.lower()
    return name[:i + 1] + name[i:]


def _swap_value(draw, old: Any) -> tuple[Any, bool]:
    """A value of another type than ``old``; ``True`` if no key accepts both types."""
    if isinstance(old, str):
        return draw(st.one_of(ANY_NUMBER, st.just([]), st.just({}), st.lists(SHORT_TEXT,
                                                                             max_size=2))), True
    if isinstance(old, int | float):
        return draw(st.one_of(SHORT_TEXT, st.just({}),
                              st.dictionaries(NEW_KEYS, ANY_NUMBER, max_size=2))), True
    if isinstance(old, list):
        return draw(st.one_of(SHORT_TEXT, st.just({}))), True
    return draw(st.one_of(SHORT_TEXT, ANY_NUMBER, st.just([]))), True


@st.composite
def toml_mutations(draw, text: str, parameters: tuple[str, ...] = ()) -> tuple[bytes, Mutation]:
    """A mutated TOML file (bytes) and what the mutation was."""
    doc = tomllib.loads(text)
    kind = draw(st.sampled_from(["nonfinite", "huge_int", "bool_or_date", "type_swap",
                                 "any_value", "unknown_key", "misspelt_key", "delete_key",
                                 "wrap", "out_of_bounds", "bytes"]))
    if kind == "bytes":
        return draw(text_mutations(text.encode()))
    paths = _nodes(doc)
    if kind == "out_of_bounds":
        space = {**{p.name: p for p in RAT.parameters.parameters},
                 **{p.name: p for p in INTERVENTION_PARAMETERS.parameters}}
        name = draw(st.sampled_from(parameters))
        lo, hi = space[name].bounds
        above = math.isfinite(hi) and draw(st.booleans())
        value = hi * 2 + 1 if above else lo - abs(lo) - 1
        tables = [p for p in [("parameters",)] + [("arms", i, "parameters")
                                                  for i in range(len(doc.get("arms", [])))]]
        where = draw(st.sampled_from(tables))
        holder = doc
        for k in where[:-1]:
            holder = holder[k]
        holder.setdefault(where[-1], {})[name] = value
        return toml_dumps(doc).encode(), Mutation(f"{name} = {value:g}", True, (name,))
    if kind in ("unknown_key", "misspelt_key", "delete_key"):
        tables = [()] + [p for p in paths if isinstance(_get(doc, p), dict)]
        where = draw(st.sampled_from(tables))
        table = _get(doc, where)
        if kind == "unknown_key" or not table:
            key = draw(NEW_KEYS.filter(lambda k: k not in table))
            table[key] = draw(ANY_VALUE)
            return toml_dumps(doc).encode(), Mutation(f"new key {key!r}", True, (key,))
        old = draw(st.sampled_from(sorted(table)))
        if kind == "delete_key":
            del table[old]
            return toml_dumps(doc).encode(), Mutation(f"deleted {old!r}")
        new = draw(misspelt(old).filter(lambda k: k not in KNOWN_NAMES and k not in table))
        table[new] = table.pop(old)
        return toml_dumps(doc).encode(), Mutation(f"renamed {old!r} -> {new!r}", True, (new,))
    path = draw(st.sampled_from(paths))
    parent, key = _get(doc, path[:-1]), path[-1]
    old = parent[key]
    must_fail, expect = True, _last_key(path)
    if kind == "nonfinite":
        new = draw(NON_FINITE)
    elif kind == "huge_int":
        new = draw(HUGE_INTS)
    elif kind == "bool_or_date":
        new = draw(st.sampled_from([True, False, datetime.date(2024, 1, 2),
                                    datetime.datetime(2024, 1, 2, 3, 4, 5)]))
    elif kind == "type_swap":
        new, must_fail = _swap_value(draw, old)
    elif kind == "wrap":
        new, must_fail = ([old] if not isinstance(old, list) or draw(st.booleans())
                          else (old[0] if old else {})), False
    else:
        new, must_fail = draw(ANY_VALUE), False
    parent[key] = new
    return toml_dumps(doc).encode(), Mutation(f"{path} = {new!r:.60}", must_fail,
                                              expect if must_fail else ())


# --- raw bytes (any format) ------------------------------------------------------------------

@st.composite
def text_mutations(draw, data: bytes) -> tuple[bytes, Mutation]:
    """Byte-level damage: truncation, junk, encodings, compression, nesting, huge numbers."""
    kind = draw(st.sampled_from(["truncate", "insert", "utf16", "gzip", "binary", "nesting",
                                 "digits", "bom", "empty", "repeat_line"]))
    if kind == "truncate":
        cut = draw(st.integers(0, len(data)))
        return data[:cut], Mutation(f"truncated at byte {cut}")
    if kind == "insert":
        at = draw(st.integers(0, len(data)))
        junk = draw(st.binary(min_size=1, max_size=8))
        return data[:at] + junk + data[at:], Mutation(f"inserted {junk!r} at {at}")
    if kind == "utf16":
        return data.decode().encode("utf-16"), Mutation("UTF-16", True)
    if kind == "gzip":
        return gzip.compress(data), Mutation("gzip", True)
    if kind == "binary":
        return b"\x00\xff" + draw(st.binary(max_size=64)), Mutation("binary", True)
    if kind == "nesting":
        depth = draw(st.sampled_from([20, 200, 5000]))
        return data + f"\nzz_deep = {'[' * depth}1{']' * depth}\n".encode(), \
            Mutation(f"nested {depth}", True)
    if kind == "digits":
        digits = draw(st.sampled_from([400, 4301, 20_000]))
        return data + f"\nzz_big = 1{'0' * digits}\n".encode(), Mutation(f"{digits} digits", True)
    if kind == "bom":
        return b"\xef\xbb\xbf" + data, Mutation("UTF-8 byte-order mark")
    if kind == "empty":
        return b"", Mutation("empty file")
    lines = data.splitlines(keepends=True)
    i = draw(st.integers(0, max(len(lines) - 1, 0)))
    return b"".join(lines[:i + 1] + lines[i:]), Mutation(f"line {i + 1} repeated")


# --- CSV -------------------------------------------------------------------------------------

def csv_dumps(rows: list[list[str]]) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)             # CRLF rows: CR and LF in cells get quoted
    return buf.getvalue().encode()


NUMERIC = ("mean", "estimate", "ci_low", "ci_high")
BAD_NUMBERS = st.one_of(st.sampled_from(["", "nan", "inf", "-inf", "NaN", "1_000", "n/a",
                                         "1e999", "--1", "0x10", "1,5"]),
                        st.text(st.sampled_from("abcxyz ;:/"), min_size=1, max_size=8))


@st.composite
def csv_mutations(draw, data: bytes) -> tuple[bytes, Mutation]:
    """A mutated outcome CSV and what the mutation was (see the brief of each kind)."""
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    header, body = rows[0], rows[1:]
    kind = draw(st.sampled_from(["bad_number", "drop_column", "rename_column", "effect_kind",
                                 "invert_ci", "endpoint", "ragged", "any_cell", "bytes"]))
    if kind == "bytes":
        return draw(text_mutations(data))
    r = draw(st.integers(0, len(body) - 1))
    row_tag = f"row {r + 1} ("
    numeric = [c for c in NUMERIC if c in header]
    if kind == "bad_number":
        column = draw(st.sampled_from(numeric))
        body[r][header.index(column)] = draw(BAD_NUMBERS)
        return csv_dumps([header, *body]), Mutation(f"{row_tag}{column}", True,
                                                    (row_tag, f"column {column}"))
    if kind in ("drop_column", "rename_column"):
        column = draw(st.sampled_from(numeric + ["endpoint"]))
        j = header.index(column)
        if kind == "drop_column":
            rows = [[c for i, c in enumerate(row) if i != j] for row in [header, *body]]
            return csv_dumps(rows), Mutation(f"dropped {column}", True, (f"column {column}",))
        header[j] = draw(misspelt(column).filter(lambda c: c not in header))
        return csv_dumps([header, *body]), Mutation(f"renamed {column}", True,
                                                    (f"column {column}",))
    if kind == "effect_kind" and "effect_kind" in header:
        value = draw(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
                             max_size=6)
                     .filter(lambda v: v.strip() not in ("SMD", "MD", "RR")))
        body[r][header.index("effect_kind")] = value
        return csv_dumps([header, *body]), Mutation(f"{row_tag}effect_kind", True,
                                                    (row_tag, "column effect_kind"))
    if kind == "invert_ci" and "ci_low" in header:
        lo, hi = header.index("ci_low"), header.index("ci_high")
        if float(body[r][lo]) < float(body[r][hi]):
            body[r][lo], body[r][hi] = body[r][hi], body[r][lo]
            return csv_dumps([header, *body]), Mutation(f"{row_tag}inverted CI", True,
                                                        (row_tag,))
    if kind == "endpoint":
        name = draw(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                            max_size=20).filter(lambda v: v.strip()))
        body[r][header.index("endpoint")] = name
        return csv_dumps([header, *body]), Mutation(f"{row_tag}endpoint {name!r} (allowed)",
                                                    must_pass=True)
    if kind == "ragged":
        if draw(st.booleans()):
            body[r].append("extra")
        else:
            body[r].pop()
        return csv_dumps([header, *body]), Mutation(f"{row_tag}ragged", True,
                                                    (f"row {r + 1} ",))
    column = draw(st.sampled_from(header))
    body[r][header.index(column)] = draw(SHORT_TEXT)
    return csv_dumps([header, *body]), Mutation(f"{row_tag}{column} = any text")


def mutations(kind: InputKind) -> st.SearchStrategy[tuple[bytes, Mutation]]:
    data = kind.example.read_bytes()
    if kind.fmt == "toml":
        return toml_mutations(data.decode(), kind.parameters)
    return csv_mutations(data)


# --- running and the contract ----------------------------------------------------------------

def invoke(argv: list[str]) -> Outcome:
    """``follisim.cli.main(argv)`` in-process, capturing stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return Outcome(code, out.getvalue(), err.getvalue())


def check_with(check: Callable[[Path], Any], path: Path) -> Outcome:
    """A library validator run as a command would: ConfigError -> status 2, one line."""
    try:
        check(path)
    except ConfigError as err:
        return Outcome(2, "", f"follisim: error: {err}\n")
    return Outcome(0, "", "")


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def assert_contract(outcome: Outcome, mutation: Mutation, names: tuple[str, ...],
                    out: Path, allowed_files: tuple[str, ...] = ()) -> None:
    """The input contract for one outcome.

    ``names``: strings of which the message must contain one (the input file, or an output
    path); ``out``: the output folder, which must hold nothing but ``allowed_files`` after a
    refused input.
    """
    context = f"mutation: {mutation.what}; stderr: {outcome.stderr!r}"
    assert "Traceback" not in outcome.stderr, context
    assert outcome.code in (0, 2), context
    if mutation.must_fail:
        assert outcome.code == 2, f"accepted; {context}"
    if mutation.must_pass:
        assert outcome.code == 0, f"refused; {context}"
    if outcome.code == 2:
        lines = outcome.stderr.split("\n")
        assert len(lines) == 2 and lines[1] == "", f"not one line; {context}"
        assert lines[0].startswith("follisim: error: "), context
        assert any(name in lines[0] for name in names), f"file not named; {context}"
        for fragment in mutation.expect:
            assert fragment in lines[0], f"{fragment!r} not named; {context}"
        assert files_in(out) == sorted(allowed_files), f"files written; {context}"


def contract_json(outcome: Outcome, mutation: Mutation) -> str:
    """A compact record of one example (for failure reports)."""
    return json.dumps({"mutation": mutation.what, "code": outcome.code,
                       "stderr": outcome.stderr[:300]})
