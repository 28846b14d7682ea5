"""The one place numba decorator options are decided, and the guard against stale caches.

``@kernel`` is ``@njit(cache=CACHE, nogil=True, error_model="numpy")``. Set
``FOLLISIM_NUMBA_CACHE=0`` to disable on-disk caching while editing kernels.

Numba keys a cached function on its *own* source file only: callees inlined into it from other
files are not tracked, so after an edit of (say) the generated ``rat.py`` a cached integrator in
``batch.py`` could silently run the old equations. To make that impossible, importing this
module hashes every ``core/*.py`` source and, when the hash differs from the stamp left in
numba's cache directory for ``core/`` by the previous import, deletes the cached ``.nbi``/``.nbc``
files there. The directory is the one numba itself uses (found from a probe function), so the
guard holds for the in-tree ``__pycache__``, for ``NUMBA_CACHE_DIR`` and for numba's user-wide
fallback alike.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from numba import njit

CACHE = os.environ.get("FOLLISIM_NUMBA_CACHE", "1") != "0"

_CORE = Path(__file__).resolve().parent
_STAMP_NAME = "follisim_kernels.sha256"


def sources_digest() -> str:
    """SHA-256 over the names and contents of every ``core/*.py`` file."""
    digest = hashlib.sha256()
    for path in sorted(_CORE.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_dir() -> Path:
    """The directory numba caches ``core/`` functions in (honours ``NUMBA_CACHE_DIR``)."""

    @njit(cache=True)
    def _probe():  # pragma: no cover - never compiled, only located
        return 0

    try:
        return Path(_probe._cache._cache_path)
    except AttributeError:          # numba internals changed: fall back to the in-tree default
        return _CORE / "__pycache__"


def invalidate_stale_cache() -> bool:
    """Drop numba cache files of ``core/`` when any core source changed since the last import.

    Returns True when files were dropped (or there was no stamp yet).
    """
    folder = cache_dir()
    stamp = folder / _STAMP_NAME
    try:
        current = sources_digest()
        if stamp.is_file() and stamp.read_text(encoding="utf-8") == current:
            return False
        if folder.is_dir():
            for path in folder.iterdir():
                if path.suffix in (".nbi", ".nbc"):
                    path.unlink(missing_ok=True)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = stamp.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(current, encoding="utf-8")
        os.replace(tmp, stamp)
    except OSError:
        # Read-only and no user cache: numba then does not cache either.
        return False
    return True


if CACHE:
    invalidate_stale_cache()


def kernel(fn=None, **options):
    """Decorate ``fn`` as a follisim kernel (``njit`` with caching and ``nogil``)."""
    options.setdefault("cache", CACHE)
    options.setdefault("nogil", True)
    # IEEE semantics (x/0 -> inf/nan) instead of Python's ZeroDivisionError checks: kernels
    # report non-finite states through status codes, never exceptions.
    options.setdefault("error_model", "numpy")
    deco = njit(**options)
    return deco if fn is None else deco(fn)
