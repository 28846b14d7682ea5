"""The one place numba decorator options are decided.

``@kernel`` is ``@njit(cache=CACHE, nogil=True, error_model="numpy")``.
Set ``FOLLISIM_NUMBA_CACHE=0`` to disable
on-disk caching while editing kernels.

Numba's cache index is stamped with the *caller's* source file only: after editing a kernel in
another file, a cached integrator can silently run the old code. To make that impossible for the
in-tree cache, importing this module hashes every ``core/*.py`` source and, when the hash differs
from the stamp left by the previous import, deletes follisim's cached ``.nbi``/``.nbc`` files.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from numba import njit

CACHE = os.environ.get("FOLLISIM_NUMBA_CACHE", "1") != "0"

_CORE = Path(__file__).resolve().parent
_STAMP_NAME = "follisim_kernels.sha256"


def _sources_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(_CORE.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _invalidate_stale_cache() -> None:
    """Drop numba cache files of ``core/`` when any core source changed since the last import."""
    cache_dir = _CORE / "__pycache__"
    stamp = cache_dir / _STAMP_NAME
    try:
        current = _sources_digest()
        if stamp.is_file() and stamp.read_text() == current:
            return
        if cache_dir.is_dir():
            for path in cache_dir.iterdir():
                if path.suffix in (".nbi", ".nbc"):
                    path.unlink(missing_ok=True)
        cache_dir.mkdir(exist_ok=True)
        tmp = stamp.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(current)
        os.replace(tmp, stamp)
    except OSError:
        # Read-only install: numba then caches in its user-wide directory; wheels are immutable.
        pass


if CACHE:
    _invalidate_stale_cache()


def kernel(fn=None, **options):
    """Decorate ``fn`` as a follisim kernel (``njit`` with caching and ``nogil``)."""
    options.setdefault("cache", CACHE)
    options.setdefault("nogil", True)
    # IEEE semantics (x/0 -> inf/nan) instead of Python's ZeroDivisionError checks: kernels
    # report non-finite states through status codes, never exceptions.
    options.setdefault("error_model", "numpy")
    deco = njit(**options)
    return deco if fn is None else deco(fn)
