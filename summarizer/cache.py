"""Result cache for validated extraction results, on diskcache.

Why diskcache: a SQLite-backed store that is safe across threads *and* processes (a batch run with a
process pool shares one directory) with atomic writes, which a folder of JSON files would not give us.

Only the caller writes, and only validated results: the cache never sees requests, headers or API keys.
Keys are sha256 digests of canonical JSON of whatever identifies a result (prompt version, model,
endpoint id, chunk text…), computed by :meth:`ResultCache.key`; values are stored as JSON text, not
pickles, so an entry is readable with ``sqlite3`` and survives a Python/pydantic upgrade.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import platformdirs

if TYPE_CHECKING:
    import diskcache


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("summarizer"))


class ResultCache:
    """``get`` returns None when disabled or refreshing; ``set`` stores unless disabled."""

    def __init__(self, directory: Path | None = None, *, enabled: bool = True, refresh: bool = False) -> None:
        self.enabled = enabled
        self.refresh = refresh
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        # A disabled cache must not create a directory or a database (read-only homes, CI sandboxes).
        self._store: diskcache.Cache | None = None
        if enabled:
            import diskcache  # here: a run that keeps no cache (offline, --no-cache) never loads sqlite3

            self._store = diskcache.Cache(str(self.directory))

    @staticmethod
    def key(**parts: Any) -> str:
        """sha256 of the canonical JSON of ``parts``; refuses values that are not plain JSON.

        Refusing (rather than ``default=str``) is deliberate: a repr-based key silently changes with a
        library version or collides for distinct objects.
        """
        try:
            canonical = json.dumps(
                parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            )
        except (TypeError, ValueError) as exc:
            raise TypeError(f"ResultCache.key: parts must be plain JSON values ({exc})") from exc
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        if self._store is None or self.refresh:
            return None
        raw = self._store.get(key)
        if not isinstance(raw, str):
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None  # a corrupt entry is a miss, not a crash; the caller will overwrite it
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        if self._store is None:
            return
        self._store.set(key, json.dumps(value, ensure_ascii=False, sort_keys=True))

    def __contains__(self, key: object) -> bool:
        return self._store is not None and key in self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
