"""Shared figure plumbing: a headless backend when saving, and atomic PNG writes."""

from __future__ import annotations

from pathlib import Path


def pyplot(saving: bool):
    """``matplotlib.pyplot``, switched to the Agg backend when the figure goes to a file."""
    import matplotlib

    if saving:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def save(fig, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` through a temporary file, then close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    tmp.replace(path)
    plt.close(fig)
    return path
