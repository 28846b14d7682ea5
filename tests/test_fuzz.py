"""Fuzz corpus: mutated shipped inputs and bad output paths keep the input contract.

Every entry of ``fuzzing.INPUT_KINDS`` is fuzzed the same way (``fuzzing.py`` says how to add
one); bad output paths are fuzzed for every command that writes. Example counts come from the
hypothesis profile (``tests/conftest.py``).
"""

import functools
import os
import tempfile
from pathlib import Path

import pytest
from fuzzing import (
    INPUT_KINDS,
    ROOT,
    Mutation,
    assert_contract,
    check_with,
    invoke,
    mutations,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from follisim.datasets.schema import check_outcomes
from follisim.io.validate import one_line

#: Examples per test: four times the profile's count (validation takes milliseconds).
EXAMPLES = 4 * settings.default.max_examples


@functools.cache
def _strategy(name):
    return mutations(next(k for k in INPUT_KINDS if k.name == name))


def _fill(template, **where):
    return [part.format(**where) for part in template]


@pytest.mark.parametrize("kind", INPUT_KINDS, ids=lambda k: k.name)
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_mutated_input_keeps_the_contract(kind, data):
    content, mutation = data.draw(_strategy(kind.name), label="mutated file")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in" / kind.example.name
        src.parent.mkdir()
        src.write_bytes(content)
        out = Path(tmp) / "out"
        out.mkdir()
        if kind.check is not None:
            assert_contract(check_with(kind.check, src), mutation, (str(src),), out)
            return
        first = invoke(_fill(kind.commands[0], input=src, out=out))
        assert_contract(first, mutation, (str(src),), out)
        if first.code != 2:
            return
        for template in kind.commands[1:]:       # refused: writers refuse it the same way
            later = invoke(_fill(template, input=src, out=out))
            assert later.stderr == first.stderr, (mutation.what, later.stderr, first.stderr)
            assert_contract(later, mutation, (str(src),), out)


# --- bad output paths --------------------------------------------------------------------------

#: (what, option values) templates: {input} the config, {out} an empty folder, {name} a long
#: name drawn per example. Folders ``made_dir`` and FIFO ``fifo`` exist in {out}.
BAD_OUTPUTS = [
    ("inside a regular file", {"-o": "{input}/result.nc"}),
    ("the input file", {"-o": "{input}"}),
    ("the input file by another path", {"-o": "{out}/../in/default.toml"}),
    ("plot is the input", {"-o": "{out}/r.nc", "--plot": "{input}"}),
    ("plot is -o", {"-o": "{out}/r.nc", "--plot": "{out}/./r.nc"}),
    ("plot inside a file", {"-o": "{out}/r.nc", "--plot": "{input}/x.png"}),
    ("a folder", {"-o": "{out}"}),
    ("an existing folder", {"-o": "{out}/made_dir"}),
    ("a FIFO", {"-o": "{out}/fifo"}),
    ("a device", {"-o": "/dev/null"}),
    ("inside a device", {"-o": "/dev/null/r.nc"}),
    ("trailing slash", {"-o": "{out}/new/"}),
    ("long file name", {"-o": "{out}/{name}.nc"}),
    ("long plot name", {"-o": "{out}/r.nc", "--plot": "{out}/sub/{name}.png"}),
    ("long folder name", {"-o": "{out}/{name}{name}/r.nc"}),
    ("long path", {"-o": "{out}/" + "/".join(["p" * 200] * 21) + "/r.nc"}),
    ("NUL byte", {"-o": "{out}/r\0.nc"}),
    ("empty", {"-o": ""}),
    ("not writable (procfs)", {"-o": "/proc/follisim/r.nc"}),
    ("not writable (sysfs)", {"-o": "/sys/r.nc"}),
]


@settings(max_examples=EXAMPLES)
@given(case=st.sampled_from(BAD_OUTPUTS), command=st.sampled_from(["run", "export-sbml"]),
       length=st.integers(240, 300))
def test_bad_output_path_is_refused_before_any_work(case, command, length):
    what, options = case
    assume(command == "run" or "--plot" not in options)     # export-sbml has no --plot
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in" / "default.toml"
        src.parent.mkdir()
        src.write_bytes((ROOT / "configs" / "default.toml").read_bytes())
        out = Path(tmp) / "out"
        out.mkdir()
        (out / "made_dir").mkdir()
        os.mkfifo(out / "fifo")
        values = {k: v.format(input=src, out=out, name="n" * length) for k, v in options.items()}
        argv = [command, str(src)] + [x for kv in values.items() for x in kv]
        outcome = invoke(argv)
        mutation = Mutation(what, must_fail=True)
        named = tuple(one_line(v)[:100] for v in values.values() if v) or ("-o",)
        assert_contract(outcome, mutation, named, out, allowed_files=("fifo", "made_dir"))
        assert any(f": {opt}: " in outcome.stderr for opt in values), outcome.stderr
        assert src.read_bytes() == (ROOT / "configs" / "default.toml").read_bytes()


def test_shipped_inputs_are_accepted():
    """The unmutated examples pass, so every refusal above comes from a mutation."""
    for kind in INPUT_KINDS:
        if kind.check is not None:
            check_outcomes(kind.example)
        else:
            assert invoke(["validate", str(kind.example)]).code == 0, kind.name
