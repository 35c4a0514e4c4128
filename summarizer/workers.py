"""What a long run does with threads and the process: a small pool of daemon worker threads for requests that
may block on the network, and the garbage collector's setting while a batch runs (``collector_for_batch``).

Why not ``concurrent.futures.ThreadPoolExecutor``: its threads are joined when the interpreter exits, so after
Ctrl-C a process waits for every request in flight (up to its timeout, times its retries: a batch never exited,
and a second Ctrl-C printed a traceback from that join). Daemon threads are abandoned at exit; what they were
doing is either finished (and kept) or redone by the next run from the cache.
"""

from __future__ import annotations

import contextlib
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

    def __init__(self, workers: int, name: str = "summarizer", on_exit: Callable[[], None] | None = None) -> None:
        """``on_exit``: run by each worker thread as it ends after ``shutdown`` (what the thread holds open, such as
        its result-cache connection, is closed then rather than left to the garbage collector)."""
        self._workers = max(1, workers)
        self._name = name
        self._on_exit = on_exit
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
                if self._on_exit is not None:
                    with contextlib.suppress(Exception):  # a thread's cleanup never raises into nothing
                        self._on_exit()
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
# again. At 10,000 the same objects are mostly gone before a collection looks, and a full collection (which walks
# every object of the process, imports included: 65-150 ms on a 2-core machine) waits for ten middle ones: a
# 2,000-document batch ran 72 young collections, 6 middle ones and no full one. bench_llm's throughput run spent
# 4.4 ms per document in the collector by default, 0.7 with this (gc.callbacks timing; bench/README.md, issue
# 19). Garbage cycles wait at most 10,000 allocations longer: kilobytes.
BATCH_GEN0_THRESHOLD = 10_000

_collector_lock = threading.Lock()
_collector_users = 0
_collector_saved: tuple[int, ...] = ()


@contextmanager
def collector_for_batch() -> Iterator[None]:
    """Raise CPython's young-generation threshold for a batch (``BATCH_GEN0_THRESHOLD``), then put it back.

    Nested or concurrent batches in one process share the setting (the first in sets it, the last out
    restores it). Nothing is frozen: ``gc.freeze()`` after a full collection once kept the import-time objects
    out of full collections, but with this threshold a batch of thousands of documents runs no full collection
    at all, and the collection the freeze needs first (so that no garbage is frozen) cost 65-160 ms a batch,
    0.5-0.8 ms per document of a 200-document batch run after another in one process (bench/README.md)."""
    global _collector_users, _collector_saved
    with _collector_lock:
        _collector_users += 1
        if _collector_users == 1:
            _collector_saved = gc.get_threshold()
            gc.set_threshold(max(_collector_saved[0], BATCH_GEN0_THRESHOLD), *_collector_saved[1:])
    try:
        yield
    finally:
        with _collector_lock:
            _collector_users -= 1
            if _collector_users == 0:
                gc.set_threshold(*_collector_saved)
