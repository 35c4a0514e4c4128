"""highlights: the ids of a report's key metrics, in order of importance (at most 20).

Chosen deterministically, on every backend, after merge, from three things a reader of a work report
goes by:

* **where the figure stands**: the lead sentence of a top-level part or of a sub-section, the review's
  opening paragraph (where annual reports put their headline results), the 主要预期目标 paragraph
  (the year's targets);
* **what it measures**: the importance list ``data/highlight_weights.json`` (GDP, fiscal revenue, investment,
  retail sales, incomes, jobs, prices … and a bureau's own key counts), matched on the metric's name;
* **its unit**: an amount or a rate says more than a bare count.

A metric with a name too short to say what it measures is never a highlight; two metrics with the same
name and figure count once. Verification then keeps only verified highlights (``verify.verify``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from .models import Metric
from .sections import Outline, Section, walk

HIGHLIGHTS_MAX = 20
# Position weights.
TARGETS_PARAGRAPH = 3.0  # the 主要预期目标 paragraph
REVIEW_OPENING = 2.0  # the first paragraph of the first work-done part
PART_LEAD = 2.0  # the lead sentence of a top-level part
SECTION_LEAD = 1.0  # the lead sentence of a deeper section
MIN_SCORE = 1.5
# A duration (6年, 3个月) is context for a reader, never the headline.
DURATION_UNITS = frozenset(
    {"年", "月", "个月", "日", "天", "周", "季度", "小时", "工作日"}
)  # below this a metric is detail, not a highlight

_TARGETS_RE = re.compile(r"主要预期目标|预期目标是|主要目标是|主要目标为|主要指标")
_SENTENCE_RE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")


@cache
def indicator_table() -> tuple[tuple[tuple[str, ...], float], ...]:
    """(words, weight) per kind of figure, from ``data/highlight_weights.json`` (read once). Not the indicator
    table (``data/indicators.json``, stable ids a figure is mapped to for series): a weight ranks any name that
    holds its words, 投资 and 企业 included, where an indicator id must never be guessed."""
    data = json.loads((Path(__file__).parent / "data" / "highlight_weights.json").read_text(encoding="utf-8"))
    return tuple((tuple(entry["words"]), float(entry["weight"])) for entry in data["indicators"])


def indicator_weight(name: str) -> float:
    """How much a reader wants the indicator ``name`` denotes first (0 when it is none of the table)."""
    for words, weight in indicator_table():
        if any(w in name for w in words):
            return weight
    return 0.0


def _lead_sentence(text: str, start: int, end: int) -> tuple[int, int] | None:
    m = _SENTENCE_RE.search(text, start, end)
    while m is not None and len(m.group(0).strip()) < 6:
        m = _SENTENCE_RE.search(text, m.end(), end)
    return (m.start(), m.end()) if m else None


def _paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph (line) of the body starting at ``start``: its first non-empty line."""
    while start < end and text[start] in "\n \t\u3000":
        start += 1
    stop = text.find("\n", start, end)
    return start, stop if stop >= 0 else end


def key_spans(text: str, outline: Outline) -> list[tuple[int, int, float]]:
    """Spans of the text where key figures stand, each with its weight."""
    spans: list[tuple[int, int, float]] = []
    for section in walk(outline.sections):
        lead = _lead_sentence(text, section.body_start, section.end)
        if lead is not None:
            spans.append((*lead, PART_LEAD if section.level == 1 else SECTION_LEAD))
    review: Section | None = next((s for s in outline.sections if s.role == "work_done"), None)
    if review is not None:
        spans.append((*_paragraph(text, review.body_start, review.end), REVIEW_OPENING))
    pre_start, pre_end = outline.preamble
    if not outline.sections:
        lead = _lead_sentence(text, pre_start, pre_end)
        if lead is not None:
            spans.append((*lead, PART_LEAD))
    for m in _TARGETS_RE.finditer(text):
        spans.append((*_paragraph(text, text.rfind("\n", 0, m.start()) + 1, len(text)), TARGETS_PARAGRAPH))
    return spans


def _unit_weight(metric: Metric) -> float:
    if metric.redacted:
        return 0.0
    if metric.unit in ("%", "‰", "百分点", "个百分点"):
        return 1.0
    if metric.unit.endswith("元"):
        return 1.0
    if metric.value and re.search(r"[万亿]", metric.value):
        return 0.5
    return 0.0


def score(metric: Metric, spans: Sequence[tuple[int, int, float]]) -> float:
    """A metric's importance: its indicator's weight, plus its position's, plus its unit's."""
    at = metric.evidence.start
    position = max((w for s, e, w in spans if s <= at < e), default=0.0)
    return indicator_weight(metric.name) + position + _unit_weight(metric)


def choose_highlights(metrics: Sequence[Metric], text: str, outline: Outline, limit: int = HIGHLIGHTS_MAX) -> list[str]:
    """The ids of the key metrics, most important first (source order among equals)."""
    spans = key_spans(text, outline)
    scored = []
    seen: set[tuple[str, str | None, str]] = set()
    for order, metric in enumerate(metrics):
        key = (metric.name, metric.value, metric.unit)
        if len(metric.name) < 2 or key in seen or metric.unit in DURATION_UNITS:
            continue
        seen.add(key)
        value = score(metric, spans)
        if value >= MIN_SCORE:
            scored.append((-value, order, metric.id))
    return [mid for _, _, mid in sorted(scored)[:limit]]
