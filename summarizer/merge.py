"""merge: chunk extractions -> one ``ReportSummary``, grounded, deduplicated, in source order.

Every quote a backend returns is aligned back to the cleaned text (exact match first, then a
whitespace-insensitive match, as models drop or add spaces), and from there to the original text through
the cleaner's offset map. A chunk may span several summary parts (``sections.summary_parts``): each item goes
to the part its quote lies in, and the chunk's summaries to its parts in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .clean import CleanText, source_facts
from .extract import ChunkResult
from .head import read_head
from .highlights import checked_highlights
from .indicators import find_relative_targets, indicator_of
from .load import Document
from .models import (
    REDACTION_RE,
    Evidence,
    ExtractedItem,
    ExtractedMetric,
    Item,
    Metric,
    OverviewDraft,
    RelativeTarget,
    ReportSummary,
    SectionSummary,
    SourceInfo,
    Usage,
)
from .numbers import NumberMention, fold_unit, parse_number, quote_numbers, written_marks
from .periods import Period, context_at, figure_context, figure_period, metric_period, own_period, parse_period
from .sections import Outline, Part, PartKey, path_at, rstrip_end, summary_parts

PREAMBLE_HEADING = "导语"

_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class RunInfo:
    backend: str
    model: str | None
    prompt_version: str


def locate(quote: str, text: str, start: int = 0) -> tuple[int, int] | None:
    """Span of ``quote`` in ``text`` (offsets relative to ``text``), ignoring whitespace differences."""
    if not quote.strip():
        return None
    at = text.find(quote, start)
    if at >= 0:
        return at, at + len(quote)
    # Whitespace-insensitive: search in the squashed text and map back through an index list.
    keep = [i for i, ch in enumerate(text) if not ch.isspace()]
    squashed = "".join(text[i] for i in keep)
    needle = _SPACE_RE.sub("", quote)
    at = squashed.find(needle)
    if at < 0 or not needle:
        return None
    return keep[at], keep[at + len(needle) - 1] + 1


def figure_number(value: str | None, unit: str) -> float | None:
    """Normalised number of a figure as written (scale word applied): ``1.2万`` -> 12000."""
    if value is None:
        return None
    mention = parse_number(f"{value}{unit}")
    if mention is None or mention.scaled is None:
        return None
    scaled: Decimal = mention.scaled
    return float(scaled)


_SENTENCE_END_RE = re.compile(r"[。！？!?；;\n]")


def report_period_of(document: Document, text: str, outline: Outline, overview: OverviewDraft) -> Period | None:
    """The report's period from its own head (``head.read_head``: title, dateline, the parts it reviews and
    plans); the model's word only when the head says nothing: a model that answers the reviewed year would
    move every result a year back."""
    tops = [s.heading() for s in outline.sections]
    head = read_head(
        text,
        facts=source_facts(document.text),
        first_heading=tops[0] if tops else None,
        preamble_end=outline.preamble[1] or None,
        headings=tops,
    )
    return parse_period(head.period) or parse_period(overview.period)


def relative_targets(
    document: Document, clean: CleanText, outline: Outline, report: Period | None
) -> list[RelativeTarget]:
    """Targets of the plans stated against another indicator (``indicators.find_relative_targets``), each
    dated like a target figure at the statement's place."""
    out = []
    annual = report is not None and report.start.endswith("-01") and report.end.endswith("-12")
    for part in summary_parts(outline):
        if part.role != "plans":
            continue
        for found in find_relative_targets(clean.text[part.start : part.end]):
            start, end = part.start + found.start, part.start + found.end
            sentence, before, headings = context_at(clean.text, outline, start, end, report)
            period = figure_period(sentence, before, headings, report, kind="target", annual_report=annual)
            out.append(
                RelativeTarget(
                    indicator=found.indicator,
                    reference=found.reference,
                    relation=found.relation,
                    period=period.text if period else None,
                    period_start=period.start if period else None,
                    period_end=period.end if period else None,
                    evidence=_evidence(document, clean, part.start, (found.start, found.end)),
                )
            )
    return out


def past_target(text: str, outline: Outline, metric: Metric, report: Period | None) -> bool:
    """A "target" whose own words date it to a period over before the report began ("去年…回落到2.6%" among the
    plans, "赤字率从去年的2.1%提高到…"): a figure of the past, so a result."""
    if metric.kind != "target" or report is None:
        return False
    own = own_period(figure_context(text, outline, metric, report)[1], report)
    return own is not None and own.end < report.start


def metric_indicator(text: str, metric: Metric, *, multi_year: bool) -> str | None:
    """The indicator the figure measures (``indicators.indicator_of``), read from its name and its sentence up
    to the figure."""
    ev = metric.evidence
    return indicator_of(
        metric.name, metric.value, metric.unit, ev.quote, text=text, quote_start=ev.start, multi_year=multi_year
    )


def _evidence(document: Document, clean: CleanText, offset: int, span: tuple[int, int]) -> Evidence:
    """The quote at ``span`` of a chunk starting at ``offset``, with its original offsets and (paged inputs)
    the page its original start is on."""
    start, end = offset + span[0], offset + span[1]
    ostart, oend = clean.original_span(start, end)
    return Evidence(
        quote=clean.text[start:end],
        start=start,
        end=end,
        original_start=ostart,
        original_end=oend,
        page=document.page_at(ostart),
    )


def _metric(em: ExtractedMetric, evidence: Evidence, section_path: list[str]) -> Metric:
    unit = em.unit.strip()
    value = em.value.strip() if em.value is not None else None
    # Models sometimes put the scale word in the unit ("万元"); fold it back into the value as written.
    if value is not None and len(unit) > 1 and unit[0] in "万亿千百" and not value.endswith(unit[0]):
        value, unit = value + unit[0], unit[1:]
    redacted = value is None or REDACTION_RE.search(value) is not None
    if redacted:
        # A redacted figure shows its own marks with its scale as the source writes them ("xxx万" + "元"),
        # read from its mention in the evidence: a null value (how a model says "redacted") or bare marks
        # given without the scale get them from there.
        value, unit = redacted_as_written(value, unit, evidence.quote)
    mention = _mention_of(value, evidence.quote)
    return Metric(
        id="",
        name=em.name.strip(),
        value=value,
        number=None if redacted else figure_number(value, unit),
        unit=unit,
        kind=em.kind,
        approx=mention.approx if mention else None,
        redacted=redacted,
        section_path=section_path,
        evidence=evidence,
    )


def redacted_as_written(value: str | None, unit: str, quote: str) -> tuple[str | None, str]:
    """The redacted figure of ``quote`` a metric stands for, as (marks with scale, unit): the one whose
    marks the value gives, else the only one with the metric's unit, else the only one. (None, unit)
    when the quote has no such figure: verification then flags the metric."""
    redacted = [m for m in quote_numbers(quote) if m.redacted]
    # A rank (前x名) only when the quote redacts nothing else: a count must not take a rank's marks.
    found = [m for m in redacted if m.kind != "ordinal"] or redacted
    if value is not None:
        exact = [m for m in found if written_marks(m) == _SPACE_RE.sub("", value)]
        if exact:
            return written_marks(exact[0]), unit
        marks = REDACTION_RE.search(value)
        found = [m for m in found if marks is not None and marks.group(0) in m.text] or found
    probe = unit.lstrip("万萬亿億千百") or unit
    same_unit = [m for m in found if m.unit == fold_unit(probe)]
    pick = same_unit if len(same_unit) == 1 else found if len(found) == 1 else []
    if not pick:
        return value, unit
    return written_marks(pick[0]), probe if unit != probe else unit


def _mention_of(value: str | None, quote: str) -> NumberMention | None:
    """The mention of ``value`` in its quote, which carries the approximation word ("1.2万余份": 余)."""
    if value is None:
        return None
    needle = _SPACE_RE.sub("", value)
    return next((m for m in quote_numbers(quote) if needle and needle in _SPACE_RE.sub("", m.text)), None)


MetricKey = tuple[int, int, str | None, str]


def placed_items(result: ChunkResult) -> Iterator[tuple[ExtractedItem, tuple[int, int] | None, Part]]:
    """Each item of a chunk with its quote's span in the chunk and the part it belongs to: the part its
    quote lies in (a chunk may hold the end of one section and the start of the next)."""
    chunk = result.chunk
    for item in result.extraction.items:
        span = locate(item.quote, chunk.text)
        yield item, span, chunk.part_at(chunk.start + (span[0] if span else 0))


def part_summaries(result: ChunkResult) -> list[tuple[Part, str]]:
    """The chunk's summaries paired with its parts, in order. A kept answer that failed validation may
    have the wrong number: extra ones go to the last part, missing ones leave their parts without."""
    parts, texts = result.chunk.summarized, [t.strip() for t in result.extraction.summaries]
    if len(texts) > len(parts):
        texts = [*texts[: len(parts) - 1], "".join(texts[len(parts) - 1 :])]
    return list(zip(parts, texts, strict=False))


@dataclass
class _Collected:
    """What the chunks' answers say, gathered per summary part, before ids are given."""

    metrics: dict[MetricKey, Metric] = field(default_factory=dict)
    summaries: dict[PartKey, list[str]] = field(default_factory=dict)
    items: dict[PartKey, list[tuple[Item, list[MetricKey]]]] = field(default_factory=dict)
    # Metrics a model proposed as highlights (``ExtractedMetric.key``): a figure given twice is proposed when
    # either answer proposes it.
    proposed: set[MetricKey] = field(default_factory=set)


def _collect(
    results: Sequence[ChunkResult], document: Document, clean: CleanText, outline: Outline
) -> _Collected:
    """Every chunk's summaries to their parts; every item to the part its quote lies in, with its metrics'
    keys; facts that two items or chunks both give counted once."""
    out = _Collected()
    seen_items: set[tuple[str, int]] = set()

    def section_path(position: int) -> list[str]:
        return [s.heading() for s in path_at(outline, position)]

    for result in results:
        chunk = result.chunk
        for part, text in part_summaries(result):
            if text:
                out.summaries.setdefault(part.key, []).append(text)
        for extracted, span, part in placed_items(result):
            evidence = _evidence(document, clean, chunk.start, span) if span else None
            keys: list[MetricKey] = []
            for em in extracted.metrics:
                # An answer kept after failing the grounding check may quote text that is not in the
                # chunk: anchor it to its item (or the chunk) so verification flags it instead of it
                # silently disappearing.
                mspan = locate(em.quote, chunk.text) or span or (0, len(chunk.text))
                mevidence = _evidence(document, clean, chunk.start, mspan)
                metric = _metric(em, mevidence, section_path(mevidence.start))
                mkey = (metric.evidence.start, metric.evidence.end, metric.value, metric.unit)
                out.metrics.setdefault(mkey, metric)  # the same fact from two items/chunks counts once
                if em.key:
                    out.proposed.add(mkey)
                if mkey not in keys:
                    keys.append(mkey)
            dedup = (extracted.text.strip(), evidence.start if evidence else -1)
            if dedup in seen_items:
                continue
            seen_items.add(dedup)
            item = Item(id="", text=extracted.text.strip(), kind=extracted.kind, evidence=evidence)
            out.items.setdefault(part.key, []).append((item, keys))
    return out


def _numbered_metrics(
    metrics: dict[MetricKey, Metric], text: str, outline: Outline, report: Period | None
) -> tuple[list[Metric], dict[MetricKey, str]]:
    """The metrics with ids in source order and their periods; the id of each key."""
    ordered = sorted(metrics.items(), key=lambda kv: (kv[1].evidence.start, kv[1].evidence.end, kv[0]))
    ids: dict[MetricKey, str] = {}
    final: list[Metric] = []
    for n, (mkey, metric) in enumerate(ordered, 1):
        ids[mkey] = f"m{n}"
        period = metric_period(text, outline, metric, report)
        update: dict[str, object] = {"id": f"m{n}", "period": period.text if period else None}
        update |= {"period_start": period.start, "period_end": period.end} if period else {}
        if past_target(text, outline, metric, report):
            update["kind"] = "result"
        multi_year = period is not None and period.first_year != period.last_year
        update["indicator"] = metric_indicator(text, metric, multi_year=multi_year)
        final.append(metric.model_copy(update=update))
    return final, ids


def _sections(
    collected: _Collected, outline: Outline, clean: CleanText, ids: dict[MetricKey, str]
) -> list[SectionSummary]:
    sections: list[SectionSummary] = []
    item_counter = 0
    parts = summary_parts(outline)
    split_tops = {p.key[0] for p in parts if p.key[1] is not None}
    for part in parts:
        part_items = collected.items.get(part.key, [])
        said = bool(part_items or collected.summaries.get(part.key))
        if part.key[0] is None:
            # The preamble when it holds items, or was summarized (a chunk of its own); the whole of a
            # report without headings always.
            shown = said or not outline.sections
        else:
            # A top-level section always shows, unless sub-sections with roles of their own took its content.
            shown = said or part.key[0] not in split_tops
        if not shown:
            continue
        final_items = []
        for item, keys in sorted(part_items, key=lambda it: it[0].evidence.start if it[0].evidence else -1):
            item_counter += 1
            final_items.append(item.model_copy(update={"id": f"i{item_counter}", "metrics": [ids[k] for k in keys]}))
        sections.append(
            SectionSummary(
                id=f"s{len(sections) + 1}",
                heading_path=list(part.path) or [PREAMBLE_HEADING],
                role=part.role or "other",
                summary="".join(collected.summaries.get(part.key, [])),
                items=final_items,
                start=part.start,
                end=rstrip_end(clean.text, part.start, part.end),
            )
        )
    return sections


def merge(
    *,
    document: Document,
    clean: CleanText,
    outline: Outline,
    results: Sequence[ChunkResult],
    overview: OverviewDraft,
    run: RunInfo,
    usage: Usage,
) -> ReportSummary:
    collected = _collect(results, document, clean, outline)
    report = report_period_of(document, clean.text, outline, overview)
    metrics, ids = _numbered_metrics(collected.metrics, clean.text, outline, report)
    proposed = sorted((ids[k] for k in collected.proposed), key=lambda mid: int(mid[1:]))
    return ReportSummary(
        source=SourceInfo(
            path=document.path,
            name=document.name,
            sha256=document.sha256,
            format=document.format,
            encoding=document.encoding,
            raw_chars=len(document.text),
            clean_chars=len(clean.text),
            script=clean.script,
            pages=document.page_count,
        ),
        title=overview.title,
        organization=overview.organization,
        period=report.text if report else overview.period,
        period_start=report.start if report else None,
        period_end=report.end if report else None,
        overview=overview.overview,
        sections=_sections(collected, outline, clean, ids),
        metrics=metrics,
        highlights=checked_highlights(metrics, proposed, clean.text, outline),
        relative_targets=relative_targets(document, clean, outline, report),
        usage=usage,
        backend=run.backend,
        model=run.model,
        prompt_version=run.prompt_version,
    )
