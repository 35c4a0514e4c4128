"""offline: the same ``ChunkExtraction``/``OverviewDraft`` as the LLM, built deterministically.

No network, no model: items come from the report's own headings and ``一是…`` enumerations, metrics from the
number mentions with their clause as evidence and the words before the figure as name, the overview from
the leading sentences and the section headings. It is the default when no endpoint is configured, and a
baseline the LLM must beat. Every answer goes through the same validators as an LLM answer.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

from .analysis import Analysis
from .binding import Binding, bind
from .chunks import Chunk
from .clean import source_facts
from .extract import ChunkResult, ChunkStep, OverviewStep
from .head import read_head
from .highlights import indicator_weight, key_spans
from .models import ChunkExtraction, ExtractedItem, ExtractedMetric, Grounding, ItemKind, OverviewDraft, Usage
from .numbers import NumberMention
from .plan import extraction_grounding
from .sections import Outline, Section, summary_parts, walk

if TYPE_CHECKING:
    from .cache import ResultCache
    from .config import Settings
    from .fingerprint import Fingerprint

CLAUSE_DELIMS = "，,；;。！？!?：:\n"
SENTENCE_RE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
TARGET_WORDS = ("力争", "争取", "计划", "目标", "预计", "确保", "拟", "将")
BASELINE_WORDS = ("基数",)  # "比去年同期增长15%" is a growth rate, a result
HONOR_WORDS = ("荣誉", "先进", "表彰", "称号", "获评", "获得", "荣获")
KIND_BY_ROLE: dict[str, ItemKind] = {
    "work_done": "achievement",
    "problems": "problem",
    "plans": "plan",
    "other": "measure",
}


def clause_span(text: str, start: int, end: int, lo: int = 0, hi: int | None = None) -> tuple[int, int]:
    """The clause around [start, end): between the nearest delimiters on each side, within [lo, hi)
    (the chunk: searching the whole document for a delimiter it never uses would be quadratic)."""
    hi = len(text) if hi is None else hi
    left = max(max(text.rfind(d, lo, start) for d in CLAUSE_DELIMS) + 1, lo)
    rights = [i for i in (text.find(d, end, hi) for d in CLAUSE_DELIMS) if i >= 0]
    right = min(rights) if rights else hi
    return left, right


def value_as_written(mention: NumberMention) -> str | None:
    """The figure with its scale word, without approx word and unit ("1.2万余份" -> "1.2万"); a redacted
    figure as its own marks with its scale ("xx余万元" -> "xx万")."""
    text = mention.text
    for _ in range(2):
        if mention.approx and text.startswith(mention.approx):
            text = text[len(mention.approx) :]
        if mention.approx and text.endswith(mention.approx):
            text = text[: -len(mention.approx)]
        if mention.unit and text.endswith(mention.unit):
            text = text[: -len(mention.unit)]
    if mention.approx and mention.approx in text:
        text = text.replace(mention.approx, "", 1)
    text = text.strip()
    return text or None


def metric_kind(clause: str, role: str | None) -> str:
    if any(w in clause for w in BASELINE_WORDS):
        return "baseline"
    if role == "plans" or any(w in clause for w in TARGET_WORDS):
        return "target"
    return "result"


def item_kind(title: str, role: str | None) -> ItemKind:
    if role in (None, "work_done") and any(w in title for w in HONOR_WORDS):
        return "honor"
    return KIND_BY_ROLE.get(role or "other", "measure")


class OfflineBackend:
    """Answers every step from the document itself; costs no call, so there is nothing to cache."""

    KEEP = 16  # documents whose reader is kept: a batch works on at most 2 x concurrency at once

    def __init__(self) -> None:
        # A document's reader binds every figure of the text once; its chunk steps and overview share it.
        self._readers: dict[int, tuple[Analysis, OfflineExtractor]] = {}
        self._lock = threading.Lock()

    def _reader(self, analysis: Analysis) -> OfflineExtractor:
        with self._lock:
            kept = self._readers.get(id(analysis))
            if kept is not None and kept[0] is analysis:
                return kept[1]
        reader = OfflineExtractor.of(analysis)
        with self._lock:
            if len(self._readers) >= self.KEEP:
                self._readers.pop(next(iter(self._readers)))
            self._readers[id(analysis)] = (analysis, reader)
        return reader

    def extract(self, step: ChunkStep) -> ChunkResult:
        reader = self._reader(step.analysis)
        result = reader.extract(step.chunk)
        if not step.whole:
            return result
        # A report that is one chunk: the overview comes with it (the offline overview costs no call).
        return ChunkResult(result.chunk, result.extraction, result.usage, reader.overview())

    def overview(self, step: OverviewStep) -> tuple[OverviewDraft, Usage]:
        return self._reader(step.analysis).overview(), Usage()

    def close(self) -> None:
        with self._lock:
            self._readers.clear()


def offline_backend(settings: Settings, *, fingerprint: Fingerprint, cache: ResultCache | None) -> OfflineBackend:
    return OfflineBackend()


class OfflineExtractor:
    """The offline answers for one document."""

    def __init__(self, text: str, outline: Outline, mentions: Sequence[NumberMention], original: str = "") -> None:
        self.text = text
        self.outline = outline
        self.mentions = mentions
        self.original = original
        self._all = list(walk(outline.sections))
        self._parts = summary_parts(outline)
        self._starts = [m.start for m in mentions]  # mentions come in source order
        self._bindings = {b.mention.start: b for b in bind(text, mentions)}

    @classmethod
    def of(cls, analysis: Analysis) -> OfflineExtractor:
        return cls(analysis.clean.text, analysis.outline, analysis.mentions, original=analysis.document.text)

    def _role_at(self, position: int) -> str | None:
        """The role of the summary part at ``position`` (a sub-section with a role of its own counts)."""
        return next((p.role for p in self._parts if p.start <= position < p.end), None)

    def _metric(self, m: NumberMention, chunk: Chunk, role: str | None) -> ExtractedMetric | None:
        b = self._bindings.get(m.start)
        if b is None or b.junk is not None:
            return None
        cs, ce = clause_span(self.text, m.start, m.end, chunk.start, chunk.end)
        if b.inherited and chunk.start <= b.subject_start < cs:
            # The subject was written in an earlier clause of the sentence: quote from there, so the
            # evidence shows what the figure measures ("国内生产总值达到…，增长6.9%").
            cs = clause_span(self.text, b.subject_start, b.subject_start + 1, chunk.start, chunk.end)[0]
        clause = self.text[cs:ce].strip()
        try:
            return ExtractedMetric.model_validate(
                {
                    "name": b.name,
                    "value": value_as_written(m),
                    "unit": m.unit,
                    "kind": metric_kind(clause, role),
                    "quote": clause,
                },
                context=Grounding(chunk.text),
            )
        except ValidationError:
            return None  # a figure we cannot ground exactly is left out, never guessed

    def extract(self, chunk: Chunk) -> ChunkResult:
        role = chunk.parts[0].role
        # Top-level headings are the sections themselves; items are the headings below them.
        headed = [
            s
            for s in self._all
            if chunk.start <= s.start < chunk.end and s.title.strip() and (s.level > 1 or not self.outline.sections)
        ]
        # Each metric goes to the innermost heading in this chunk that precedes it.
        buckets: dict[int, list[ExtractedMetric]] = {}
        loose: list[tuple[NumberMention, ExtractedMetric]] = []
        first = bisect_left(self._starts, chunk.start)
        last = bisect_left(self._starts, chunk.end)
        for m in self.mentions[first:last]:
            if m.end > chunk.end:
                continue
            metric = self._metric(m, chunk, self._role_at(m.start) or role)
            if metric is None:
                continue
            owner = _innermost(headed, m.start)
            if owner is None:
                loose.append((m, metric))
            else:
                buckets.setdefault(id(owner), []).append(metric)
        items: list[ExtractedItem] = []
        for section in headed:
            srole = self._role_at(section.start) or role
            items.append(
                ExtractedItem(
                    text=section.title.strip(),
                    kind=item_kind(section.title, srole),
                    quote=section.title.strip(),
                    metrics=buckets.get(id(section), []),
                )
            )
        # Figures in text that no heading of this chunk covers: one item per sentence holding them.
        for sentence_start, sentence, metrics in _group_by_sentence(self.text, chunk, loose):
            items.append(
                ExtractedItem(
                    text=sentence,
                    kind=KIND_BY_ROLE.get(self._role_at(sentence_start) or role or "other", "measure"),
                    quote=sentence,
                    metrics=metrics,
                )
            )
        items.sort(key=lambda it: chunk.text.find(it.quote))
        # One summary per summarized part: the leading sentences of its prose in this chunk.
        summaries = [
            _leading_sentences(
                _without_headings(self.text, max(p.start, chunk.start), min(p.end, chunk.end), self._all), 2
            )
            for p in chunk.summarized
        ]
        extraction = ChunkExtraction.model_validate(
            {"summaries": summaries, "items": [i.model_dump() for i in items]}, context=extraction_grounding(chunk)
        )
        return ChunkResult(chunk=chunk, extraction=extraction)

    def overview(self) -> OverviewDraft:
        end = self.outline.preamble[1]
        first = self.outline.sections[0].heading() if self.outline.sections else None
        report = read_head(
            self.text,
            facts=source_facts(self.original or self.text),
            first_heading=first,
            preamble_end=end or None,
            headings=[s.heading() for s in self.outline.sections],
        )
        overview = extractive_overview(self.text, self.outline, self._bindings.values())
        return OverviewDraft(
            title=report.title, organization=report.organization, period=report.period, overview=overview
        )


# A sentence for the overview: whole, from the report, ended by 。！？ (a ；-clause is not a sentence).
OVERVIEW_SENTENCE_RE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
OVERVIEW_MIN, OVERVIEW_MAX = 3, 5
OVERVIEW_SENTENCE_CHARS = (12, 160)  # shorter is a label, longer a paragraph
_INTRO_END_RE = re.compile(r"(?:如下|汇报|报告|以下几个方面|主要是|主要有|重点抓好)[^。]{0,6}[:：]?$|[:：]$")


def _overview_candidates(text: str, start: int, end: int, headings: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """Whole sentences of text[start:end] outside headings, long enough to say something."""
    out = []
    for m in OVERVIEW_SENTENCE_RE.finditer(text, start, end):
        s, e = m.start(), m.end()
        inside = [he for hs, he in headings if hs <= s < he]
        if inside:
            # A sentence that opens with a heading starts after it, unless the heading ends mid-sentence.
            s = max(inside)
            if s >= e or text[s - 1] not in "。！？!?：:\n \u3000":
                continue
        sentence = text[s:e].strip().lstrip("：:，,、。；; \u3000")
        lo, hi = OVERVIEW_SENTENCE_CHARS
        if lo <= len(sentence) <= hi and not _INTRO_END_RE.search(sentence.rstrip("。！？!?")):
            out.append((s + text[s:e].find(sentence), sentence))
    return out


def extractive_overview(text: str, outline: Outline, bindings: Iterable[Binding]) -> str:
    """3-5 whole sentences of the report: the lead sentence of each top-level part, then the sentences
    that carry its key figures (ranked as highlights are: indicator, position, unit), in source order,
    each ended by its own 。/！/？ (or a 。 where the report ends it with none)."""
    headings = [(s.start, s.body_start) for s in walk(outline.sections) if s.style != "enum"]
    spans = key_spans(text, outline)
    figures = []
    for b in bindings:
        if b.junk is None and not b.ambiguous:
            at = b.mention.start
            position = max((w for s, e, w in spans if s <= at < e), default=0.0)
            unit = 1.0 if b.mention.unit in ("%", "百分点", "元") else 0.0
            figures.append((indicator_weight(b.name) + position + unit, at))
    figures.sort(key=lambda f: (-f[0], f[1]))
    parts = [(s.start, s.end) for s in outline.sections] or [outline.preamble]
    chosen: dict[int, str] = {}
    for start, end in parts:
        candidates = _overview_candidates(text, start, end, headings)
        if candidates:
            chosen.setdefault(*candidates[0])
    for _, at in figures:
        if len(chosen) >= OVERVIEW_MAX:
            break
        for s, sentence in _overview_candidates(text, text.rfind("\n", 0, at) + 1, _line_end(text, at), headings):
            if s <= at < s + len(sentence):
                chosen.setdefault(s, sentence)
    picked = [chosen[k] for k in sorted(chosen)]
    if len(picked) > OVERVIEW_MAX:
        # Keep every part's lead and the best figure sentences: drop from the end of the figure ones.
        leads = {next(iter(_overview_candidates(text, s, e, headings)), (-1, ""))[0] for s, e in parts}
        keep = sorted(chosen)
        while len(keep) > OVERVIEW_MAX:
            extra = [k for k in keep if k not in leads] or keep
            keep.remove(extra[-1])
        picked = [chosen[k] for k in keep]
    return "".join(s if s.endswith(("。", "！", "？", "!", "?")) else s.rstrip("；;，,、") + "。" for s in picked)


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _innermost(sections: list[Section], position: int) -> Section | None:
    best: Section | None = None
    for s in sections:
        if s.start <= position < s.end and (best is None or s.level >= best.level):
            best = s
    return best


def _group_by_sentence(
    text: str, chunk: Chunk, loose: list[tuple[NumberMention, ExtractedMetric]]
) -> list[tuple[int, str, list[ExtractedMetric]]]:
    groups: dict[tuple[int, int], list[ExtractedMetric]] = {}
    for m, metric in loose:
        start = max(max(text.rfind(d, chunk.start, m.start) for d in "。！？!?\n") + 1, chunk.start)
        ends = [i for i in (text.find(d, m.end, chunk.end) for d in "。！？!?\n") if i >= 0]
        end = min(ends) if ends else chunk.end
        groups.setdefault((start, end), []).append(metric)
    out = []
    for (start, end), metrics in sorted(groups.items()):
        sentence = text[start:end].strip()
        if sentence:
            out.append((start + text[start:end].find(sentence), sentence, metrics))
    return out


def _without_headings(text: str, start: int, end: int, sections: list[Section]) -> str:
    """The prose of text[start:end]: heading markers and titles cut out, so a summary does not repeat the
    outline."""
    pieces, at = [], start
    # Enumerations (一是…) are prose, not outline: only real headings are cut.
    for s in sorted((s for s in sections if s.style != "enum"), key=lambda s: s.start):
        if start <= s.start < end and s.body_start > at:
            pieces.append(text[at : s.start])
            at = min(s.body_start, end)
    pieces.append(text[at:end])
    strip = " ：:。.，,；;"
    return "\n".join(p.strip(strip) for p in pieces if p.strip(strip))


def _leading_sentences(text: str, n: int) -> str:
    sentences = [s.strip() for s in SENTENCE_RE.findall(text) if len(s.strip()) >= 6]
    return "".join(sentences[:n])
