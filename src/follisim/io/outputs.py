"""Output paths: checked before any work starts, written atomically together at the end.

Every command that writes files calls :func:`check_outputs` right after validating its inputs
and before it computes anything, then writes through :func:`staged` so that either every
output appears complete or none does. Policies (``docs/inputs.md``):

* the parent folder may be missing (it is created when writing), but the nearest existing
  ancestor must be a folder we can create files in (tested by creating and removing an empty
  probe file, which also catches read-only file systems and root-owned paths);
* the file name must be non-empty, free of NUL bytes and at most :data:`MAX_NAME_BYTES` bytes
  (leaving room for the temporary name beside it); the whole path at most ``PATH_MAX``;
* an output may not be an input file, nor the same file as another output;
* an existing regular file is replaced atomically (the old file stays intact until the new
  one is complete); an existing directory or special file (FIFO, device) is refused.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from follisim.io.validate import ConfigError, shorten

#: Longest output file name [bytes]: the usual NAME_MAX of 255 less room for a temporary name.
MAX_NAME_BYTES = 255 - 16
#: Longest output path [bytes] (Linux PATH_MAX is 4096 including the final NUL).
MAX_PATH_BYTES = 4000


def _fail(path: str, option: str, message: str) -> ConfigError:
    return ConfigError(shorten(path, 200), option, message)


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def check_output(path: str | Path, option: str = "output") -> Path:
    """Check one output path (see the module docstring); returns it as a ``Path``."""
    raw = os.fspath(path)
    if not raw:
        raise _fail(raw, option, "is empty; give a file name")
    if "\0" in raw:
        raise _fail(raw, option, "contains a NUL byte")
    if raw.endswith(("/", os.sep)) or raw in (".", ".."):
        raise _fail(raw, option, "names a folder; give a file name")
    target = Path(raw)
    try:
        encoded = os.fsencode(raw)
        name = os.fsencode(target.name)
    except UnicodeError:
        raise _fail(raw, option, "is not a valid file name in this file system") from None
    if len(os.fsencode(os.path.abspath(raw))) > MAX_PATH_BYTES or len(encoded) > MAX_PATH_BYTES:
        raise _fail(raw, option, f"is longer than {MAX_PATH_BYTES} bytes")
    if len(name) > MAX_NAME_BYTES:
        raise _fail(raw, option, f"file name is {len(name)} bytes; at most {MAX_NAME_BYTES}")
    for part in target.parent.parts:
        if len(os.fsencode(part)) > 255:
            raise _fail(raw, option, f"folder name {shorten(part)!r} is longer than 255 bytes")
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except NotADirectoryError:
        info = None        # a parent is a file: reported below
    except OSError as err:
        raise _fail(raw, option, f"cannot be used ({err.strerror})") from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise _fail(raw, option, "is a folder; give a file name")
        if not stat.S_ISREG(info.st_mode):
            raise _fail(raw, option, "exists and is not a regular file")
    _check_folder(raw, option, target.parent)
    return target


def _check_folder(raw: str, option: str, folder: Path) -> None:
    """The nearest existing ancestor of ``folder`` must be a folder we can create files in."""
    ancestor = folder if str(folder) else Path(".")
    while True:
        try:
            info = os.stat(ancestor)
            break
        except FileNotFoundError:
            if ancestor.parent == ancestor:
                raise _fail(raw, option, "has no existing parent folder") from None
            ancestor = ancestor.parent
        except NotADirectoryError:
            ancestor = ancestor.parent
        except OSError as err:
            raise _fail(raw, option, f"folder {shorten(str(ancestor))!r} cannot be used "
                                     f"({err.strerror})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise _fail(raw, option, f"parent {shorten(ancestor.name or str(ancestor))!r} is a "
                                 "file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".follisim-", suffix=".probe", dir=ancestor)
    except OSError as err:
        raise _fail(raw, option, f"cannot create files in folder {shorten(str(ancestor))!r} "
                                 f"({err.strerror})") from None
    os.close(fd)
    os.unlink(probe)


def check_outputs(outputs: Mapping[str, str | Path | None], inputs: Iterable[str | Path] = ()
                  ) -> dict[str, Path]:
    """Check every output path before any work; returns ``{option: Path}`` of those given.

    Parameters
    ----------
    outputs : mapping option -> path  e.g. ``{"-o": "out.nc", "--plot": None}``; ``None``
                                       entries (options not given) are skipped
    inputs : paths the command reads; no output may be one of them

    Raises
    ------
    ConfigError naming the path and the option.
    """
    checked: dict[str, Path] = {}
    inputs = [Path(p) for p in inputs]
    for option, path in outputs.items():
        if path is None:
            continue
        target = check_output(path, option)
        for source in inputs:
            if _same(target, source):
                raise _fail(os.fspath(path), option, f"is an input file ({shorten(str(source))});"
                                                     " give another output name")
        for other_option, other in checked.items():
            if _same(target, other):
                raise _fail(os.fspath(path), option, f"is also the {other_option} output")
        checked[option] = target
    return checked


@contextlib.contextmanager
def staged(paths: Iterable[Path]) -> Iterator[list[Path]]:
    """Temporary paths beside each target; on success all are renamed onto their targets.

    Writers write to the yielded temporary paths. If the block raises, every temporary file is
    removed and no target is touched. Parent folders are created here (after the work).
    """
    targets = [Path(p) for p in paths]
    temps: list[Path] = []
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            temps.append(target.with_name(f".follisim-{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"))
        yield temps
        for tmp, target in zip(temps, targets, strict=True):
            os.replace(tmp, target)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
