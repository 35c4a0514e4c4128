"""The Python API: one-call summarize, a reusable Summarizer, public step functions."""

from __future__ import annotations

from pathlib import Path

import summarizer
from summarizer import Summarizer, summarize
from summarizer.api import as_document, is_trivial

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
    analysis = summarizer.analyze(summarizer.load_text(MINI_TEXT))
    trivial = [c.text for c in analysis.chunks if is_trivial(c, analysis.mentions)]
    assert trivial == ["某县科技局2020年上半年工作总结"]


def test_steps_are_public() -> None:
    doc = summarizer.load_text(MINI_TEXT)
    cleaned = summarizer.clean(doc.text)
    outline = summarizer.parse_sections(cleaned.text)
    chunks = summarizer.make_chunks(cleaned.text, outline, budget=500)
    mentions = summarizer.find_numbers(cleaned.text)
    assert [s.heading() for s in outline.sections] == ["一、上半年工作开展情况", "二、下半年工作安排"]
    assert all(cleaned.text[c.start : c.end] == c.text for c in chunks)
    assert any(m.text == "30.13亿元" and m.scaled == 3_013_000_000 for m in mentions)
