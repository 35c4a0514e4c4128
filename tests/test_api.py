"""The Python API: one-call summarize, a reusable Summarizer, public step functions."""

from __future__ import annotations

from pathlib import Path

import summarizer
from summarizer import Summarizer, summarize
from summarizer.analysis import as_document
from summarizer.plan import is_trivial

DATA = Path(__file__).resolve().parent / "data"
MINI_TEXT = (DATA / "mini" / "mini_report.txt").read_text(encoding="utf-8")


def test_summarize_text_and_path_offline() -> None:
    from_text = summarize(MINI_TEXT, backend="offline")
    from_path = summarize(DATA / "mini" / "mini_report.txt", backend="offline")
    assert from_text.source.name == "<text>"
    assert from_path.source.name.endswith("mini_report.txt")
    assert [m.value for m in from_text.metrics] == [m.value for m in from_path.metrics]
    assert {m.value for m in from_text.metrics} >= {"3", "649", "30.13亿", "10"}
    assert any(m.redacted for m in from_text.metrics)
    assert from_text.verification.grounded_share == 1.0
    assert from_text.backend == "offline" and from_text.model is None


def test_summarizer_is_reusable_and_keeps_source_order() -> None:
    with Summarizer(backend="offline") as s:
        results = [s.run(DATA / f"{stem}.txt") for stem in ("xianning_city_2020h1", "county_trad_pinyin_2020h1")]
    for r in results:
        starts = [m.evidence.start for m in r.summary.metrics]
        assert starts == sorted(starts)
        assert r.analysis.clean.text  # the texts the evidence points into come with the summary
    assert results[1].summary.source.script == "traditional"


def test_as_document_tells_paths_from_text(tmp_path: Path) -> None:
    p = tmp_path / "r.txt"
    p.write_text("一、工作\n完成3项。", encoding="utf-8")
    assert as_document(str(p)).path is not None
    assert as_document("一、工作\n完成3项。").name == "<text>"
    assert as_document("not a file").name == "<text>"


def test_trivial_chunks_are_not_sent() -> None:
    # Chunks fill up to the budget, so only a near-empty text leaves a chunk that is not worth a request:
    # no figure, no finished sentence.
    for text, trivial in [("某县科技局2020年上半年工作总结\n", True), ("一、工作开展情况\n", True),
                          ("共推荐申报3家企业", False), ("工作进展顺利。", False), (MINI_TEXT, False)]:
        analysis = summarizer.analyze(summarizer.load_text(text))
        assert [is_trivial(c, analysis.mentions) for c in analysis.chunks] == [trivial], text


def test_steps_are_public() -> None:
    doc = summarizer.load_text(MINI_TEXT)
    cleaned = summarizer.clean(doc.text)
    outline = summarizer.parse_sections(cleaned.text)
    chunks = summarizer.make_chunks(cleaned.text, outline, budget=500)
    mentions = summarizer.find_numbers(cleaned.text)
    assert [s.heading() for s in outline.sections] == ["一、上半年工作开展情况", "二、下半年工作安排"]
    assert all(cleaned.text[c.start : c.end] == c.text for c in chunks)
    assert any(m.text == "30.13亿元" and m.scaled == 3_013_000_000 for m in mentions)


def test_concurrency_bounds_requests_on_the_wire(tmp_path: Path) -> None:
    from typing import Any

    from summarizer.testing import fake_openai as fs

    latency = 0.2

    def respond(body: dict[str, Any], n: int) -> fs.Behaviour:
        if any("摘要助手" in str(m.get("content")) for m in body["messages"] if m["role"] == "system"):
            return fs.answer({"overview": "概述。"})
        return fs.answer(fs.extraction(body, "本段摘要。"))

    from summarizer.batch import Batch

    # Three documents at once, each with several chunks: without the limit on the wire, up to 3 x 3 threads
    # would have requests out together.
    files = [DATA / f"{stem}.txt" for stem in ("national_2022_gov_report", "hailar_2012_gov_report",
                                                "county_trad_pinyin_2020h1")]
    with fs.FakeOpenAI(respond, latency=latency) as server, Summarizer(
        backend="llm", base_url=server.base_url, api_key="x", cache_dir=tmp_path / "c", concurrency=3
    ) as s:
        statuses = Batch(s, files, tmp_path / "out").run()
        arrivals = sorted(r.received_at for r in server.requests)
    assert [st.status for st in statuses] == ["ok"] * 3
    chunks = sum(len(summarizer.analyze(summarizer.load_path(f)).chunks) for f in files)
    assert len(arrivals) == chunks + 3  # chunks + one overview per document
    # Each request keeps the endpoint busy for `latency` after it arrives: count the overlaps.
    peak = max(sum(1 for b in arrivals if a <= b < a + latency * 0.9) for a in arrivals)
    assert peak == 3  # never more than --concurrency at once, and the limit is used


def test_a_one_chunk_report_is_summarized_in_one_request(tmp_path: Path) -> None:
    from typing import Any

    from summarizer.testing import fake_openai as fs

    def respond(body: dict[str, Any], n: int) -> fs.Behaviour:
        if any("摘要助手" in str(m.get("content")) for m in body["messages"] if m["role"] == "system"):
            return fs.answer({"overview": "另一次调用写的概述。"})
        return fs.answer(fs.extraction(body, "本段摘要。", overview="随片段一起写的概述。"))

    two = DATA / "mini" / "two_chunk_report.txt"
    with fs.FakeOpenAI(respond) as server, Summarizer(
        backend="llm", base_url=server.base_url, api_key="x", cache_dir=tmp_path / "c", chunk_budget=200
    ) as s:
        one_chunk = s.run(DATA / "mini" / "mini_report.txt")
        first = list(server.requests)
        two_chunks = s.run(two)
        second = server.requests[len(first) :]
    assert len(one_chunk.analysis.chunks) == 1 and len(first) == 1
    assert fs.response_name(first[0].body) == "ReportExtraction"
    assert "本片段即报告全文" in first[0].body["messages"][-1]["content"]
    assert one_chunk.summary.overview == "随片段一起写的概述。" and one_chunk.summary.usage.calls == 1
    # Two chunks: a call each, then the overview call.
    assert len(two_chunks.analysis.chunks) == 2 and len(second) == 3
    assert [fs.response_name(r.body) for r in second] == ["ChunkExtraction"] * 2 + ["OverviewDraft"]
    assert two_chunks.summary.overview == "另一次调用写的概述。"
