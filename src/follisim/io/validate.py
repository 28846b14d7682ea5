"""Validator toolkit for input files: one clear, one-line error per problem.

Every follisim input (run configs, experiments, and the TOML/CSV inputs of later commands)
is checked with these pieces before any work starts:

* :func:`read_toml` refuses files that are not regular files or are larger than
  :data:`MAX_INPUT_BYTES` before parsing, turns every parser failure (syntax, encoding, deep
  nesting, integers with thousands of digits) into a :class:`ConfigError`, and refuses tables
  nested deeper than :data:`MAX_DEPTH`;
* :class:`Table` reads one table: unknown keys are refused with a did-you-mean hint, and each
  typed reader (``number``, ``integer``, ``string``, ``numbers``, ``strings``, ``table``,
  ``tables``) checks the type, finiteness and declared bounds (with their unit) of one value.

A :class:`ConfigError` carries the file (``source``), the key as a dotted path (``arms[poi].
doses[1].days``) and what is allowed; ``str(err)`` is one line. See ``docs/inputs.md``.
"""

from __future__ import annotations

import difflib
import math
import os
import stat
import tomllib
from collections.abc import Callable, Collection, Mapping
from numbers import Integral, Real
from pathlib import Path
from typing import Any

#: Largest input file read [bytes]; the shipped configs are about 1-2 kB.
MAX_INPUT_BYTES = 1 << 20
#: Deepest nesting of tables and arrays accepted (the schemas need at most 6).
MAX_DEPTH = 16
#: Longest value or key shown in a message [characters].
SHOWN = 60

REQUIRED: Any = None        # default of a reader: the key must be given


class ConfigError(ValueError):
    """An input problem: ``source`` (file), ``key`` (dotted path) and what is allowed.

    ``str(err)`` is ``"<source>: <key>: <message>"`` on one line (control characters escaped).
    """

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source, self.key, self.message = one_line(source), one_line(key), one_line(message)
        text = f"{self.source}: {self.key}: {self.message}" if key else \
            f"{self.source}: {self.message}"
        super().__init__(text)


_ESCAPES = {i: f"\\x{i:02x}" for i in (*range(32), 127)} | {0x2028: "\\u2028",
                                                           0x2029: "\\u2029", 0x85: "\\x85"}


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped."""
    return str(text).translate(_ESCAPES)


def shorten(text: str, limit: int = SHOWN) -> str:
    text = one_line(text)
    return text if len(text) <= limit else f"{text[:limit - 3]}..."


def show(value: Any) -> str:
    """A short readable form of a value for messages: its kind and (shortened) repr."""
    kind = type_name(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**15:
        return f"an integer of {math.floor(math.log10(abs(value))) + 1} digits"
    if isinstance(value, dict | list):
        return kind
    return f"{kind} ({shorten(repr(value))})"


def type_name(value: Any) -> str:
    """The TOML word for the type of ``value`` ("a string", "a table", ...)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a date/time" if hasattr(value, "isoformat") else f"a {type(value).__name__}"


def did_you_mean(name: str, allowed: Collection[str]) -> str:
    """``did you mean 'x'?`` for close matches in ``allowed``, else the allowed names."""
    allowed = list(allowed)
    hint = difflib.get_close_matches(str(name)[:100], allowed, n=3)
    if hint:
        return f"did you mean {', '.join(repr(h) for h in hint)}?"
    if not allowed:
        return "nothing is allowed here"
    shown = ", ".join(sorted(allowed)) if len(allowed) <= 12 else "see docs/inputs.md"
    return f"allowed: {shown}"


def fmt(x: float) -> str:
    """A bound for messages (``%g``: ``36500``, ``1e-14``)."""
    return f"{x:g}"


def interval(lo: float, hi: float, lo_open: bool = False, hi_open: bool = False) -> str:
    return f"{'(' if lo_open else '['}{fmt(lo)}, {fmt(hi)}{')' if hi_open else ']'}"


def bounds_phrase(lo: float, hi: float, lo_open: bool = False, hi_open: bool = False,
                  unit: str = "") -> str:
    """``"in [0, 1] day"``, ``">= 0 mg/kg"``, ``"> 0"`` or ``""`` for unbounded numbers."""
    unit = "" if unit == "1" else unit          # dimensionless
    tail = f" {unit}" if unit else ""
    if lo == -math.inf and hi == math.inf:
        return f"[{unit}]" if unit else ""
    if hi == math.inf:
        return f"{'>' if lo_open else '>='} {fmt(lo)}{tail}"
    if lo == -math.inf:
        return f"{'<' if hi_open else '<='} {fmt(hi)}{tail}"
    return f"in {interval(lo, hi, lo_open, hi_open)}{tail}"


def as_float(value: Any) -> float | None:
    """``value`` as a finite float, or ``None`` if it is not a finite number.

    Booleans are not numbers; integers beyond the float range and NaN/infinity are refused.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    try:
        x = float(value)
    except OverflowError:
        return None
    return x if math.isfinite(x) else None


def check_number(source: str, key: str, value: Any, lo: float = -math.inf,
                 hi: float = math.inf, *, lo_open: bool = False, hi_open: bool = False,
                 unit: str = "") -> float:
    """Return ``value`` as a float if it is a finite number within the bounds, else raise."""
    phrase = bounds_phrase(lo, hi, lo_open, hi_open, unit)
    x = as_float(value)
    if x is None:
        kind = "a finite number" if isinstance(value, Real) and not isinstance(value, bool) \
            else "a number"
        raise ConfigError(source, key, f"must be {kind}{f' {phrase}' if phrase else ''}, "
                                       f"got {show(value)}")
    low_ok = x > lo if lo_open else x >= lo
    high_ok = x < hi if hi_open else x <= hi
    if not (low_ok and high_ok):
        verb = "lie" if phrase.startswith("in ") else "be"
        raise ConfigError(source, key, f"must {verb} {phrase}, got {x:g}")
    return x


def check_choice(source: str, key: str, value: Any, choices: Collection[str],
                 what: str = "") -> str:
    """Return ``value`` if it is one of ``choices`` (strings), else raise with a hint."""
    if not isinstance(value, str):
        listing = f"; allowed: {', '.join(map(repr, choices))}" if len(choices) <= 12 else ""
        raise ConfigError(source, key, f"must be a string{f' (the {what} name)' if what else ''}"
                                       f", got {show(value)}{listing}")
    if value not in choices:
        raise ConfigError(source, key, f"unknown {f'{what} ' if what else ''}"
                                       f"{shorten(repr(value))}; {did_you_mean(value, choices)}")
    return value


class Table:
    """Typed, bounded access to one table of an input file.

    Parameters
    ----------
    source : str                file name used in messages
    prefix : str                dotted path of the table (``"run"``, ``"arms[poi].doses[0]"``)
    table : Any                 the parsed value; must be a table (dict)
    allowed : collection of str the keys this table may have; any other key is refused with a
                                did-you-mean hint (a mapping key -> description also works)
    what : str                  what a key is, for that message ("key", "target gene", ...)
    """

    def __init__(self, source: str, prefix: str, table: Any, allowed: Collection[str],
                 what: str = "key"):
        self.source, self.prefix = source, prefix
        if not isinstance(table, dict):
            raise ConfigError(source, prefix, f"must be a table, got {show(table)}")
        for key in table:
            if key not in allowed:
                raise ConfigError(source, self.key(key),
                                  f"unknown {what}; {did_you_mean(key, tuple(allowed))}")
        self.table = table
        self.allowed = tuple(allowed)

    def key(self, name: str) -> str:
        name = shorten(name)
        return f"{self.prefix}.{name}" if self.prefix else name

    def __contains__(self, name: str) -> bool:
        return name in self.table

    def get(self, name: str, default: Any = REQUIRED, what: str = "") -> Any:
        """The raw value of ``name``; a missing key with no default is an error."""
        if name in self.table:
            return self.table[name]
        if default is REQUIRED:
            raise ConfigError(self.source, self.key(name),
                              f"is required{f' ({what})' if what else ''}")
        return default

    def error(self, name: str, message: str) -> ConfigError:
        return ConfigError(self.source, self.key(name), message)

    def refuse(self, names: Collection[str], reason: str) -> None:
        """Refuse any of ``names`` present in the table, saying ``reason``."""
        for name in names:
            if name in self.table:
                raise self.error(name, reason)

    def number(self, name: str, default: float | None = REQUIRED, lo: float = -math.inf,
               hi: float = math.inf, lo_open: bool = False, *, hi_open: bool = False,
               unit: str = "") -> float:
        """A finite number in the bounds (with ``unit`` in the message)."""
        value = self.get(name, default, unit)
        return check_number(self.source, self.key(name), value, lo, hi, lo_open=lo_open,
                            hi_open=hi_open, unit=unit)

    def integer(self, name: str, default: int | None = REQUIRED, lo: int = 0,
                hi: int = 2**53) -> int:
        """An integer (not a float, not a boolean) in ``[lo, hi]``."""
        value = self.get(name, default)
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise self.error(name, f"must be an integer in [{lo}, {hi}], got {show(value)}")
        if not lo <= value <= hi:
            raise self.error(name, f"must be an integer in [{lo}, {hi}], got "
                                   f"{value if abs(value) < 10**15 else show(value)}")
        return value

    def string(self, name: str, default: str | None = REQUIRED,
               choices: Collection[str] | None = None, what: str = "") -> str:
        """A string; one of ``choices`` if given (unknown names get a did-you-mean hint)."""
        value = self.get(name, default, what)
        if choices is not None:
            return check_choice(self.source, self.key(name), value, choices, what)
        if not isinstance(value, str):
            raise self.error(name, f"must be a string, got {show(value)}")
        return value

    def numbers(self, name: str, default: list | None = REQUIRED, lo: float = -math.inf,
                hi: float = math.inf, lo_open: bool = False, *, unit: str = "",
                scalar: bool = False, increasing: bool = False,
                max_items: int | None = None) -> tuple[float, ...]:
        """A non-empty list of finite numbers in the bounds.

        ``scalar``: a single number is accepted as a list of one; ``increasing``: the list
        must be strictly increasing (no repeats).
        """
        value = self.get(name, default, unit)
        kind = "a number or a non-empty list of numbers" if scalar else \
            "a non-empty list of numbers"
        if scalar and not isinstance(value, list):
            if isinstance(value, bool) or not isinstance(value, Real):
                raise self.error(name, f"must be {kind}{f' [{unit}]' if unit else ''}, "
                                       f"got {show(value)}")
            value = [value]
        if not isinstance(value, list) or not value:
            raise self.error(name, f"must be {kind}{f' [{unit}]' if unit else ''}, got "
                                   f"{'an empty list' if value == [] else show(value)}")
        if max_items is not None and len(value) > max_items:
            raise self.error(name, f"has {len(value)} entries; at most {max_items}")
        out = []
        for i, v in enumerate(value):
            try:
                out.append(check_number(self.source, self.key(name), v, lo, hi, lo_open=lo_open,
                                        unit=unit))
            except ConfigError as err:
                raise self.error(name, f"entry {i}: {err.message}" if len(value) > 1
                                 else err.message) from None
        if increasing:
            for i in range(1, len(out)):
                if out[i] <= out[i - 1]:
                    word = "repeats" if out[i] == out[i - 1] else "comes after"
                    raise self.error(name, f"must be strictly increasing: {out[i]:g} (entry {i})"
                                           f" {word} {out[i - 1]:g} (entry {i - 1})")
        return tuple(out)

    def strings(self, name: str, default: list | None = REQUIRED,
                choices: Collection[str] | None = None, what: str = "") -> tuple[str, ...]:
        """A non-empty list of distinct strings (each one of ``choices`` if given)."""
        value = self.get(name, default, what)
        label = f"{what}s" if what else "strings"
        if not isinstance(value, list):
            example = f"; e.g. {name} = [{shorten(repr(value))}]" if isinstance(value, str) \
                else ""
            raise self.error(name, f"must be a list of {label}, got {show(value)}{example}")
        if not value:
            omit = " (or leave it out for the default)" if default is not REQUIRED else ""
            raise self.error(name, f"must name at least one of {', '.join(choices)}{omit}"
                             if choices else f"must be a non-empty list of {label}{omit}")
        seen: set[str] = set()
        for i, v in enumerate(value):
            try:
                if choices is not None:
                    check_choice(self.source, self.key(name), v, choices, what)
                elif not isinstance(v, str):
                    raise self.error(name, f"must be a string, got {show(v)}")
            except ConfigError as err:
                raise self.error(name, f"entry {i}: {err.message}") from None
            if v in seen:
                raise self.error(name, f"entry {i}: {shorten(repr(v))} is listed twice")
            seen.add(v)
        return tuple(value)

    def subtable(self, name: str, allowed: Collection[str], default: dict | None = None,
                 what: str = "key") -> Table:
        """The sub-table ``name`` (missing: ``default``, or an empty table)."""
        return Table(self.source, self.key(name), self.get(name, {} if default is None
                                                           else default), allowed, what)

    def mapping(self, name: str, default: dict | None = None, what: str = "name = value"
                ) -> dict[str, Any]:
        """A table with free keys (checked by the caller), e.g. ``[parameters]``."""
        value = self.get(name, {} if default is None else default)
        if not isinstance(value, dict):
            raise self.error(name, f"must be a table of {what}, got {show(value)}")
        return value

    def tables(self, name: str, allowed: Collection[str], default: list | None = None,
               label: Callable[[int, dict], str] | None = None,
               nonempty: bool = False) -> list[Table]:
        """An array of tables (``[[name]]``), each read with ``allowed`` keys.

        ``label(i, entry)`` names entry ``i`` in keys (default: its index).
        """
        value = self.get(name, [] if default is None else default)
        if not isinstance(value, list) or (nonempty and not value):
            raise self.error(name, f"must be a{' non-empty' if nonempty else 'n'} array of "
                                   f"tables ([[{name}]]), got "
                                   f"{'an empty list' if value == [] else show(value)}")
        out = []
        for i, entry in enumerate(value):
            tag = label(i, entry) if label is not None else str(i)
            out.append(Table(self.source, f"{self.key(name)}[{tag}]", entry, allowed))
        return out


#: Kept for code written against the first version of the config module.
Reader = Table


def document(source: str, doc: Any, allowed: Collection[str]) -> Table:
    """The top level of a parsed file as a :class:`Table` (unknown tables get a hint)."""
    if not isinstance(doc, Mapping):
        raise ConfigError(source, "", f"must be a TOML document, got {show(doc)}")
    return Table(source, "", dict(doc), allowed)


def read_bytes(path: str | Path, limit: int = MAX_INPUT_BYTES) -> tuple[bytes, str]:
    """The bytes of a regular file no larger than ``limit``; returns ``(data, source)``."""
    source = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(source, "", "file not found") from None
    except (OSError, ValueError) as err:
        raise ConfigError(source, "", f"cannot be read ({_reason(err)})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(source, "", "is a directory; give a file")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(source, "", "is not a regular file")
    if info.st_size > limit:
        raise ConfigError(source, "", f"is {info.st_size:,} bytes; input files may have at most "
                                      f"{limit:,} bytes")
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as err:
        raise ConfigError(source, "", f"cannot be read ({_reason(err)})") from None
    if len(data) > limit:
        raise ConfigError(source, "", f"is larger than {limit:,} bytes")
    return data, source


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 text (a leading byte-order mark is dropped)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ConfigError(source, "", f"is not UTF-8 text (byte 0x{data[err.start]:02x} at "
                                      f"offset {err.start})") from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML text; every parser failure becomes a one-line :class:`ConfigError`."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(source, "", f"is not valid TOML: {err}") from None
    except RecursionError:
        raise ConfigError(source, "", f"is not valid here: arrays or tables nested deeper than "
                                      f"{MAX_DEPTH} levels") from None
    except (ValueError, OverflowError) as err:     # e.g. an integer of over 4300 digits
        raise ConfigError(source, "", f"is not valid here: {_reason(err)}") from None
    except MemoryError:
        raise ConfigError(source, "", "is too large to parse") from None
    check_depth(doc, source)
    return doc


def read_toml(path: str | Path, limit: int = MAX_INPUT_BYTES) -> tuple[dict[str, Any], str]:
    """Read and parse a TOML input file; returns ``(document, source)``."""
    data, source = read_bytes(path, limit)
    return parse_toml(decode_text(data, source), source), source


def check_depth(doc: Any, source: str, limit: int = MAX_DEPTH) -> None:
    """Refuse tables and arrays nested deeper than ``limit`` (iteratively, no recursion)."""
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    while stack:
        value, key, depth = stack.pop()
        if depth > limit:
            raise ConfigError(source, key, f"is nested {depth} levels deep; at most {limit}")
        if isinstance(value, dict):
            stack += [(v, f"{key}.{shorten(k)}" if key else shorten(k), depth + 1)
                      for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(v, f"{key}[{i}]", depth + 1) for i, v in enumerate(value)]


def _reason(err: BaseException) -> str:
    text = getattr(err, "strerror", None) or str(err)
    if "integer string conversion" in text or "digits" in text:
        return "an integer has more digits than allowed"
    return shorten(text, 120)
