"""The process-level policy of a long run: the garbage collector's setting while a batch runs."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from summarizer import Summarizer
from summarizer.batch import Batch
from summarizer.workers import BATCH_GEN0_THRESHOLD, collector_for_batch


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
