"""Every training and held-out row of the shipped calibrations, scored at the current values.

    python -m follisim.calibrate.table [docs/validation.md]

Runs :func:`follisim.calibrate.evaluate` on each calibration file in ``CALIBRATIONS`` (paths
from the repository root) and rewrites the generated blocks ``validation-<name>`` of the
document: one Markdown row per scored row (role, source row, endpoint, arm, day, reported
value with its 95 % interval, simulated value, z, inside the interval), then a summary line.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from follisim.calibrate import Calibration, evaluate
from follisim.spec.docs import replace_blocks

CALIBRATIONS = {
    "ctx": "configs/calibrate_ctx.toml",
    "variability": "configs/calibrate_variability.toml",
    "hucmsc": "configs/calibrate_hucmsc.toml",
}


def _g(x: float | None) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:.3g}"


def markdown(cal: Calibration) -> str:
    """The rows of ``cal`` as a Markdown table followed by a one-line tally per role."""
    head = ("| role | source | study | endpoint | kind | arm | day | reported [95 % interval] | "
            "simulated | z | inside |\n|---|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    tally: dict[str, list[int]] = {}
    for row, role in cal.rows:
        if row.status != "ok":
            lines.append(f"| {role.replace('_', ' ')} | {Path(row.source).name} | "
                         f"{row.study} | {row.endpoint} | {row.kind} | {row.arm} | "
                         f"{_g(row.day)} | not scored: {row.reason} | | | |")
            continue
        inside = row.inside_interval
        counts = tally.setdefault(role, [0, 0])
        if inside is not None:
            counts[0] += bool(inside)
            counts[1] += 1
        lines.append(
            f"| {role.replace('_', ' ')} | {Path(row.source).name} | {row.study} | "
            f"{row.endpoint} | "
            f"{row.kind} | {row.arm} | {_g(row.day)} | {_g(row.reported)} "
            f"[{_g(row.reported_low)}, {_g(row.reported_high)}] | {_g(row.simulated)} | "
            f"{_g(row.z)} | {'yes' if inside else 'no' if inside is not None else '–'} |")
    summary = "; ".join(f"{role.replace('_', ' ')}: {k}/{n} inside"
                        for role, (k, n) in tally.items())
    return "\n".join(lines) + f"\n\n*{Path(cal.spec.source).name} at the shipped values: " \
        f"{summary}; training chi2 {cal.result.chi2:.1f}.*"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0] if args else "docs/validation.md")
    blocks = {f"validation-{name}": markdown(evaluate(path))
              for name, path in CALIBRATIONS.items()}
    target.write_text(replace_blocks(target.read_text(encoding="utf-8"), blocks), encoding="utf-8")
    print(f"updated {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
