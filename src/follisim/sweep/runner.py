"""Run a sweep: design -> chunks -> batch kernel -> reduced outputs -> Zarr, resumable.

``compute_chunk`` is the unit of work (any backend runs it); ``run_sweep`` drives it: it builds
the design, creates or reopens the store, hands the unfinished chunks to a backend and writes
each result as it arrives. Every sample runs the same kernel code whatever the chunk, thread
count or backend, so the numbers do not depend on them.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from follisim.experiment import arm_batch
from follisim.io.config import ConfigError
from follisim.protocols import CompiledBatch
from follisim.simulate import solve_protocols
from follisim.solution import Status
from follisim.sweep import design, storage
from follisim.sweep.backends import Backend, LocalBackend
from follisim.sweep.outputs import Plan, plan, reduce
from follisim.sweep.spec import SweepSpec


def _plan(spec: SweepSpec) -> Plan:
    return plan(spec.experiment.arm(spec.arms[0]).config, spec.outputs)


def _all_rows_equal(b) -> bool:
    arrays = (b.P, *b.protocols.arrays())
    return all(np.array_equal(a, np.broadcast_to(a[:1], a.shape)) for a in arrays)


def compute_chunk(spec: SweepSpec, table: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Outputs, ``status``, ``status_message`` and ``n_steps`` for the rows of ``table``.

    Arrays have a leading ``sample`` axis (then ``arm`` for experiment sweeps). An arm on which
    no column of the chunk acts (all rows identical) is integrated once and repeated.
    """
    pl = _plan(spec)
    per_arm = []
    for arm in spec.arms:
        b = arm_batch(spec.experiment, arm, dict(table), spec.source)
        n = b.P.shape[0]
        run = (b.P[:1], CompiledBatch(*(a[:1] for a in b.protocols.arrays()))) \
            if _all_rows_equal(b) else (b.P, b.protocols)
        out_y, out_u, out_obs, codes, stats = solve_protocols(b.arm.config, run[0], run[1],
                                                              pl.save_t)
        if run[0].shape[0] != n:
            out_y, out_u, out_obs = (np.repeat(a, n, axis=0) for a in (out_y, out_u, out_obs))
            codes, stats = np.repeat(codes, n), np.repeat(stats, n, axis=0)
        messages = np.array([Status(int(c)).message for c in codes], dtype=object)
        for s, problem in b.problems.items():
            codes[s] = Status.NOT_RUN
            messages[s] = problem
        res = reduce(b.arm.config.model, spec.outputs, pl, out_y, out_u, out_obs, codes)
        res["status"] = codes.astype(np.int8)
        res["status_message"] = messages.astype(f"<U{storage.MESSAGE_WIDTH}")
        res["n_steps"] = stats[:, 0].astype(np.int32)
        per_arm.append(res)
    if not spec.is_experiment:
        return per_arm[0]
    return {name: np.stack([r[name] for r in per_arm], axis=1) for name in per_arm[0]}


@dataclass(frozen=True)
class SweepResult:
    path: Path
    samples: int
    arms: int
    chunks_run: int
    chunks_total: int
    n_failed: int


def run_sweep(spec: SweepSpec, path: str | Path, *, resume: bool = False,
              backend: Backend | None = None, table: Mapping[str, np.ndarray] | None = None,
              progress: bool | None = None) -> SweepResult:
    """Run ``spec`` into the Zarr store ``path`` chunk by chunk.

    ``table``: the design (default ``design.build(spec)``). Without ``resume`` the store must
    not exist; with it, an existing store from the same base and design is finished (chunks
    already flagged are not recomputed) and one from another is refused (``ConfigError``).
    ``progress``: a progress bar on stderr (default: when stderr is a terminal).
    """
    path = Path(path)
    table = design.build(spec) if table is None else {k: np.asarray(v, dtype=np.float64)
                                                     for k, v in table.items()}
    sha = design.sha256(spec, table)
    if path.exists():
        if not resume:
            raise ConfigError(str(path), "", "already exists; pass --resume to finish it, or "
                                             "choose a new output")
        done = storage.check_resumable(path, spec, sha)
    else:
        storage.create(path, spec, table, sha, _plan(spec).save_t[_plan(spec).series])
        done = np.zeros(storage.n_chunks(spec.samples, spec.chunk_size), np.int8)
    pending = [int(k) for k in np.flatnonzero(done == 0)]
    writer = storage.Writer(path, spec)
    backend = backend or LocalBackend()
    n_arms = len(spec.arms)
    bounds = {k: storage.chunk_bounds(k, spec.samples, spec.chunk_size) for k in pending}
    bar = _bar(sum(b - a for a, b in bounds.values()) * n_arms, progress)
    jobs = {k: {name: col[a:b] for name, col in table.items()} for k, (a, b) in bounds.items()}
    try:
        for k, result in backend.run(spec, jobs):
            writer.write(k, result)
            if bar is not None:
                bar.update(result["status"].size)
    finally:
        if bar is not None:
            bar.close()
    status = writer.group["status"][:]
    return SweepResult(path, spec.samples, n_arms, len(pending), len(done),
                       int(np.sum(status != Status.SUCCESS)))


def _bar(total: int, progress: bool | None):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress or not total:
        return None
    from tqdm import tqdm

    return tqdm(total=int(total), unit="traj", unit_scale=True, dynamic_ncols=True,
                file=sys.stderr, desc="sweep")
