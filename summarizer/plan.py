"""plan: the requests a run would send, for a document or a corpus, worked out before anything is sent.

One answer to "what will be asked?", read by ``Summarizer.run`` (which asks it), ``--dry-run`` (which counts
it and looks it up in the cache) and batches (which run documents through ``Summarizer.run``):

* a step per chunk, in source order; a chunk too short to hold a fact (``is_trivial``) is answered with
  nothing and sent nowhere;
* a report that is one chunk worth a call gets one step whose answer also writes title, organization,
  period and overview (``ReportExtraction``): one request instead of two;
* otherwise, once the chunk answers are in, the overview step: the document's head and the lead sentence of
  each part's summaries (``overview_points``).

For a model backend a step is sent as a ``Request``: the exact messages, the response model, what the answer is
validated against, and its cache key (``fingerprint.py``). So requests can be enumerated before anything is
sent, keyed, sent later and their answers fed back: a provider batch API can send every chunk request of a
corpus (``first_requests``), store each answer under its key (``Request.store``), then build and send the
overview requests from those answers (``DocumentPlan.overview``), and a normal run then reads everything from
the cache.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from .analysis import Analysis
from .chunks import Chunk
from .clean import source_facts
from .extract import ChunkResult, ChunkStep, OverviewPoint, OverviewStep
from .merge import part_summaries, placed_items
from .models import ChunkExtraction, Grounding, OverviewDraft, ReportExtraction
from .numbers import NumberMention
from .prompts import extract_messages, overview_messages
from .sections import Part, PartKey

if TYPE_CHECKING:
    from .cache import ResultCache
    from .fingerprint import Fingerprint

OVERVIEW_HEAD_CHARS = 200
# A chunk this short with no figure and no finished sentence in it (a lone heading, "现将…汇报如下:") is
# not worth a call: it carries no item the headings do not already show, and the overview sees the head.
TRIVIAL_CHUNK_CHARS = 80
SENTENCE_ENDS = frozenset("。！？；!?;")
FIGURE_KINDS = frozenset({"count", "money", "percent", "percent_point", "ratio"})
POINTS_PER_SECTION = 3  # items per part in the overview material, for a part without a summary
LEAD_CHARS = 80  # the prompt asks for at most 50; a model that writes more is cut at a clause end
_LEAD_END_RE = re.compile(r"[。！？!?]")
_CLAUSE_END_RE = re.compile(r"[；;，,：:]")


# --------------------------------------------------------------------------------------------------
# Which calls a document needs
# --------------------------------------------------------------------------------------------------


def is_trivial(chunk: Chunk, mentions: Sequence[NumberMention]) -> bool:
    if len(chunk.text) >= TRIVIAL_CHUNK_CHARS or not SENTENCE_ENDS.isdisjoint(chunk.text):
        return False
    return not any(chunk.start <= m.start < chunk.end and (m.kind in FIGURE_KINDS or m.redacted) for m in mentions)


def whole_report_chunk(analysis: Analysis) -> Chunk | None:
    """The chunk of a report that is one chunk (worth a call): its call writes the overview too, one request
    instead of two."""
    if len(analysis.chunks) == 1 and not is_trivial(analysis.chunks[0], analysis.mentions):
        return analysis.chunks[0]
    return None


@dataclass(frozen=True)
class DocumentPlan:
    analysis: Analysis
    chunks: tuple[ChunkStep, ...]  # one per chunk, in source order; trivial ones are marked ``skip``

    @property
    def name(self) -> str:
        return self.analysis.document.name

    @property
    def sent(self) -> tuple[ChunkStep, ...]:
        """The chunk steps that are asked of a backend."""
        return tuple(step for step in self.chunks if not step.skip)

    @property
    def whole(self) -> bool:
        """A report that is one chunk: its one call writes the overview too, and no overview call follows."""
        return any(step.whole for step in self.chunks)

    @property
    def calls(self) -> int:
        """Requests a run sends for this document when nothing is cached (re-asks and retries aside)."""
        return len(self.sent) + (0 if self.whole else 1)

    def overview(self, results: Sequence[ChunkResult]) -> OverviewStep | None:
        """The overview step, from the chunks' answers (in source order); None when the chunk call wrote it."""
        if self.whole:
            return None
        return OverviewStep(
            self.analysis,
            overview_head(self.analysis),
            overview_points(results),
            f"{self.name} overview",
        )


def plan_document(analysis: Analysis) -> DocumentPlan:
    name, total = analysis.document.name, len(analysis.chunks)
    whole = whole_report_chunk(analysis)
    facts = tuple(source_facts(analysis.document.text)) if whole is not None else None
    steps = tuple(
        ChunkStep(
            analysis,
            chunk,
            f"{name} chunk {chunk.index + 1}/{total}",
            skip=is_trivial(chunk, analysis.mentions),
            facts=facts,
        )
        for chunk in analysis.chunks
    )
    return DocumentPlan(analysis, steps)


def plan_corpus(analyses: Iterable[Analysis]) -> Iterator[DocumentPlan]:
    return (plan_document(a) for a in analyses)


# --------------------------------------------------------------------------------------------------
# The overview's material
# --------------------------------------------------------------------------------------------------


def lead(text: str, limit: int = LEAD_CHARS) -> str:
    """The first sentence of ``text``, cut at a clause end when it is longer than ``limit``."""
    end = _LEAD_END_RE.search(text)
    first = text[: end.end()] if end else text
    if len(first) <= limit:
        return first
    cut = max((m.start() for m in _CLAUSE_END_RE.finditer(first, 0, limit)), default=limit)
    return first[:cut] + "…"


def overview_points(results: Sequence[ChunkResult]) -> tuple[OverviewPoint, ...]:
    """The overview call's material: per summary part, its heading and the lead sentence of each chunk's
    summary of it (its first items when it has none). The extraction prompt asks every summary to open with
    a short sentence holding the part's most important content and figures, so the leads carry what an
    overview needs for a fraction of the tokens of whole summaries or item lists. The preamble is left out:
    the call sees it as the document head."""
    summaries: dict[PartKey, list[str]] = {}
    items: dict[PartKey, list[str]] = {}
    parts: dict[PartKey, Part] = {}
    for r in results:
        for part, text in part_summaries(r):
            parts[part.key] = part
            if text:
                summaries.setdefault(part.key, []).append(lead(text))
        for item, _, part in placed_items(r):
            parts[part.key] = part
            items.setdefault(part.key, []).append(item.text)
    points = []
    for key, part in sorted(parts.items(), key=lambda kv: kv[1].start):
        if not part.path:  # the preamble: the call sees it as the document head
            continue
        texts = summaries.get(key) or [lead(t) for t in items.get(key, [])[:POINTS_PER_SECTION]]
        if texts:
            points.append(OverviewPoint(part.path, tuple(texts)))
    return tuple(points)


def overview_head(analysis: Analysis) -> str:
    """What the overview call sees of the document itself, for title, organization and period: the
    metadata block's issuing body and date, and the text before the first heading (where titles live)."""
    facts = source_facts(analysis.document.text)
    start, end = analysis.outline.preamble
    head = analysis.clean.text[start : min(end, start + OVERVIEW_HEAD_CHARS)].strip()
    if not head:  # the report opens with a heading
        head = analysis.clean.text[: OVERVIEW_HEAD_CHARS // 2].strip()
    return "\n".join([*facts, head]) if facts else head


# --------------------------------------------------------------------------------------------------
# Steps as requests (model backends)
# --------------------------------------------------------------------------------------------------


def part_labels(chunk: Chunk) -> list[str]:
    """How the prompt names each summary part in the chunk: its heading path, marked when the part began
    in an earlier chunk (its heading is then not in the text)."""
    labels = []
    for part in chunk.summarized:
        label = part.path[-1] if part.path else "报告开头"
        labels.append(f"{label}(接上文)" if part.start < chunk.start and part.path else label)
    return labels


def extraction_grounding(chunk: Chunk) -> Grounding:
    """What an extraction answer is validated against: the chunk's text and how many summaries it owes."""
    return Grounding(chunk.text, len(chunk.summarized))


@dataclass(frozen=True, eq=False)
class Request:
    """One call to a model, complete: what is sent, what the answer must fill and is validated against, and
    the result cache's key for it."""

    label: str
    messages: list[dict[str, str]]
    response_model: type[BaseModel]
    grounding: Grounding
    key: str

    def parse(self, value: Any) -> BaseModel:
        """An answer (JSON-like) validated as this request's answer."""
        return self.response_model.model_validate(value, context=self.grounding)

    def cached(self, cache: ResultCache) -> BaseModel | None:
        """The answer stored under this request's key, if any (an entry that no longer validates is a miss)."""
        hit = cache.get(self.key)
        if hit is None:
            return None
        try:
            return self.parse(hit.get("value"))
        except ValidationError:
            return None

    def store(self, cache: ResultCache, value: BaseModel, mode: str) -> None:
        """Feed a validated answer back (only validated answers are ever stored): ``{"mode": …, "value": …}``,
        the value serialized by pydantic in one step (a dict from ``model_dump`` then ``json.dumps`` was two
        passes over every answer of a batch)."""
        cache.set_text(self.key, f'{{"mode":{json.dumps(mode)},"value":{value.model_dump_json()}}}')


def request_for(step: ChunkStep | OverviewStep, fingerprint: Fingerprint) -> Request:
    response_model: type[BaseModel]
    if isinstance(step, OverviewStep):
        messages = overview_messages(step.head, step.points)
        response_model, grounding = OverviewDraft, Grounding(step.material())
    else:
        facts = list(step.facts) if step.facts is not None else None
        messages = extract_messages(
            step.chunk.text, part_labels(step.chunk), facts, worked_example=fingerprint.worked_example
        )
        response_model = ReportExtraction if step.whole else ChunkExtraction
        grounding = extraction_grounding(step.chunk)
    return Request(step.label, messages, response_model, grounding, fingerprint.request_key(messages, response_model))


def first_requests(plans: Iterable[DocumentPlan], fingerprint: Fingerprint) -> Iterator[Request]:
    """Every request that needs no other answer first: each document's chunk requests (the first round of a
    corpus batch); the overview requests follow from their answers (``DocumentPlan.overview``)."""
    for plan in plans:
        for step in plan.sent:
            yield request_for(step, fingerprint)
