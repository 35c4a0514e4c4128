"""The process-level policy of a long run: the garbage collector's setting while a batch runs, and what worker
threads leave behind."""

from __future__ import annotations

import gc
import os
import threading
import time
import weakref
from pathlib import Path

import pytest

from summarizer import Summarizer
from summarizer.batch import Batch
from summarizer.workers import BATCH_GEN0_THRESHOLD, DaemonPool, collector_for_batch


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    """A reference cycle nobody holds: only the cyclic collector can free it."""
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_the_collector_is_tuned_inside_and_restored_after() -> None:
    before = gc.get_threshold()
    with collector_for_batch():
        assert gc.get_threshold()[0] == max(before[0], BATCH_GEN0_THRESHOLD)
        assert gc.get_threshold()[1:] == before[1:]
    assert gc.get_threshold() == before


def test_nested_batches_share_the_setting_and_the_last_out_restores() -> None:
    before = gc.get_threshold()
    with collector_for_batch():
        with collector_for_batch():
            pass
        assert gc.get_threshold()[0] == max(before[0], BATCH_GEN0_THRESHOLD)  # the outer batch still runs
    assert gc.get_threshold() == before


def test_restored_after_an_exception() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), collector_for_batch():
        raise RuntimeError("boom")
    assert gc.get_threshold() == before


def test_nothing_is_frozen_and_garbage_from_before_the_batch_is_still_collected() -> None:
    """No object is taken out of the collector's reach: a cycle that was alive when the batch started and dies
    during it is collected by the batch's collections (a process running batch after batch must not carry
    one batch's leftover cycles into the next)."""
    ref = _cycle()
    a = ref()  # alive until the batch has started
    with collector_for_batch():
        assert gc.get_freeze_count() == 0
        del a
        gc.collect()
        assert ref() is None


def test_garbage_made_during_the_batch_is_collected_during_it() -> None:
    with collector_for_batch():
        ref = _cycle()
        gc.collect()
        assert ref() is None


def test_a_batch_runs_inside_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int]] = []
    original = Batch._run_locked

    def spy(self: Batch) -> None:
        seen.append((gc.get_threshold()[0], gc.get_freeze_count()))
        original(self)

    monkeypatch.setattr(Batch, "_run_locked", spy)
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("一、工作成效\n全年完成投资30.95亿元，同比增长12.5%。\n", encoding="utf-8")
    before = gc.get_threshold()
    with Summarizer(backend="offline", cache_dir=tmp_path / "cache") as s:
        statuses = Batch(s, [src / "a.txt"], tmp_path / "out").run()
    assert [st.status for st in statuses] == ["ok"]
    assert seen and seen[0][0] >= BATCH_GEN0_THRESHOLD
    assert gc.get_threshold() == before


# --------------------------------------------------------------------------------------------------
# What worker threads leave behind
# --------------------------------------------------------------------------------------------------


def test_each_worker_runs_on_exit_as_it_ends() -> None:
    ended: list[str] = []
    lock = threading.Lock()

    def on_exit() -> None:
        with lock:
            ended.append(threading.current_thread().name)

    pool = DaemonPool(3, name="t-pool", on_exit=on_exit)
    futures = [pool.submit(time.sleep, 0.05) for _ in range(6)]
    for f in futures:
        f.result(timeout=10)
    pool.shutdown()
    deadline = time.monotonic() + 10
    while len(ended) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(ended) == ["t-pool-0", "t-pool-1", "t-pool-2"]


def _open_files_under(folder: Path) -> list[str]:
    fds = Path("/proc/self/fd")
    out = []
    for fd in fds.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(folder)):
            out.append(target)
    return out


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_a_batch_leaves_no_connection_to_the_cache_open(tmp_path: Path) -> None:
    """Every thread that read or wrote the result cache (documents, chunks, the cache's flusher) closes its
    SQLite connection as it ends: a connection is a reference cycle, freed only by a full collection, and a
    process running batch after batch kept ~50 of them per batch, with their page caches (cache.release_thread)."""
    from summarizer.testing import fake_openai as fs

    src = tmp_path / "in"
    src.mkdir()
    report = (Path(__file__).parent / "data" / "xianning_city_2020h1.txt").read_text(encoding="utf-8")
    for i in range(3):  # reports of several chunks: the chunk threads read the cache too
        (src / f"{i}.txt").write_text(report.replace("咸宁", f"咸宁{i}"), encoding="utf-8")
    cache = tmp_path / "cache"
    gc.disable()  # only an explicit close may free a connection here
    try:
        with fs.FakeOpenAI(lambda body, n: fs.pipeline_answer(body)) as server, Summarizer(
            backend="llm", base_url=server.base_url, api_key="sk-x", cache_dir=cache, concurrency=4
        ) as s:
            statuses = Batch(s, sorted(src.iterdir()), tmp_path / "out").run()
            assert len(server.requests) >= 3
        assert [st.status for st in statuses] == ["ok"] * 3
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
            t.name.startswith(("summarizer-doc", "summarizer-chunk", "summarizer-cache")) for t in threading.enumerate()
        ):
            time.sleep(0.02)
        assert _open_files_under(cache) == []
    finally:
        gc.enable()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_a_thread_ending_after_the_summarizer_closed_still_closes_its_connection(tmp_path: Path) -> None:
    """``Summarizer.close`` does not wait for its pool's threads (Ctrl-C must not): a thread that ends after it
    still closes its own connection."""
    cache_dir = tmp_path / "cache"
    s = Summarizer(backend="llm", base_url="http://127.0.0.1:9/v1", api_key="sk-x", cache_dir=cache_dir)
    opened, closed = threading.Event(), threading.Event()
    gc.disable()
    try:

        def worker() -> None:
            cache = s.cache
            assert cache is not None
            cache.get("absent")  # opens this thread's connection
            opened.set()
            closed.wait(10)
            s.release_thread()

        t = threading.Thread(target=worker)
        t.start()
        assert opened.wait(10)
        s.close()
        assert _open_files_under(cache_dir)  # the worker's connection is still open
        closed.set()
        t.join(10)
        assert _open_files_under(cache_dir) == []
    finally:
        gc.enable()
