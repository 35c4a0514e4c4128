"""The request plan: one answer to "what will be asked", shared by a run, --dry-run and batches.

A dry run counts exactly the requests a replayed run sends, for every corpus document; the plan's requests
carry the keys the run caches under; and answers fed back under those keys (as a provider batch API would)
leave a run nothing to send.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from summarizer import Summarizer, analyze, load_path, load_text
from summarizer.config import Settings
from summarizer.dryrun import dry_run
from summarizer.extract import ChunkResult
from summarizer.llm.client import LLMClient
from summarizer.plan import first_requests, plan_document, request_for
from tests.support import replayed_paths

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
CASSETTES = ROOT / "tests" / "cassettes" / "corpus"
STEMS = sorted(p.stem for p in DATA.glob("*.txt"))
MINI = DATA / "mini" / "mini_report.txt"
TWO_CHUNKS = DATA / "mini" / "two_chunk_report.txt"


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths of the HTTP requests the replay transport serves, in order."""
    return replayed_paths(monkeypatch)


@pytest.mark.parametrize("stem", STEMS)
def test_dry_run_counts_what_a_replay_run_sends(stem: str, tmp_path: Path, sent: list[str]) -> None:
    document = load_path(DATA / f"{stem}.txt")
    with Summarizer(backend="replay", cassettes=CASSETTES, cache_dir=tmp_path / "cache") as s:
        before = dry_run(s, document)
        assert sent == []  # a dry run sends nothing
        result = s.run(document)
        after = dry_run(s, document)
    assert len(sent) == before.calls == s.plan(document).calls
    assert result.summary.usage.calls == before.calls and before.cached == 0
    assert after.calls == before.calls and after.cached == after.calls  # everything it counted was cached


def test_one_chunk_report_is_one_step_that_writes_the_overview() -> None:
    plan = plan_document(analyze(load_path(MINI)))
    assert len(plan.chunks) == 1 and plan.whole and plan.calls == 1
    assert plan.overview([]) is None  # no overview call follows


def test_two_chunks_then_an_overview_from_their_answers() -> None:
    plan = plan_document(analyze(load_path(TWO_CHUNKS), Settings(chunk_budget=200)))
    assert [s.label for s in plan.sent] == [f"{TWO_CHUNKS} chunk 1/2", f"{TWO_CHUNKS} chunk 2/2"]
    assert not plan.whole and plan.calls == 3
    step = plan.overview([ChunkResult.skipped(s.chunk) for s in plan.chunks])
    assert step is not None and step.label == f"{TWO_CHUNKS} overview" and step.head.startswith("某县科技局")


def test_a_trivial_chunk_is_planned_but_not_sent() -> None:
    plan = plan_document(analyze(load_text("某县科技局2020年上半年工作总结\n")))
    assert [s.skip for s in plan.chunks] == [True] and plan.sent == () and plan.calls == 1  # the overview


def test_answers_fed_back_under_the_plan_keys_leave_a_run_nothing_to_send(tmp_path: Path, sent: list[str]) -> None:
    """What a provider batch API will do: send the first round (every chunk request of the corpus), store each
    answer under its key, then the overview round, then run: all from the cache."""
    paths = [DATA / f"{stem}.txt" for stem in STEMS[:2]]
    with Summarizer(backend="replay", cassettes=CASSETTES, cache_dir=tmp_path / "cache") as s:
        cache = s.cache
        assert cache is not None
        plans = [s.plan(p) for p in paths]
        with LLMClient(s.settings, cassettes=CASSETTES) as client:  # stands in for the provider's batch

            def answer(request: Any) -> Any:
                result = client.complete(
                    request.messages, request.response_model, context=request.grounding, label=request.label
                )
                request.store(cache, result.value, result.mode)
                return result.value

            answers = {request.key: answer(request) for request in first_requests(plans, s.fingerprint)}
            for plan in plans:
                results = [
                    ChunkResult.skipped(step.chunk)
                    if step.skip
                    else ChunkResult(step.chunk, answers[request_for(step, s.fingerprint).key])
                    for step in plan.chunks
                ]
                overview = plan.overview(results)
                assert overview is not None
                answer(request_for(overview, s.fingerprint))
        fed = len(sent)
        assert fed == sum(p.calls for p in plans)
        summaries = [s.summarize(p) for p in paths]
    assert len(sent) == fed  # the run sent nothing more
    assert [x.usage.calls for x in summaries] == [0, 0]
    assert [x.usage.cache_hits for x in summaries] == [p.calls for p in plans]


def test_a_stored_answer_is_the_json_object_of_its_mode_and_value(tmp_path: Path) -> None:
    """The cache entry's form (readable with sqlite3, and by older or newer versions of this code): a JSON object
    with the mode and the answer's JSON, and it reads back as the same answer."""
    from summarizer.cache import ResultCache
    from summarizer.models import Grounding, OverviewDraft
    from summarizer.plan import Request

    value = OverviewDraft(title="2020年上半年工作总结", organization="咸宁市科技局", overview="概述 \"引号\"")
    request = Request("doc overview", [{"role": "user", "content": "x"}], OverviewDraft, Grounding(""), "k" * 64)
    with ResultCache(tmp_path) as cache:
        request.store(cache, value, "tools")
        assert cache.get(request.key) == {"mode": "tools", "value": value.model_dump(mode="json")}
        assert request.cached(cache) == value
