"""The garbage collector of a long-running process (``sm2 serve``, ``sm2 worker``)."""

from __future__ import annotations

import gc


def settled_heap() -> None:
    """What is alive once a process has started (modules, routes, pools, the catalog) lives as
    long as it does: frozen out of the garbage collector's view, a full collection no longer
    walks it. Triggered by requests that allocate thousands of objects (a day's schedule), those
    collections took tens of milliseconds each, the slowest answers (docs/performance.md).
    Not for tests, whose one process builds many apps and would keep every old one."""
    gc.collect()
    gc.freeze()
