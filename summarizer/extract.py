"""extract: what a backend is asked about one document, what it answers, and the seam every backend fills.

A document's plan (``plan.py``) asks a ``ChunkStep`` for each chunk (a trivial chunk is answered with nothing,
and a report that is one chunk has one step whose answer writes the overview too), then, once those answers
are in, an ``OverviewStep`` whose material is the lead sentence of each part's summaries. A ``Backend`` answers
steps: the offline backend from the text itself (``offline.py``); a model backend by sending each step as a
request behind the result cache (``llm/backend.py``). ``backends.py`` registers them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from .chunks import Chunk
from .models import HEADING_SEP, ChunkExtraction, OverviewDraft, Usage

if TYPE_CHECKING:
    from .analysis import Analysis


@dataclass(frozen=True)
class ChunkStep:
    """One chunk of a document to extract (or, when ``skip``, to answer with nothing: it is not worth a call)."""

    analysis: Analysis
    chunk: Chunk
    label: str  # names document and chunk in logs, errors and cassettes: "report.txt chunk 2/7"
    skip: bool = False
    # Set when the chunk is the whole report: the answer writes title, organization, period and overview too
    # (from these facts of the metadata block, possibly none), which saves the overview call.
    facts: tuple[str, ...] | None = None

    @property
    def whole(self) -> bool:
        return self.facts is not None


@dataclass(frozen=True)
class OverviewPoint:
    """One summary part as the overview call sees it: its heading path and its summaries' lead sentences."""

    path: tuple[str, ...]
    points: tuple[str, ...]

    @property
    def heading(self) -> str:
        """The heading path as the prompt writes it."""
        return HEADING_SEP.join(self.path)


@dataclass(frozen=True)
class OverviewStep:
    """The overview of a document, asked once its chunks are answered."""

    analysis: Analysis
    head: str  # the document's head: metadata facts and the text before the first heading
    points: tuple[OverviewPoint, ...]
    label: str

    def material(self) -> str:
        """Everything the overview call sees, as one text: what its answer's quotes are validated against."""
        lines = [self.head]
        for point in self.points:
            lines.append(point.heading)
            lines.extend(point.points)
        return "\n".join(lines)


@dataclass(frozen=True)
class ChunkResult:
    chunk: Chunk
    extraction: ChunkExtraction
    usage: Usage = field(default_factory=Usage)
    overview: OverviewDraft | None = None  # the answer to a whole-report step writes the overview too
    # False when the answer failed its grounding check after every re-ask and was kept for verification to
    # flag: it is not cached, so neither is the summary built from it (``summaries.py``).
    grounded: bool = True

    @classmethod
    def skipped(cls, chunk: Chunk) -> ChunkResult:
        """A chunk not worth a call (``plan.is_trivial``): nothing extracted, nothing spent."""
        return cls(chunk, ChunkExtraction(summaries=[]))


class Backend(Protocol):
    """What the pipeline needs from a backend (registered in ``backends.py``)."""

    def extract(self, step: ChunkStep) -> ChunkResult:
        """The chunk's extraction; for a whole-report step (``step.whole``) with ``overview`` filled."""
        ...

    def overview(self, step: OverviewStep) -> tuple[OverviewDraft, Usage]: ...

    def close(self) -> None: ...
