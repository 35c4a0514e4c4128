"""gold: hand-written labels of what a summary of a document must contain, and their loading.

A gold file (``tests/gold/<doc>.json``) is written by a person reading the document, never by running the
tool on it: title, reporting body, period, the role of each top-level section, and the key facts a policy
analyst expects (each with its verbatim quote, value and unit as written, indicator, period, kind). ``eval``
compares summaries with them.

Loading checks every label against its document, because a label that does not point into the text would
silently score as "missed" forever: each quote must occur in the document (whitespace-insensitive: scraped
texts break lines mid-sentence), each value inside its quote, each section heading in the document. A bad
label is one line naming the file and the fact (exit 2).

``python -m summarizer.gold FILE…`` runs only these checks (labelers use it while writing).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import InputError
from .load import Document, load_path
from .models import REDACTION_RE, Role

FactKind = Literal["result", "target"]


class GoldError(InputError):
    """A gold file that cannot be used: missing document, a quote not in it, malformed JSON (exit 2)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GoldFact(_Strict):
    quote: str = Field(description="Verbatim from the document: the shortest clause that holds the figure.")
    value: str = Field(description="The figure as written, scale word kept, unit left out ('235.2亿', '7.5', 'xx').")
    unit: str = Field(default="", description="Unit as written ('元', '%', '个百分点', '家'); '' when none.")
    indicator: str = Field(description="Short canonical Chinese name of what is measured, e.g. '地区生产总值增速'.")
    names: list[str] = Field(
        default_factory=list, description="Other names that denote the same indicator (as the genre writes them)."
    )
    period: str = Field(description="Period the figure is about: '2012年', '2020年上半年', '2008—2012年'.")
    kind: FactKind
    redacted: bool = False
    approx: str | None = Field(default=None, description="Approximation word as written: 左右, 以上, 以内, 约, 近…")
    note: str | None = None


class GoldSection(_Strict):
    heading: str = Field(description="The heading as it stands in the document, numbering included.")
    role: Role


class GoldDocument(_Strict):
    document: str = Field(description="Path of the document, relative to this gold file.")
    title: str | None = Field(description="The report's title; null when the document carries none.")
    title_accept: list[str] = Field(default_factory=list, description="Other titles a reader would accept.")
    organization: str | None = Field(description="The reporting body; null when the text never names it.")
    organization_accept: list[str] = Field(default_factory=list)
    period: str = Field(description="What the report as a whole covers: '2020年上半年', or the year delivered.")
    period_accept: list[str] = Field(default_factory=list)
    sections: list[GoldSection]
    facts: list[GoldFact]
    notes: str | None = None


@dataclass(frozen=True)
class LocatedFact:
    """A gold fact with the span of its quote in ``Document.text`` (the original text summaries point into)."""

    id: str  # f1, f2… in file order
    fact: GoldFact
    start: int
    end: int


@dataclass(frozen=True)
class GoldCase:
    path: Path
    gold: GoldDocument
    document: Document
    facts: list[LocatedFact]
    section_starts: list[int]  # original offset of each gold section heading


def _squashed(text: str) -> tuple[str, list[int]]:
    """``text`` without whitespace, and for each kept character its offset in ``text``."""
    keep = [i for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(text[i] for i in keep), keep


def find_span(needle: str, text: str, squashed: tuple[str, list[int]] | None = None) -> tuple[int, int] | None:
    """[start, end) of ``needle`` in ``text``, exactly or ignoring whitespace on both sides."""
    at = text.find(needle)
    if at >= 0:
        return at, at + len(needle)
    flat, keep = squashed or _squashed(text)
    target = re.sub(r"\s+", "", needle)
    if not target:
        return None
    at = flat.find(target)
    if at < 0:
        return None
    return keep[at], keep[at + len(target) - 1] + 1


def _value_in_quote(fact: GoldFact) -> bool:
    quote = re.sub(r"\s+", "", fact.quote)
    if fact.redacted:
        return REDACTION_RE.search(quote) is not None
    return re.sub(r"\s+", "", fact.value) in quote


def load_gold(path: str | Path) -> GoldCase:
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GoldError(f"{path}: cannot read gold file ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise GoldError(f"{path}: not valid JSON ({exc})") from None
    try:
        gold = GoldDocument.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise GoldError(f"{path}: {where}: {first.get('msg')}") from None
    doc_path = (path.parent / gold.document).resolve()
    if not doc_path.is_file():
        raise GoldError(f"{path}: document {gold.document} does not exist")
    document = load_path(doc_path)
    squashed = _squashed(document.text)
    facts = []
    for i, fact in enumerate(gold.facts, 1):
        span = find_span(fact.quote, document.text, squashed)
        if span is None:
            raise GoldError(f"{path}: fact f{i} ({fact.indicator}): quote not in {gold.document}: {fact.quote[:60]!r}")
        if not _value_in_quote(fact):
            raise GoldError(f"{path}: fact f{i} ({fact.indicator}): value {fact.value!r} not in its quote")
        facts.append(LocatedFact(f"f{i}", fact, *span))
    starts = []
    for section in gold.sections:
        span = find_span(section.heading, document.text, squashed)
        if span is None:
            raise GoldError(f"{path}: section heading not in {gold.document}: {section.heading[:60]!r}")
        starts.append(span[0])
    return GoldCase(path, gold, document, facts, starts)


def gold_files(paths: list[str | Path]) -> list[Path]:
    """Gold files named, or every ``*.json`` in the folders named (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.glob("*.json") if not f.name.startswith("baseline")))
        elif p.is_file():
            out.append(p)
        else:
            raise GoldError(f"{p}: no such gold file or folder")
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "check":
        args = args[1:]
    code = 0
    try:
        files = gold_files(list(args) or ["tests/gold"])
    except GoldError as exc:
        print(f"gold: {exc}", file=sys.stderr)
        return 2
    for f in files:
        try:
            case = load_gold(f)
        except InputError as exc:
            print(f"gold: {exc}", file=sys.stderr)
            code = 2
            continue
        g = case.gold
        targets = sum(1 for x in g.facts if x.kind == "target")
        print(f"{f}: ok · {len(g.facts)} facts ({targets} targets) · {len(g.sections)} sections")
    return code


if __name__ == "__main__":
    sys.exit(main())
