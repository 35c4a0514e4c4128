"""Result cache for validated extraction results, on diskcache.

Why diskcache: a SQLite-backed store that is safe across threads *and* processes (a batch run with a
process pool shares one directory) with atomic writes, which a folder of JSON files would not give us.

Only the caller writes, and only validated results: the cache never sees requests, headers or API keys.
Keys are sha256 digests of canonical JSON of whatever identifies a result (prompt version, model,
endpoint id, chunk text…), computed by :meth:`ResultCache.key`; values are stored as JSON text, not
pickles, so an entry is readable with ``sqlite3`` and survives a Python/pydantic upgrade.

Writes are committed in groups ("write-behind"): ``set`` keeps the entry in memory, where ``get`` already
finds it, and a flusher thread commits what has gathered in one transaction, ``FLUSH_SECONDS`` after the
first entry of a group (or at ``FLUSH_ENTRIES``). Why: a batch stores an answer every few tens of
milliseconds, each into a database another thread wrote last, and one transaction per answer cost ~0.45 ms
of CPU (BEGIN IMMEDIATE and COMMIT on cold pages; ~0.08 ms in a warm loop); 25 answers to a transaction
cost ~0.07 ms each (bench/README.md, issue 19). ``close`` (and, for a cache never closed, the interpreter's
exit) commits what is left, so Ctrl-C keeps every answer; a process killed outright loses at most the last
``FLUSH_SECONDS`` of answers, which the next run asks again.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import logging
import os
import threading
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import platformdirs

if TYPE_CHECKING:
    import diskcache


log = logging.getLogger("summarizer.cache")


def _sqlite_error() -> type[Exception]:
    import sqlite3  # only a cache that is in use has loaded it

    return sqlite3.Error


# A group of writes is committed this long after its first entry, or as soon as it holds this many.
FLUSH_SECONDS = 1.0
FLUSH_ENTRIES = 64

# Every cache with a flusher, for the exit hook: entries of a cache nobody closed are committed at exit.
_OPEN: weakref.WeakSet[ResultCache] = weakref.WeakSet()
_OPEN_LOCK = threading.Lock()  # a worker thread may start a flusher while the exit hook reads the set


@atexit.register
def _flush_at_exit() -> None:
    with _OPEN_LOCK:
        caches = list(_OPEN)
    for cache in caches:
        cache.flush()


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("summarizer"))


class ResultCache:
    """``get`` returns None when disabled or refreshing; ``set`` stores unless disabled.

    A cache fault never fails a run (it only costs requests): a corrupt database is moved aside
    (``cache.db.corrupt-<time>``) and a fresh one created; a cache that cannot be opened or written (a read-only file
    system, a folder that cannot be created, sqlite refusing to write) is switched off for the run. Each is one
    warning, once."""

    def __init__(self, directory: Path | None = None, *, enabled: bool = True, refresh: bool = False) -> None:
        self.enabled = enabled
        self.refresh = refresh
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self._lock = threading.Lock()
        self._warned = False
        # Write-behind (module doc): entries set and not yet committed, readable by ``get`` meanwhile.
        self._pending: dict[str, str] = {}
        self._writing: dict[str, str] = {}  # the group being committed: still readable until it is
        self._gather = threading.Condition()  # guards the two above and wakes the flusher
        self._commit = threading.Lock()  # one commit at a time, and none while the store is closed
        self._flusher: threading.Thread | None = None
        self._closing = False
        # A disabled cache must not create a directory or a database (read-only homes, CI sandboxes).
        self._store: diskcache.Cache | None = None
        if enabled:
            self._store = self._open()
        # Kept after close or a fault: worker threads that end later still close their own connections.
        self._opened = self._store

    def _open(self) -> diskcache.Cache | None:
        import sqlite3

        import diskcache  # here: a run that keeps no cache (offline, --no-cache) never loads sqlite3

        try:
            return diskcache.Cache(str(self.directory))
        except sqlite3.OperationalError as exc:  # read-only, locked, cannot open: not the database's fault
            self._give_up(exc)
            return None
        except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
            aside = self._move_aside()
            if aside is None:
                self._give_up(exc)
                return None
            try:
                store = diskcache.Cache(str(self.directory))
            except (sqlite3.Error, OSError) as again:
                self._give_up(again)
                return None
            self._warn(
                f"result cache {self.directory / 'cache.db'} is corrupt ({exc}); moved to {aside.name}, "
                "starting a new cache"
            )
            return store
        except OSError as exc:
            self._give_up(exc)
            return None

    def _move_aside(self) -> Path | None:
        db = self.directory / "cache.db"
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = db.with_name(f"cache.db.corrupt-{stamp}")
        try:
            os.replace(db, aside)
            for extra in ("-wal", "-shm"):  # sqlite's journal files belong to the broken database
                Path(f"{db}{extra}").unlink(missing_ok=True)
        except OSError:
            return None
        return aside

    def _warn(self, message: str) -> None:
        with self._lock:
            if self._warned:
                return
            self._warned = True
        log.warning("%s", message)

    def _give_up(self, exc: BaseException) -> None:
        """Switch the cache off for this run (answers are still correct, only not kept), with one warning."""
        store, self._store = self._store, None
        if store is not None:
            with contextlib.suppress(Exception):
                store.close()
        self._warn(
            f"result cache {self.directory} cannot be used ({type(exc).__name__}: {exc}); running without the cache "
            "(--cache-dir chooses another folder, --no-cache silences this)"
        )

    @staticmethod
    def key(**parts: Any) -> str:
        """sha256 of the canonical JSON of ``parts``; refuses values that are not plain JSON.

        Refusing (rather than ``default=str``) is deliberate: a repr-based key silently changes with a
        library version or collides for distinct objects.
        """
        try:
            canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"ResultCache.key: parts must be plain JSON values ({exc})") from exc
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored JSON object; None as ``get_text`` gives None, or for an entry that is not one."""
        raw = self.get_text(key)
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None  # a corrupt entry is a miss, not a crash; the caller will overwrite it
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        if self._store is None:
            return
        self.set_text(key, json.dumps(value, ensure_ascii=False, sort_keys=True))

    def get_text(self, key: str) -> str | None:
        """The stored JSON text itself, for a caller that parses it straight into its model (one parse, no dict
        in between); None when disabled, refreshing or absent, or when the store fails (the cache is then
        switched off, ``_give_up``)."""
        store = self._store
        if store is None or self.refresh:
            return None
        raw = self._unsaved(key)
        if raw is not None:
            return raw
        try:
            raw = store.get(key)
        except (_sqlite_error(), OSError) as exc:
            self._give_up(exc)
            return None
        return raw if isinstance(raw, str) else None

    def _unsaved(self, key: str) -> str | None:
        """The text set under ``key`` and not yet committed (pending, or in the group being committed)."""
        with self._gather:
            return self._pending.get(key, self._writing.get(key))

    def set_text(self, key: str, text: str) -> None:
        """Store JSON text as it is (``get_text`` reads it back); committed with its group (module doc)."""
        if self._store is None:
            return
        with self._gather:
            if self._closing:
                return
            self._pending[key] = text
            if self._flusher is None:
                self._flusher = threading.Thread(target=self._flush_loop, name="summarizer-cache", daemon=True)
                self._flusher.start()
                with _OPEN_LOCK:
                    _OPEN.add(self)
            elif len(self._pending) >= FLUSH_ENTRIES:
                self._gather.notify()

    def __contains__(self, key: object) -> bool:
        store = self._store
        if store is None:
            return False
        if isinstance(key, str) and self._unsaved(key) is not None:
            return True
        try:
            return key in store
        except (_sqlite_error(), OSError) as exc:
            self._give_up(exc)
            return False

    def flush(self) -> None:
        """Commit every entry set so far, in one transaction, before returning."""
        with self._commit:
            with self._gather:
                group, self._pending = self._pending, {}
                self._writing = group
            store = self._store
            try:
                if group and store is not None:
                    with store.transact(retry=True):
                        for key, text in group.items():
                            store.set(key, text)
            except (_sqlite_error(), OSError) as exc:
                self._give_up(exc)
            finally:
                with self._gather:
                    self._writing = {}

    def _flush_loop(self) -> None:
        """The flusher: a group is committed ``FLUSH_SECONDS`` after its first entry, or when it is full. The
        thread lives for as long as entries keep coming (a cache nobody closes keeps no idle thread)."""
        while True:
            with self._gather:
                deadline = time.monotonic() + FLUSH_SECONDS
                while len(self._pending) < FLUSH_ENTRIES and not self._closing:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._gather.wait(left)
            self.flush()
            with self._gather:
                if self._pending and not self._closing:
                    continue
                self._flusher = None
            self.release_thread()
            return

    def release_thread(self) -> None:
        """Close the calling thread's database connection (diskcache opens one per thread), for a thread about to
        end. Left open, it would be freed only by a full garbage collection (a ``sqlite3.Connection`` is a
        reference cycle in CPython 3.11) and keep its page cache until then: a batch's 50 worker threads left
        ~100 MB behind in a process running batch after batch. The next use from the thread opens a new one."""
        store = self._opened
        if store is not None:
            with self._commit, contextlib.suppress(Exception):
                store.close()

    def close(self) -> None:
        """Commit what is pending, stop the flusher, close the store. Idempotent."""
        with self._gather:
            self._closing = True
            self._gather.notify_all()
        self.flush()
        with self._commit:
            store, self._store = self._store, None
        with _OPEN_LOCK:
            _OPEN.discard(self)
        if store is not None:
            with contextlib.suppress(Exception):  # a cache that broke mid-run closes quietly
                store.close()

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
