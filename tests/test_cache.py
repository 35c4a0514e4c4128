"""ResultCache: stable keys, enable/refresh semantics, persistence, concurrency, and no secrets on disk."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import platformdirs
import pytest
from netguard import no_external_network  # noqa: F401  (fixture)

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
