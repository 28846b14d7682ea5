"""Outcome CSV schemas: the shipped files pass; each kind of damage names file, row, column."""

import csv
import io

import pytest
from fuzzing import DATA

from follisim.datasets.schema import check_outcomes
from follisim.io.outputs import staged
from follisim.io.validate import ConfigError


def _rows(name):
    return list(csv.reader(io.StringIO((DATA / name).read_text(encoding="utf-8"), newline="")))


def _write(tmp_path, rows, name="x.csv"):
    path = tmp_path / name
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def test_shipped_outcome_files_pass():
    arm = check_outcomes(DATA / "rat_outcomes.csv")
    pooled = check_outcomes(DATA / "meta_analysis.csv")
    assert arm.schema == "arm outcomes" and len(arm.rows) == 23
    assert pooled.schema == "pooled effects" and len(pooled.rows) == 18


def _edit(rows, row, column, value):
    rows[row][rows[0].index(column)] = value
    return rows


@pytest.mark.parametrize(("name", "edit", "key", "fragment"), [
    ("meta_analysis.csv", lambda r: _edit(r, 3, "estimate", "2.8x"), "row 3 (line 4), column "
     "estimate", "must be a number, got '2.8x'"),
    ("meta_analysis.csv", lambda r: _edit(r, 2, "effect_kind", "OR"), "row 2 (line 3), column "
     "effect_kind", "unknown effect_kind 'OR'; allowed: SMD, MD, RR"),
    ("meta_analysis.csv", lambda r: _edit(_edit(r, 1, "ci_low", "3.41"), 1, "ci_high", "1.97"),
     "row 1 (line 2), column ci_low", "3.41 is above ci_high 1.97"),
    ("meta_analysis.csv", lambda r: _edit(r, 1, "estimate", "nan"), "row 1 (line 2), column "
     "estimate", "must be a finite number"),
    ("meta_analysis.csv", lambda r: [row[:2] + row[3:] for row in r], "column estimate",
     "is missing from the header"),
    ("rat_outcomes.csv", lambda r: [row[:12] + row[13:] for row in r], "column mean",
     "is missing from the header"),
    ("rat_outcomes.csv", lambda r: _edit(r, 5, "mean", "18,6"), "row 5 (line 6), column mean",
     "must be a number"),
    ("rat_outcomes.csv", lambda r: _edit(r, 4, "spread_kind", "SE"), "row 4 (line 5), column "
     "spread_kind", "allowed: SD, SEM, CI95, none"),
    ("rat_outcomes.csv", lambda r: _edit(r, 4, "n", "12.5"), "row 4 (line 5), column n",
     "positive whole number"),
    ("rat_outcomes.csv", lambda r: _edit(r, 4, "n", "\u00b9"), "row 4 (line 5), column n",
     "positive whole number"),                  # a digit to str.isdigit, not to int()
    ("rat_outcomes.csv", lambda r: _edit(r, 4, "spread", ""), "row 4 (line 5), column spread",
     "is required when spread_kind is SD"),
    ("rat_outcomes.csv", lambda r: r[:3] + [r[3][:-1]] + r[4:], "row 3 (line 4)",
     "has 20 fields; the header has 21"),
])
def test_damaged_outcome_csv_names_row_and_column(tmp_path, name, edit, key, fragment):
    path = _write(tmp_path, edit(_rows(name)))
    with pytest.raises(ConfigError) as info:
        check_outcomes(path)
    assert info.value.key == key, str(info.value)
    assert str(info.value).startswith(str(path)) and fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_endpoints_are_not_errors(tmp_path):
    rows = _edit(_rows("meta_analysis.csv"), 1, "endpoint", "ovarian_blood_flow")
    assert check_outcomes(_write(tmp_path, rows)).rows[0]["endpoint"] == "ovarian_blood_flow"


@pytest.mark.parametrize(("content", "fragment"), [
    (b"", "has no header row"),
    (b"a,b\n1,2\n", "matches no outcome schema"),
    (b"\xff\xfe" + "endpoint".encode("utf-16-le"), "is not UTF-8 text"),
    (b"endpoint,effect_kind,estimate,ci_low,ci_high\n", "has a header but no rows"),
    (b"endpoint,endpoint,effect_kind,estimate,ci_low,ci_high\n", "appears twice"),
    (b"endpoint,effect_kind,estimate,ci_low,ci_high\nE2,SMD,1,\x00,2\n", "line 2: contains a NUL"),
])
def test_broken_csv_files(tmp_path, content, fragment):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=fragment):
        check_outcomes(path)


def test_staged_writes_leave_nothing_when_a_writer_fails(tmp_path):
    targets = [tmp_path / "sub" / "a.nc", tmp_path / "sub" / "b.png"]
    with pytest.raises(RuntimeError), staged(targets) as temps:
        temps[0].write_text("partial", encoding="utf-8")
        raise RuntimeError("writer failed")
    assert list((tmp_path / "sub").iterdir()) == []
    with staged(targets) as temps:
        for tmp in temps:
            tmp.write_text("done", encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["a.nc", "b.png"]
