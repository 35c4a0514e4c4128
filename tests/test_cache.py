"""ResultCache: stable keys, enable/refresh semantics, persistence, concurrency, no secrets on disk, and writes
committed in groups."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import platformdirs
import pytest
from netguard import no_external_network  # noqa: F401  (fixture)

import summarizer.cache as cache_module
from summarizer.cache import ResultCache
from summarizer.config import Settings
from summarizer.llm.client import LLMClient
from summarizer.models import Grounding, OverviewDraft
from summarizer.testing import fake_openai as fs

pytestmark = pytest.mark.usefixtures("no_external_network")

PARTS = {
    "endpoint": "https://api.deepseek.com/v1",
    "model": "deepseek-chat",
    "prompt_version": "v1",
    "chunk": "第一段",
}


def test_key_is_stable_and_order_independent() -> None:
    a = ResultCache.key(**PARTS)
    b = ResultCache.key(**dict(reversed(list(PARTS.items()))))
    assert a == b
    assert len(a) == 64 and all(c in "0123456789abcdef" for c in a)


@pytest.mark.parametrize("part", sorted(PARTS))
def test_key_differs_per_part(part: str) -> None:
    changed = {**PARTS, part: PARTS[part] + "x"}
    assert ResultCache.key(**changed) != ResultCache.key(**PARTS)


def test_key_distinguishes_types_and_nesting() -> None:
    assert ResultCache.key(n=1) != ResultCache.key(n="1")
    assert ResultCache.key(a={"b": 1}) != ResultCache.key(a={"b": 2})
    assert ResultCache.key(a=[1, 2]) != ResultCache.key(a=[2, 1])


def test_key_refuses_non_json_values() -> None:
    with pytest.raises(TypeError):
        ResultCache.key(path=Path("x"))
    with pytest.raises(TypeError):
        ResultCache.key(x=float("nan"))


def test_round_trip_and_persistence(tmp_path: Path) -> None:
    value = {"value": {"summaries": ["全市实现高新技术产业增加值30.95亿元"]}, "mode": "tools"}
    key = ResultCache.key(**PARTS)
    with ResultCache(tmp_path) as cache:
        assert cache.get(key) is None
        cache.set(key, value)
        assert cache.get(key) == value
        assert key in cache
    with ResultCache(tmp_path) as reopened:
        assert reopened.get(key) == value


def test_disabled_cache_reads_and_writes_nothing(tmp_path: Path) -> None:
    key = ResultCache.key(**PARTS)
    with ResultCache(tmp_path) as cache:
        cache.set(key, {"v": 1})
    target = tmp_path / "never"
    with ResultCache(target, enabled=False) as off:
        off.set(key, {"v": 2})
        assert off.get(key) is None
    assert not target.exists()
    with ResultCache(tmp_path, enabled=False) as off:
        assert off.get(key) is None  # present on disk, but disabled means not read


def test_refresh_ignores_then_overwrites(tmp_path: Path) -> None:
    key = ResultCache.key(**PARTS)
    with ResultCache(tmp_path) as cache:
        cache.set(key, {"v": "old"})
    with ResultCache(tmp_path, refresh=True) as cache:
        assert cache.get(key) is None
        cache.set(key, {"v": "new"})
    with ResultCache(tmp_path) as cache:
        assert cache.get(key) == {"v": "new"}


def test_default_directory_is_the_user_cache_dir() -> None:
    cache = ResultCache(None, enabled=False)  # disabled: do not create anything in the real home
    assert cache.directory == Path(platformdirs.user_cache_dir("summarizer"))


def test_threads_share_one_cache(tmp_path: Path) -> None:
    with ResultCache(tmp_path) as cache:

        def work(i: int) -> None:
            for j in range(20):
                cache.set(ResultCache.key(t=i, j=j), {"t": i, "j": j})

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(
            cache.get(ResultCache.key(t=i, j=j)) == {"t": i, "j": j} for i in range(8) for j in range(20)
        )


def test_another_process_sees_writes(tmp_path: Path) -> None:
    key = ResultCache.key(**PARTS)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from summarizer.cache import ResultCache\n"
        "with ResultCache(Path(sys.argv[1])) as c:\n"
        "    c.set(sys.argv[2], {'from': 'child', '文': '字'})\n"
    )
    with ResultCache(tmp_path) as cache:  # open in the parent first: concurrent handles on one directory
        subprocess.run([sys.executable, "-c", code, str(tmp_path), key], check=True, timeout=60)
        assert cache.get(key) == {"from": "child", "文": "字"}


def test_no_api_key_stored_anywhere(tmp_path: Path) -> None:
    secret = "sk-CACHE-SECRET-41c2"
    cache_dir = tmp_path / "cache"
    answer = {
        "title": None,
        "organization": "咸宁市科技局",
        "period": "2020年上半年",
        "overview": "上半年科技工作概述",
    }
    with fs.FakeOpenAI([fs.answer(answer)]) as server:
        settings = Settings(model="fake-model", base_url=server.base_url, api_key=secret)
        with LLMClient(settings) as client, ResultCache(cache_dir) as cache:
            messages = [{"role": "user", "content": "概述"}]
            result = client.complete(messages, OverviewDraft, context=Grounding(""), label="doc.txt overview")
            # what extract does: key from identity parts, value = the validated result
            key = ResultCache.key(endpoint=client.endpoint_id(), model=settings.model, messages=messages)
            cache.set(key, {"value": result.value.model_dump(mode="json"), "mode": result.mode})
        assert server.requests[0].headers["authorization"] == f"Bearer {secret}"
    files = [f for f in cache_dir.rglob("*") if f.is_file()]
    blob = b"".join(f.read_bytes() for f in files)
    assert "上半年科技工作概述".encode() in blob  # positive control: the grep does see stored values
    assert secret.encode() not in blob


# --------------------------------------------------------------------------------------------------
# Write-behind: entries are committed in groups (cache module doc)
# --------------------------------------------------------------------------------------------------


def _count_commits(cache: ResultCache) -> list[int]:
    """Counts the groups the flusher commits (``flush`` opens one transaction per group)."""
    store = cache._store
    assert store is not None
    counted: list[int] = []
    transact = store.transact

    def counting(*args: object, **kwargs: object) -> object:
        counted.append(1)
        return transact(*args, **kwargs)  # type: ignore[arg-type]

    store.transact = counting  # type: ignore[method-assign]
    return counted


def _wait_for_commit(other: ResultCache, key: str) -> None:
    """Until ``other`` (another handle, which reads only what is committed) finds ``key``, 30 s at most."""
    deadline = time.monotonic() + 30
    while other.get(key) is None and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_set_entry_is_read_back_before_it_is_committed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "FLUSH_SECONDS", 60.0)  # nothing is committed during the test
    key = ResultCache.key(**PARTS)
    with ResultCache(tmp_path) as cache, ResultCache(tmp_path) as other:
        cache.set(key, {"v": 1})
        assert cache.get(key) == {"v": 1} and key in cache
        assert other.get(key) is None  # not in the database yet
        cache.flush()
        assert other.get(key) == {"v": 1}


def test_entries_are_committed_in_groups_a_little_later(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "FLUSH_SECONDS", 0.3)
    keys = [ResultCache.key(n=i) for i in range(40)]
    with ResultCache(tmp_path) as cache, ResultCache(tmp_path) as other:
        commits = _count_commits(cache)
        threads = [
            threading.Thread(target=lambda part=part: [cache.set(k, {"k": k}) for k in part])
            for part in (keys[0::2], keys[1::2])
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        _wait_for_commit(other, keys[-1])
        assert all(other.get(k) == {"k": k} for k in keys)  # committed without a flush or a close
        assert 1 <= len(commits) <= 3  # 40 entries set within a few milliseconds: one group, two at worst


def test_a_full_group_is_committed_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "FLUSH_SECONDS", 60.0)
    monkeypatch.setattr(cache_module, "FLUSH_ENTRIES", 5)
    keys = [ResultCache.key(n=i) for i in range(5)]
    with ResultCache(tmp_path) as cache, ResultCache(tmp_path) as other:
        for k in keys:
            cache.set(k, {"k": k})
        _wait_for_commit(other, keys[-1])
        assert all(other.get(k) == {"k": k} for k in keys)


def test_close_commits_what_is_pending_and_later_sets_are_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "FLUSH_SECONDS", 60.0)
    cache = ResultCache(tmp_path)
    cache.set("a", {"v": "a"})
    cache.close()
    cache.set("b", {"v": "b"})
    cache.close()  # idempotent
    with ResultCache(tmp_path) as reopened:
        assert reopened.get("a") == {"v": "a"} and reopened.get("b") is None


def test_a_cache_nobody_closes_is_committed_at_exit(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "import summarizer.cache as m\n"
        "m.FLUSH_SECONDS = 600.0\n"
        "c = m.ResultCache(Path(sys.argv[1]))\n"
        "c.set('k', {'v': '留'})\n"
        "sys.exit(3)\n"  # as after Ctrl-C: the interpreter exits with the flusher still waiting
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], timeout=60, check=False)
    assert done.returncode == 3
    with ResultCache(tmp_path) as cache:
        assert cache.get("k") == {"v": "留"}


def test_a_commit_that_fails_switches_the_cache_off_with_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlite3

    monkeypatch.setattr(cache_module, "FLUSH_SECONDS", 60.0)
    with ResultCache(tmp_path) as cache:
        store = cache._store
        assert store is not None

        def broken(*args: object, **kwargs: object) -> object:
            raise sqlite3.OperationalError("attempt to write a readonly database")

        store.transact = broken  # type: ignore[method-assign]
        cache.set("a", {"v": 1})
        with caplog.at_level("WARNING", logger="summarizer.cache"):
            cache.flush()
            cache.set("b", {"v": 2})
            cache.flush()
        assert cache.get("a") is None and cache.get("b") is None
        assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
        assert "readonly" in caplog.records[0].message
