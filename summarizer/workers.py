"""What a long run does with threads and the process: a small pool of daemon worker threads for requests that
may block on the network, and the garbage collector's setting while a batch runs (``collector_for_batch``).

Why not ``concurrent.futures.ThreadPoolExecutor``: its threads are joined when the interpreter exits, so after
Ctrl-C a process waits for every request in flight (up to its timeout, times its retries: a batch never exited,
and a second Ctrl-C printed a traceback from that join). Daemon threads are abandoned at exit; what they were
doing is either finished (and kept) or redone by the next run from the cache.
"""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, TypeVar

R = TypeVar("R")


class DaemonPool:
    """``submit`` like an executor; ``shutdown`` never waits for running work."""

    def __init__(self, workers: int, name: str = "summarizer") -> None:
        self._workers = max(1, workers)
        self._name = name
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None] = (
            queue.SimpleQueue()
        )
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., R], *args: Any) -> Future[R]:
        future: Future[R] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("DaemonPool: submit after shutdown")
            self._queue.put((future, fn, args))
            if len(self._threads) < self._workers:
                thread = threading.Thread(target=self._work, name=f"{self._name}-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
        return future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, fn, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self, cancel_futures: bool = True) -> None:
        """No more work: queued work is cancelled (``cancel_futures``), running work is left to finish or be
        abandoned at exit."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if cancel_futures:
                while True:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is not None:
                        item[0].cancel()
            for _ in self._threads:
                self._queue.put(None)


# --------------------------------------------------------------------------------------------------
# The garbage collector during a batch
# --------------------------------------------------------------------------------------------------

# gen0 threshold while a batch runs (CPython's default is 700). A batch allocates and frees pydantic models,
# dicts and bindings by the hundred per request; at 700 most young collections find them still alive (a
# request's answer lives until its document is merged), promote them, and gen1/gen2 collections then walk them
# again. At 10,000 the same objects are mostly gone before a collection looks: bench_llm's throughput run spent
# 4.4 ms per document in the collector by default, 0.6 with this and the freeze below (gc.callbacks timing;
# bench/README.md, issue 19). Garbage cycles wait at most 10,000 allocations longer: kilobytes.
BATCH_GEN0_THRESHOLD = 10_000
# Below this many documents the collector is left alone: tuning starts with a full collection (50-90 ms on a
# 2-core machine, see ``collector_for_batch``), which the ~4 ms per document it saves repays from ~20 documents.
BATCH_TUNE_MIN_DOCUMENTS = 32

_collector_lock = threading.Lock()
_collector_users = 0
_collector_saved: tuple[int, ...] = ()


@contextmanager
def collector_for_batch(documents: int) -> Iterator[None]:
    """Tune CPython's cyclic garbage collector for a batch of ``documents``, then put it back as it was.

    Why: a full collection walks every object the process holds, and most of those were created by imports
    (openai, pydantic's schemas, the indicator table) and never die; a batch triggers a few full collections
    per 40 documents, each 65-95 ms on a 2-core machine. ``gc.freeze()`` moves what is alive when the batch
    starts to the permanent generation, which collections skip; ``gc.unfreeze()`` at the end hands it back.
    A full collection runs first, so that no garbage is frozen: without it, a process running batch after
    batch (the API, the benchmarks) froze each batch's leftover cycles into the next, and its peak RSS grew by
    ~100 MB a batch of 200 documents (bench/README.md). Nested or concurrent batches in one process share one
    freeze (the first in freezes, the last out restores). A batch of fewer than ``BATCH_TUNE_MIN_DOCUMENTS``
    leaves the collector as it is: the first collection would cost more than the batch saves."""
    global _collector_users, _collector_saved
    if documents < BATCH_TUNE_MIN_DOCUMENTS:
        yield
        return
    with _collector_lock:
        _collector_users += 1
        if _collector_users == 1:
            gc.collect()
            gc.freeze()
            _collector_saved = gc.get_threshold()
            gc.set_threshold(max(_collector_saved[0], BATCH_GEN0_THRESHOLD), *_collector_saved[1:])
    try:
        yield
    finally:
        with _collector_lock:
            _collector_users -= 1
            if _collector_users == 0:
                gc.set_threshold(*_collector_saved)
                gc.unfreeze()
