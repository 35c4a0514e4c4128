"""The document cache (summarizer/summaries.py): a document summarized before with the same settings and code
costs a lookup (no request, the same summary as a re-run served by the call cache); anything that could change
the summary changes the key; ungrounded summaries, ``--refresh``, ``--no-cache`` and the offline backend bypass it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from summarizer import Summarizer
from summarizer.batch import Batch
from summarizer.config import Settings
from summarizer.load import load_path, load_text
from summarizer.render import render
from summarizer.summaries import code_version, summary_key
from summarizer.testing import fake_openai as fs
from tests.support import ANSWER_FLIPS as FLIPS

DATA = Path(__file__).resolve().parent / "data"
REPORT = DATA / "xianning_city_2020h1.txt"  # several chunks and an overview call
NEUTRAL: dict[str, Any] = {"api_key": "sk-other", "timeout": 5.0, "concurrency": 16, "prices": {"m": (1.0, 2.0)}}


def summarizer_for(server: fs.FakeOpenAI, cache_dir: Path, **settings: Any) -> Summarizer:
    return Summarizer(backend="llm", base_url=server.base_url, api_key="sk-x", cache_dir=cache_dir, **settings)


def answering() -> fs.FakeOpenAI:
    return fs.FakeOpenAI(lambda body, n: fs.pipeline_answer(body))


def test_a_document_summarized_before_costs_no_request_and_reads_as_a_call_cache_rerun(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with answering() as server:
        with summarizer_for(server, cache) as s:
            first = s.run(REPORT)
        sent = len(server.requests)
        assert sent >= 3 and not first.from_cache
        with summarizer_for(server, cache, document_cache=False) as s:
            from_calls = s.run(REPORT)  # the whole pipeline, every answer from the call cache
        with summarizer_for(server, cache) as s:
            served = s.run(REPORT)
        assert len(server.requests) == sent
    assert served.from_cache and not from_calls.from_cache
    assert from_calls.summary.usage.calls == 0 and from_calls.summary.usage.cache_hits == sent
    assert render(served, "json") == render(from_calls, "json")
    assert served.summary.metrics == first.summary.metrics and served.summary.overview == first.summary.overview
    # The texts the evidence points into are worked out when asked for (the HTML report needs them).
    assert served.analysis.clean.text == first.analysis.clean.text
    assert render(served, "html") == render(from_calls, "html")


def test_the_same_bytes_under_another_name_are_served_under_that_name(tmp_path: Path) -> None:
    copy = tmp_path / "copy" / "renamed.txt"
    copy.parent.mkdir()
    shutil.copyfile(REPORT, copy)
    with answering() as server:
        with summarizer_for(server, tmp_path / "cache") as s:
            s.run(REPORT)
            sent = len(server.requests)
            served = s.run(copy)
        assert len(server.requests) == sent
    assert served.from_cache
    assert (served.summary.source.name, served.summary.source.path) == (str(copy), str(copy))


def test_a_batch_into_a_new_out_sends_nothing_and_writes_the_same_files(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    files = [REPORT, DATA / "xuancheng_county_2020h1.txt"]
    with answering() as server:
        with summarizer_for(server, cache, document_cache=False) as s:
            Batch(s, files, tmp_path / "first").run()
            Batch(s, files, tmp_path / "calls").run()  # every answer from the call cache
        sent = len(server.requests)
        with summarizer_for(server, cache) as s:
            Batch(s, files, tmp_path / "warm").run()  # stores the summaries
            statuses = Batch(s, files, tmp_path / "served").run()
        assert len(server.requests) == sent
    assert [st.status for st in statuses] == ["ok", "ok"]
    for f in files:
        name = f.with_suffix(".json").name
        assert (tmp_path / "served" / name).read_text(encoding="utf-8") == (tmp_path / "calls" / name).read_text(
            encoding="utf-8"
        )
    for table in ("metrics.csv", "series.csv", "targets.csv"):
        assert (tmp_path / "served" / table).read_bytes() == (tmp_path / "calls" / table).read_bytes()


def key(tmp_path: Path, document: Any = None, **settings: Any) -> str:
    base = {"backend": "llm", "base_url": "http://127.0.0.1:9/v1", "api_key": "sk-x"}
    with Summarizer(Settings(**{**base, **settings})) as s:
        doc = document or load_path(REPORT)
        return summary_key(doc, s.fingerprint, drop_unverified=s.settings.drop_unverified)


@pytest.mark.parametrize("field", sorted(FLIPS))
def test_every_answer_setting_changes_the_key(field: str, tmp_path: Path) -> None:
    assert key(tmp_path, **{field: FLIPS[field]}) != key(tmp_path)


def test_drop_unverified_changes_the_key(tmp_path: Path) -> None:
    assert key(tmp_path, drop_unverified=True) != key(tmp_path)


@pytest.mark.parametrize("field", sorted(NEUTRAL))
def test_settings_that_change_no_answer_keep_the_key(field: str, tmp_path: Path) -> None:
    assert key(tmp_path, **{field: NEUTRAL[field]}) == key(tmp_path)


def test_the_document_its_reading_and_its_pages_are_in_the_key(tmp_path: Path) -> None:
    doc = load_path(REPORT)
    base = key(tmp_path, doc)
    assert key(tmp_path, doc.__class__(**{**vars(doc), "path": "elsewhere.txt", "name": "elsewhere.txt"})) == base
    for change in ({"text": doc.text + "\n补充。"}, {"sha256": "0" * 64}, {"format": "md"}, {"encoding": "gb18030"},
                   {"pages": (0, 100)}):
        assert key(tmp_path, doc.__class__(**{**vars(doc), **change})) != base, change
    assert key(tmp_path, load_text(doc.text)) != base  # read from a string, not from these bytes


def test_the_code_is_in_the_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import summarizer.summaries as summaries

    package = Path(summaries.__file__).parent
    copy = tmp_path / "summarizer"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(summaries, "_PACKAGE", copy)
    same = summaries.code_version.__wrapped__()
    assert same == code_version()
    (copy / "merge.py").write_text((copy / "merge.py").read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert summaries.code_version.__wrapped__() != same
    monkeypatch.setattr(summaries, "code_version", lambda: "another")
    assert key(tmp_path) != summary_key(load_path(REPORT), Summarizer(backend="offline").fingerprint,
                                        drop_unverified=False)


def test_refresh_reads_neither_cache_and_overwrites(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with answering() as server:
        with summarizer_for(server, cache) as s:
            s.run(REPORT)
        sent = len(server.requests)
        with summarizer_for(server, cache, refresh=True) as s:
            again = s.run(REPORT)
        assert len(server.requests) == 2 * sent and not again.from_cache
        with summarizer_for(server, cache) as s:
            assert s.run(REPORT).from_cache


def test_no_cache_keeps_nothing(tmp_path: Path) -> None:
    with answering() as server:
        for _ in range(2):
            with summarizer_for(server, tmp_path / "cache", use_cache=False) as s:
                assert not s.run(REPORT).from_cache
        assert not (tmp_path / "cache").exists()


def test_a_summary_with_an_ungrounded_answer_is_not_kept(tmp_path: Path) -> None:
    """The call cache does not keep an answer that failed its grounding check; neither does the document cache,
    so the next run asks that chunk again (and only that chunk)."""

    def responder(body: dict[str, Any], n: int) -> fs.Behaviour:
        if fs.asks_overview(body) or "科技计划项目管理进一步规范" not in json.dumps(body, ensure_ascii=False):
            return fs.pipeline_answer(body)
        return fs.answer(fs.extraction(body, "摘要。", [{"text": "无据", "kind": "measure", "quote": "原文没有这句"}]))

    with fs.FakeOpenAI(responder) as server:
        with summarizer_for(server, tmp_path / "cache", validation_retries=0) as s:
            first = s.run(REPORT)
            sent = len(server.requests)
            again = s.run(REPORT)
        repeated = len(server.requests) - sent
    assert first.summary.usage.calls == sent
    assert not again.from_cache and repeated == 1  # that chunk only: the others and the overview are cached


def test_a_stored_summary_that_no_longer_validates_is_a_miss(tmp_path: Path) -> None:
    with answering() as server, summarizer_for(server, tmp_path / "cache") as s:
        s.run(REPORT)
        assert s.summaries is not None
        doc = load_path(REPORT)
        s.summaries.cache.set_text(s.summaries.key(doc), json.dumps({"schema_version": "0.1"}))
        assert s.summaries.get(s.summaries.key(doc)) is None
        assert not s.run(REPORT).from_cache  # recomputed from the call cache, and stored again
        assert s.run(REPORT).from_cache


def test_the_offline_backend_keeps_no_summaries(tmp_path: Path) -> None:
    with Summarizer(backend="offline", cache_dir=tmp_path / "cache") as s:
        assert s.summaries is None
        assert not s.run(REPORT).from_cache and not s.run(REPORT).from_cache
    assert not (tmp_path / "cache").exists()
