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

**Proposed by a model, checked by the code** (``checked_highlights``). On a model backend each extracted
metric carries the model's ``key`` (a headline figure a briefing must cite; ``models.ExtractedMetric``). A
proposal counts only if the metric exists after merge (merge gives every proposed figure the id of the metric
it became; an id that names none is dropped), is not junk (``evaluate.junk_reason``: a date, an ordinal, a set
phrase, a count inside a name, a negated count, a name cut mid-phrase), has a name that says what it measures
(``name_problem``: not a bare figure, not only words like 增长/总额/完成), is not a duration, and is verified
(``verify.verify`` removes the others); a figure proposed twice (same name, value and unit) counts once. The
proposals that pass are ordered by ``score``: the model chooses, the code ranks (a chunk's answer sees only its
chunk, so it cannot rank figures across the report). Then:

* more than ``HIGHLIGHTS_MAX``: the first ``HIGHLIGHTS_MAX`` by score;
* fewer: the places left go to the deterministic choice (``choose_highlights``, in its order), after the
  proposals, skipping what fails the same checks (``fill_highlights``). So a model that marks only the figures
  of its chunk that stand out (in the authored answers of tests/cassettes: 4 of a heavily redacted county
  report's 33 figures) never shows a reader fewer key figures than the offline backend would, and its own
  picks come first. (Filling only up to a small minimum of 5 was tried: highlight recall over the replayed
  corpus fell from 96% to 81%.)
* none at all (the offline backend, which proposes nothing; an answer recorded before ``key`` existed; a model
  that leaves it out where the schema is not enforced): the deterministic choice, exactly as offline;
* a proposal verification fails: removed there, and its place goes to the next verified figure of the
  deterministic choice.
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


@cache
def _weight_patterns() -> tuple[tuple[re.Pattern[str], float], ...]:
    """Each table entry's words as one alternation: a name is scored for every metric of every document, and
    one C-level search per entry replaces a Python loop over its words (same answer: any word in the name)."""
    return tuple((re.compile("|".join(map(re.escape, words))), weight) for words, weight in indicator_table() if words)


def indicator_weight(name: str) -> float:
    """How much a reader wants the indicator ``name`` denotes first (0 when it is none of the table)."""
    for pattern, weight in _weight_patterns():
        if pattern.search(name):
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


# Words that say how a figure moved or was counted, not what it measures: a name made only of them (增长, 同比增长,
# 累计完成, 总额) leaves a reader asking "of what?".
_GENERIC_NAME_RE = re.compile(
    r"(?:同比|环比|比上年|比去年|全年|累计|共|合计|总计|新增|净增|增长|增加|下降|减少|提高|降低|达到|完成|实现|"
    r"总额|总量|总数|数量|金额|规模|比例|比重|占比|幅度|增速|增幅|率|数|额|量|个|项)+"
)


def name_problem(name: str) -> str | None:
    """Why ``name`` does not say what its figure measures (None when it does): shorter than two characters, or
    made only of words that say how a figure moved or was counted (增长, 累计完成, 总额)."""
    name = name.strip()
    if len(name) < 2:
        return "name too short"
    if _GENERIC_NAME_RE.fullmatch(name):
        return "name says how, not what"
    return None


def proposal_problem(metric: Metric) -> str | None:
    """Why a metric the model proposed is not a highlight (None when it is one, pending verification)."""
    from .evaluate import junk_reason  # the junk rules of the eval; not imported on the offline path

    problem = name_problem(metric.name) or junk_reason(metric)
    if problem is None and metric.unit in DURATION_UNITS:
        problem = "a duration"
    return problem


def checked_highlights(
    metrics: Sequence[Metric],
    proposed: Sequence[str],
    text: str,
    outline: Outline,
    limit: int = HIGHLIGHTS_MAX,
) -> list[str]:
    """The highlights from the ids of the metrics a model ``proposed``, checked and ranked, then filled up from
    the deterministic choice (the rules, and what happens with none, few or too many: the module docstring).
    With no proposal at all: ``choose_highlights``, as on the offline backend."""
    if not proposed:
        return choose_highlights(metrics, text, outline, limit)
    wanted = set(proposed)
    spans = key_spans(text, outline)
    scored: list[tuple[float, int, str]] = []
    seen: set[tuple[str, str | None, str]] = set()
    for order, metric in enumerate(metrics):
        fact = (metric.name, metric.value, metric.unit)
        if metric.id not in wanted or fact in seen or proposal_problem(metric) is not None:
            continue
        seen.add(fact)
        scored.append((-score(metric, spans), order, metric.id))
    chosen = [mid for _, _, mid in sorted(scored)[:limit]]
    return fill_highlights(chosen, metrics, text, outline, limit)


def fill_highlights(
    chosen: Sequence[str],
    metrics: Sequence[Metric],
    text: str,
    outline: Outline,
    limit: int = HIGHLIGHTS_MAX,
    *,
    verified_only: bool = False,
) -> list[str]:
    """``chosen`` followed by the deterministic choice (``choose_highlights``, in its order) up to ``limit``,
    leaving out what ``chosen`` has, a fact it already shows (same name, value and unit) and any metric a proposal
    would be refused for (``proposal_problem``): every highlight of a model's summary passes the same checks.
    ``verified_only`` (after verification, ``verify.verify``): verified metrics only.

    A no-op on the deterministic choice itself: what ``choose_highlights`` picks is either already in it or was
    removed by verification, so the offline backend's highlights are exactly its deterministic choice."""
    out = list(chosen)
    if len(out) >= limit:
        return out[:limit]
    by_id = {m.id: m for m in metrics}
    seen = {(by_id[mid].name, by_id[mid].value, by_id[mid].unit) for mid in out if mid in by_id}
    for mid in choose_highlights(metrics, text, outline, limit):
        m = by_id[mid]
        fact = (m.name, m.value, m.unit)
        if mid in out or fact in seen or (verified_only and m.check != "verified") or proposal_problem(m) is not None:
            continue
        out.append(mid)
        seen.add(fact)
        if len(out) >= limit:
            break
    return out
