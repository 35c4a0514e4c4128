"""A small pool of daemon worker threads for requests that may block on the network.

Why not ``concurrent.futures.ThreadPoolExecutor``: its threads are joined when the interpreter exits, so after
Ctrl-C a process waits for every request in flight (up to its timeout, times its retries: a batch never exited,
and a second Ctrl-C printed a traceback from that join). Daemon threads are abandoned at exit; what they were
doing is either finished (and kept) or redone by the next run from the cache.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
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
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}-{len(self._threads)}", daemon=True
                )
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
