"""Where chunks run: in this process on numba threads, or on a Dask distributed cluster.

A backend takes the sweep and ``{chunk index: table slice}`` and yields ``(index, result)`` as
chunks finish, in any order; the driver writes each result. Every backend runs the same
``runner.compute_chunk``, so the numbers are identical.

* ``LocalBackend``: one chunk at a time, its samples spread over numba's threads (``prange``);
* ``DaskBackend``: ``dask.distributed``; ``address`` joins a running scheduler
  (``tcp://HOST:PORT``), ``n_workers`` starts a ``LocalCluster`` on 127.0.0.1. Each task sets
  numba's thread count to the worker's share of the cores, so processes x threads do not
  oversubscribe the machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

Chunks = Mapping[int, Mapping[str, np.ndarray]]


class Backend(Protocol):
    def run(self, spec: Any, chunks: Chunks) -> Iterator[tuple[int, dict]]: ...


@dataclass(frozen=True)
class LocalBackend:
    """In-process: numba ``prange`` threads (``threads``: numba's default when ``None``)."""

    threads: int | None = None

    def run(self, spec, chunks):
        import numba

        from follisim.sweep.runner import compute_chunk

        original = numba.get_num_threads()
        if self.threads is not None:
            numba.set_num_threads(self.threads)
        try:
            for k, table in chunks.items():
                yield k, compute_chunk(spec, table)
        finally:
            numba.set_num_threads(original)


def _task(spec, table, threads: int | None):
    """One chunk on a Dask worker, with numba limited to ``threads`` (default: its share)."""
    import numba

    from follisim.sweep.runner import compute_chunk

    if threads is None:
        try:
            from distributed import get_worker

            share = get_worker().state.nthreads
        except (ImportError, ValueError):
            share = 1
        threads = max(1, (os.cpu_count() or 1) // max(1, share))
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    return compute_chunk(spec, table)


@dataclass
class DaskBackend:
    """Dask distributed: join ``address`` or start a loopback ``LocalCluster``."""

    address: str | None = None
    n_workers: int | None = None
    threads_per_task: int | None = None

    def run(self, spec, chunks):
        try:
            from distributed import Client, LocalCluster, as_completed
        except ImportError as err:         # pragma: no cover - dask is a dependency
            raise ImportError("the Dask backend needs dask[distributed]") from err
        cluster = None
        if self.address:
            client = Client(self.address)
        else:
            workers = self.n_workers or 1
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                   host="127.0.0.1", dashboard_address=None,
                                   processes=True)
            client = Client(cluster)
            if self.threads_per_task is None:
                self.threads_per_task = max(1, (os.cpu_count() or 1) // workers)
        try:
            spec_future = client.scatter(spec, broadcast=True)
            futures = {client.submit(_task, spec_future, dict(table), self.threads_per_task,
                                     pure=False, key=f"follisim-chunk-{k}-{os.getpid()}"): k
                       for k, table in chunks.items()}
            for future in as_completed(futures):
                k = futures[future]
                yield k, future.result()
                future.release()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
