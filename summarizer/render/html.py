"""render (html): ``ReportSummary`` + texts -> one self-contained, offline HTML file.

The highlighted source is built here, in Python, not in the browser: the text is split at every evidence
boundary into flat segments, each escaped and wrapped in one ``<mark>`` listing every evidence that covers
it. Flat segments (rather than nested ``<mark>`` elements) make overlapping spans — which do not nest as a
tree — as easy as nested ones, and the page's script only has to select ``mark[data-ids~=key]``.

Evidence keys are built from positions (``m3``, ``i1-2``), not from the summary's ids: ids come from the
model and could contain spaces or collide between items and metrics, which would break ``~=`` selection.

Paged inputs (PDF): every item and metric shows the page its quote starts on ("第3页"), and both source panes
mark where each page starts (an empty element whose label is drawn by CSS, so the pane's text stays the
document's text, for copying and for the tests that compare it).
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from summarizer.models import HEADING_SEP, Evidence, Item, Metric, ReportSummary
from summarizer.render.jinja_env import environment
from summarizer.render.markdown import (
    CHECK_ICONS,
    CHECK_TEXT,
    ITEM_KIND_LABELS,
    METRIC_KIND_LABELS,
    ROLE_LABELS,
    check_label,
    is_problem,
    metric_value,
    metric_value_with_approx,
    page_label,
    percent,
    source_line,
    usage_line,
)

# --------------------------------------------------------------------------------------------------
# Segmenting
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """One evidence range to highlight. ``problem`` colours it as a failed check."""

    key: str
    start: int
    end: int
    problem: bool = False


@dataclass(frozen=True)
class Segment:
    """A maximal run of text covered by the same set of spans (``keys`` empty: plain text)."""

    start: int
    end: int
    keys: tuple[str, ...] = ()
    problem: bool = False


def _outer_first(s: Span) -> tuple[int, int, str]:
    return (s.start, -s.end, s.key)


def segment_text(length: int, spans: Iterable[Span], cuts: Iterable[int] = ()) -> list[Segment]:
    """Cut ``[0, length)`` at every span boundary; each piece lists the spans covering it.

    Spans are clamped to the text; empty or inverted ones are dropped (they cannot be shown, and bad
    offsets from upstream must not crash a report). Keys are ordered outermost first (earlier start,
    then longer), so the first key of a segment is the broadest context. ``cuts`` forces extra
    boundaries (section anchors) without highlighting anything.
    """
    clean: list[Span] = []
    for s in spans:
        start, end = max(0, min(s.start, length)), max(0, min(s.end, length))
        if start < end:
            clean.append(Span(s.key, start, end, s.problem))
    clean.sort(key=_outer_first)

    forced = (max(0, min(c, length)) for c in cuts)
    bounds = sorted({0, length, *forced, *(s.start for s in clean), *(s.end for s in clean)})
    starts: dict[int, list[Span]] = {}
    for s in clean:
        starts.setdefault(s.start, []).append(s)

    segments: list[Segment] = []
    active: list[Span] = []
    for a, b in itertools.pairwise(bounds):
        active = [s for s in active if s.end > a] + starts.get(a, [])
        active.sort(key=_outer_first)
        keys = tuple(dict.fromkeys(s.key for s in active))
        # The innermost span decides the colour: a verified metric inside a flagged item is fine itself.
        segments.append(Segment(a, b, keys, bool(active) and active[-1].problem))
    return segments


def highlight_html(
    text: str,
    spans: Iterable[Span],
    id_prefix: str,
    anchors: Mapping[int, Sequence[str]] | None = None,
    pages: Sequence[int] = (),
) -> Markup:
    """Escaped ``text`` with every evidence segment wrapped in ``<mark id=… data-ids=…>``.

    ``anchors`` maps a text position to names; an empty ``<span id="{prefix}-{name}">`` is placed there.
    ``pages`` lists where each page starts; an empty ``<span class="page-mark" data-page="N">`` goes there.
    """
    length = len(text)
    placed: dict[int, list[str]] = {}
    page_at: dict[int, list[int]] = {}
    for number, pos in enumerate(pages, 1):
        page_at.setdefault(max(0, min(pos, length)), []).append(number)
    for pos, names in (anchors or {}).items():
        placed.setdefault(max(0, min(pos, length)), []).extend(names)
    parts: list[str] = []
    n = 0

    def put_anchors(pos: int) -> None:
        for number in page_at.get(pos, ()):
            parts.append(
                Markup('<span class="page-mark" id="{}-p{}" data-page="{}" aria-label="第{}页"></span>').format(
                    id_prefix, number, number, number
                )
            )
        for name in placed.get(pos, ()):
            parts.append(Markup('<span class="sec-anchor" id="{}-{}"></span>').format(id_prefix, name))

    segments = segment_text(length, spans, [*placed.keys(), *page_at.keys()])
    for seg in segments:
        put_anchors(seg.start)
        piece = escape(text[seg.start : seg.end])
        if not seg.keys:
            parts.append(piece)
            continue
        n += 1
        classes = "ev bad" if seg.problem else "ev"
        depth = min(len(seg.keys), 3)
        parts.append(
            Markup('<mark id="{}-{}" class="{}" data-ids="{}" data-depth="{}">{}</mark>').format(
                id_prefix, n, classes, " ".join(seg.keys), depth, piece
            )
        )
    put_anchors(length)  # segments never start at the very end, so an anchor there is placed here
    return Markup("").join(parts)


# --------------------------------------------------------------------------------------------------
# View model: what the template needs, precomputed so the template stays logic-free
# --------------------------------------------------------------------------------------------------


@dataclass
class MetricView:
    key: str
    metric: Metric
    value: str
    value_approx: str
    kind: str
    check_icon: str
    check_text: str
    problem: bool
    has_evidence: bool
    page: str = ""  # "第3页" for paged inputs


@dataclass
class ItemView:
    key: str
    item: Item
    kind: str
    metrics: list[MetricView]
    missing_metrics: list[str]
    problem: bool
    has_evidence: bool
    page: str = ""


@dataclass
class SectionView:
    key: str
    path: str
    role: str
    role_code: str
    summary: str
    items: list[ItemView] = field(default_factory=list)
    problem: bool = False


@dataclass
class FailureView:
    field: str
    text: str
    check: str
    check_icon: str
    check_text: str
    reason: str
    target: str | None  # evidence key of the metric/item the failure points at, when it can be resolved


_METRIC_FIELD_RE = re.compile(r"^metrics\[(\d+)\]")
_ITEM_FIELD_RE = re.compile(r"^sections\[(\d+)\]\.items\[(\d+)\]")


def _valid(ev: Evidence | None, length: int, *, original: bool) -> bool:
    if ev is None:
        return False
    start, end = (ev.original_start, ev.original_end) if original else (ev.start, ev.end)
    return 0 <= start < end <= length


def _build_views(
    summary: ReportSummary, clean_len: int
) -> tuple[list[SectionView], list[MetricView], list[FailureView]]:
    metric_views: list[MetricView] = []
    by_id: dict[str, MetricView] = {}
    for n, m in enumerate(summary.metrics):
        view = MetricView(
            key=f"m{n}",
            metric=m,
            value=metric_value(m),
            value_approx=metric_value_with_approx(m),
            kind=METRIC_KIND_LABELS[m.kind],
            check_icon=CHECK_ICONS[m.check],
            check_text=check_label(m),
            problem=is_problem(m.check),
            has_evidence=_valid(m.evidence, clean_len, original=False),
            page=page_label(m.evidence),
        )
        metric_views.append(view)
        by_id.setdefault(m.id, view)

    sections: list[SectionView] = []
    for s_n, s in enumerate(summary.sections):
        sv = SectionView(
            key=f"s{s_n}",
            path=HEADING_SEP.join(s.heading_path) or "(无标题)",
            role=ROLE_LABELS[s.role],
            role_code=s.role,
            summary=s.summary,
        )
        for i_n, it in enumerate(s.items):
            mvs = [by_id[mid] for mid in it.metrics if mid in by_id]
            iv = ItemView(
                key=f"i{s_n}-{i_n}",
                item=it,
                kind=ITEM_KIND_LABELS[it.kind],
                metrics=mvs,
                missing_metrics=[mid for mid in it.metrics if mid not in by_id],
                problem=it.flagged or any(mv.problem for mv in mvs),
                has_evidence=_valid(it.evidence, clean_len, original=False),
                page=page_label(it.evidence),
            )
            sv.items.append(iv)
        sv.problem = any(iv.problem for iv in sv.items)
        sections.append(sv)
    return sections, metric_views, _failure_views(summary, sections, metric_views)


def _failure_views(
    summary: ReportSummary, sections: list[SectionView], metric_views: list[MetricView]
) -> list[FailureView]:
    """Each verification failure, linked to the metric or item it names when that can be resolved."""
    failures: list[FailureView] = []
    for f in summary.verification.failures:
        target: str | None = None
        mm = _METRIC_FIELD_RE.match(f.field)
        im = _ITEM_FIELD_RE.match(f.field)
        if mm and int(mm.group(1)) < len(metric_views):
            target = metric_views[int(mm.group(1))].key
        elif im:
            s_n, i_n = int(im.group(1)), int(im.group(2))
            if s_n < len(sections) and i_n < len(sections[s_n].items):
                target = sections[s_n].items[i_n].key
        failures.append(
            FailureView(
                field=f.field,
                text=f.text,
                check=f.check,
                check_icon=CHECK_ICONS[f.check],
                check_text=CHECK_TEXT[f.check],
                reason=f.reason,
                target=target,
            )
        )
    return failures


def evidence_spans(summary: ReportSummary, *, original: bool) -> list[Span]:
    """Every item's and metric's evidence as spans over the clean (or original) text."""
    spans: list[Span] = []

    def add(key: str, ev: Evidence | None, problem: bool) -> None:
        if ev is None:
            return
        if original:
            spans.append(Span(key, ev.original_start, ev.original_end, problem))
        else:
            spans.append(Span(key, ev.start, ev.end, problem))

    for s_n, s in enumerate(summary.sections):
        for i_n, it in enumerate(s.items):
            add(f"i{s_n}-{i_n}", it.evidence, it.flagged)
    for n, m in enumerate(summary.metrics):
        add(f"m{n}", m.evidence, is_problem(m.check))
    return spans


def section_anchors(summary: ReportSummary) -> dict[int, list[str]]:
    """Clean-text positions where a section starts, so a section heading can scroll the source there."""
    anchors: dict[int, list[str]] = {}
    for n, sec in enumerate(summary.sections):
        anchors.setdefault(sec.start, []).append(f"s{n}")
    return anchors


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------


def render_html(
    summary: ReportSummary,
    clean_text: str,
    original_text: str,
    *,
    page_starts: Sequence[int] | None = None,
    clean_offsets: Sequence[int] | None = None,
) -> str:
    """One self-contained HTML page: summary left, highlighted source right, original text on toggle.

    For a paged input, ``page_starts`` (``Document.pages``, offsets in the original text) marks the pages in
    the original pane, and in the clean pane too when ``clean_offsets`` (the cleaner's map) is given.
    """
    sections, metrics, failures = _build_views(summary, len(clean_text))
    clean_spans = evidence_spans(summary, original=False)
    original_pages = list(page_starts or ())
    clean_pages = [bisect_left(clean_offsets, p) for p in original_pages] if clean_offsets is not None else []
    clean_html = highlight_html(clean_text, clean_spans, "c", section_anchors(summary), clean_pages)
    original_html = highlight_html(original_text, evidence_spans(summary, original=True), "o", pages=original_pages)
    v = summary.verification
    template = environment().get_template("report.html.j2")
    by_id = {mv.metric.id: mv for mv in metrics}
    highlights = [by_id[mid] for mid in summary.highlights if mid in by_id]
    return template.render(
        s=summary,
        highlights=highlights,
        title=summary.title or summary.source.name,
        sections=sections,
        metrics=metrics,
        failures=failures,
        share=percent(v.grounded_share),
        share_level="good" if v.grounded_share >= 0.95 else ("warn" if v.grounded_share >= 0.8 else "bad"),
        problem_count=sum(mv.problem for mv in metrics) + sum(iv.item.flagged for sv in sections for iv in sv.items),
        clean_html=clean_html,
        original_html=original_html,
        paged=summary.source.pages is not None,
        same_text=clean_text == original_text,
        source_line=source_line(summary),
        usage_line=usage_line(summary),
    )
