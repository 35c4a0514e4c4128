"""The backend seam: a registry of name -> factory with capabilities. A new backend is one factory and one
registration; nothing outside the registry compares backend names."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

import summarizer
from summarizer import Summarizer, backends
from summarizer.backends import BackendSpec, Capabilities
from summarizer.extract import ChunkResult, ChunkStep, OverviewStep
from summarizer.models import ChunkExtraction, OverviewDraft, Usage

PACKAGE = Path(summarizer.__file__).resolve().parent
MINI = PACKAGE.parent / "tests" / "data" / "mini" / "mini_report.txt"
TWO_CHUNKS = MINI.with_name("two_chunk_report.txt")


def test_nothing_outside_the_registry_compares_backend_names() -> None:
    names = set(backends.names())
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "backends.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Compare):
                continue
            for side in [node.left, *node.comparators]:
                values = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
                hits = [v.value for v in values if isinstance(v, ast.Constant) and v.value in names]
                found += [f"{path.relative_to(PACKAGE)}:{node.lineno} {h!r}" for h in hits]
    assert found == []


class Echo:
    """A toy backend: every chunk summarized by its first characters, the overview by the head."""

    def __init__(self) -> None:
        self.steps: list[str] = []

    def extract(self, step: ChunkStep) -> ChunkResult:
        self.steps.append(step.label)
        extraction = ChunkExtraction(summaries=[step.chunk.text[:10]] * len(step.chunk.summarized))
        overview = OverviewDraft(overview="整篇。") if step.whole else None
        return ChunkResult(step.chunk, extraction, Usage(calls=1), overview)

    def overview(self, step: OverviewStep) -> tuple[OverviewDraft, Usage]:
        self.steps.append(step.label)
        return OverviewDraft(overview=step.head[:12]), Usage(calls=1)

    def close(self) -> None:
        return None


@pytest.fixture
def echo(monkeypatch: pytest.MonkeyPatch) -> Echo:
    backend = Echo()

    def factory(settings: Any, *, fingerprint: Any, cache: Any) -> Echo:
        assert cache is None  # not cacheable: no cache is opened for it
        return backend

    spec = BackendSpec("echo", factory, Capabilities(False, False, False, False), "echoes its input")
    monkeypatch.setattr(backends, "_REGISTRY", dict(backends._REGISTRY))
    backends.register(spec)
    return backend


def test_a_new_backend_is_one_registration(echo: Echo) -> None:
    with Summarizer(backend="echo", chunk_budget=200) as s:
        summary = s.summarize(TWO_CHUNKS)
    assert summary.backend == "echo" and summary.model is None
    assert echo.steps == [f"{TWO_CHUNKS} chunk 1/2", f"{TWO_CHUNKS} chunk 2/2", f"{TWO_CHUNKS} overview"]
    assert summary.usage.calls == 3 and summary.overview == "某县科技局2020年上半"
    with Summarizer(backend="echo") as s:
        assert s.summarize(MINI).overview == "整篇。"  # a one-chunk report: the overview came with the chunk


def test_auto_takes_the_first_backend_that_applies() -> None:
    order = [s.name for s in backends.specs() if s.auto_when is not None]
    assert order == ["replay", "llm", "offline"]
    assert backends.auto_rule() == "replay with --cassettes, else llm when an endpoint is configured, else offline"


def test_auto_is_not_a_name() -> None:
    with pytest.raises(ValueError):
        backends.register(BackendSpec("auto", "x:y", Capabilities(False, False, False, False), ""))


def test_building_a_model_backend_imports_no_client_until_a_request_needs_one(tmp_path: Path) -> None:
    with Summarizer(backend="llm", base_url="http://127.0.0.1:9/v1", cache_dir=tmp_path) as s:
        backend: Any = s.backend_for_run()
        assert backend._client is None
