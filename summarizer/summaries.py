"""The document cache: a finished summary kept under the document and everything that decides it, so summarizing
a document again with the same settings (a batch into a new ``--out``, another API call) costs a lookup, not
the pipeline.

The call cache (``plan.Request``, ``llm/backend.py``) keeps each validated answer, which makes a re-run cheap in
tokens but still runs the deterministic core, merge and verify for every document: ~30 ms of CPU where a lookup
is ~1 ms (bench/README.md, part 2). The document cache sits above it; the call cache stays for partial re-runs
(a document cut short, a new document sharing chunks with an old one).

What the key holds (``summary_key``):

* the document: the hash of its bytes and of the text read from them, how it was read (format, encoding) and
  where its pages start: a summary depends on the text, and the same bytes can be read two ways (``.html``
  as markup or as text, a ``.doc`` by antiword or by LibreOffice);
* the answer fingerprint (``fingerprint.py``: backend, endpoint, model, mode, sampling, prompt version, the
  schemas' hash, chunk budget, cleaning switches) and ``drop_unverified`` (verification's output);
* the code: the package's version, the summary schema's version, and a hash of every file of the package and of
  the prompt templates (``code_version``). Merge, verify and the offline readers change summaries without
  changing the fingerprint; any edit to them, to the indicator table or to a template gives new keys, so a
  cache never serves a summary the current code would not write.

Never cached: a summary with an answer that failed its grounding check after every re-ask (the call cache does
not keep those answers either, so the next run asks again). ``--refresh`` (``Settings.refresh``) reads
nothing from either cache and overwrites; ``--no-cache`` keeps neither; ``Settings.document_cache=False``
keeps the call cache only. To empty both, delete the cache folder (``--cache-dir``, default: the user cache
folder, ``summarizer``).

A hit is the stored summary with this document's name and path, and the usage a re-run served entirely by the
call cache reports (no calls, no tokens, one cache hit per answer the summary was built from), so a summary
read from either cache is the same JSON.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .cache import ResultCache
from .models import SCHEMA_VERSION, ReportSummary, Usage
from .resources import prompts_dir

if TYPE_CHECKING:
    from .fingerprint import Fingerprint
    from .load import Document

_PACKAGE = Path(__file__).resolve().parent
_CODE_SUFFIXES = frozenset({".py", ".json", ".j2", ".html", ".css", ".js", ".txt", ".tsv"})


@lru_cache(maxsize=1)
def code_version() -> str:
    """The package version, the schema version and a hash of every code, data and template file of the package
    and of the prompts (~60 files, a few ms, once per process)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        package = version("summarizer")
    except PackageNotFoundError:  # run from a source tree that is not installed
        package = "unknown"
    digest = hashlib.sha256(f"{package}\n{SCHEMA_VERSION}\n".encode())
    roots = [_PACKAGE]
    prompts = prompts_dir().resolve()
    if not prompts.is_relative_to(_PACKAGE):  # a source checkout: prompts/ beside the package
        roots.append(prompts)
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts and path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{package}-{SCHEMA_VERSION}-{digest.hexdigest()[:16]}"


def document_id(document: Document) -> dict[str, Any]:
    """What a summary depends on of the document itself (see the module docstring)."""
    return {
        "sha256": document.sha256,
        "text": hashlib.sha256(document.text.encode("utf-8", "surrogatepass")).hexdigest(),
        "format": document.format,
        "encoding": document.encoding,
        "pages": list(document.pages) if document.pages is not None else None,
    }


def summary_key(document: Document, fingerprint: Fingerprint, *, drop_unverified: bool) -> str:
    return ResultCache.key(
        kind="summary",
        code=code_version(),
        document=document_id(document),
        answer=dict(fingerprint.parts),
        drop_unverified=drop_unverified,
    )


def as_served(summary: ReportSummary, document: Document, cost_usd: float | None) -> ReportSummary:
    """A stored summary as a run served from the caches writes it: this document's name and path; no calls,
    no tokens, every answer a cache hit; ``cost_usd`` what those zero tokens cost (0.0, or None for a model
    without a price)."""
    spent = summary.usage
    usage = Usage(cache_hits=spent.calls + spent.cache_hits, cost_usd=cost_usd)
    source = summary.source.model_copy(update={"name": document.name, "path": document.path})
    return summary.model_copy(update={"source": source, "usage": usage})


class SummaryCache:
    """Finished summaries in the result cache's store, under ``summary_key``."""

    def __init__(self, cache: ResultCache, fingerprint: Fingerprint, *, drop_unverified: bool) -> None:
        self.cache = cache
        self.fingerprint = fingerprint
        self.drop_unverified = drop_unverified

    def key(self, document: Document) -> str:
        return summary_key(document, self.fingerprint, drop_unverified=self.drop_unverified)

    def get(self, key: str) -> ReportSummary | None:
        """The summary stored under ``key`` (``key(document)``); None when there is none (or it no longer
        validates)."""
        raw = self.cache.get_text(key)
        if raw is None:
            return None
        try:
            return ReportSummary.model_validate_json(raw)
        except ValidationError:
            return None  # written by code that is gone; the caller overwrites it

    def put(self, key: str, summary: ReportSummary) -> None:
        self.cache.set_text(key, summary.model_dump_json())
