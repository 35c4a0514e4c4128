"""--dry-run counts calls, tokens and cache hits without sending anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support import run_cli

from summarizer import Summarizer
from summarizer.testing import fake_openai as fs

MINI = Path(__file__).resolve().parent / "data" / "mini" / "mini_report.txt"
TWO_CHUNKS = MINI.with_name("two_chunk_report.txt")


def respond(body: dict[str, Any], n: int) -> fs.Behaviour:
    if any("摘要助手" in str(m.get("content")) for m in body["messages"] if m["role"] == "system"):
        return fs.answer({"title": None, "organization": None, "period": None, "overview": "概述。"})
    return fs.answer(fs.extraction(body, "本段摘要。"))


@pytest.mark.parametrize(
    ("report", "budget", "calls"),
    [
        (MINI, 1500, 1),  # one chunk: its call writes the overview too
        (TWO_CHUNKS, 200, 3),  # two chunks + the overview call
    ],
    ids=["one-chunk", "two-chunks"],
)
def test_dry_run_sends_nothing_then_sees_the_cache(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, report: Path, budget: int,
    calls: int,
) -> None:
    cache = tmp_path / "cache"
    with fs.FakeOpenAI(respond) as server:
        common = ["--backend", "llm", "--base-url", server.base_url, "--api-key", "sk-x", "--cache-dir", str(cache)]
        common += ["--chunk-size", str(budget)]
        code, out, _ = run_cli(monkeypatch, capsys, str(report), "--dry-run", *common)
        assert code == 0
        assert server.requests == []  # nothing sent
        assert f"{calls} call{'s' if calls > 1 else ''} (0 from cache)" in out and "prompt" in out and "$" in out

        settings = {"base_url": server.base_url, "api_key": "sk-x", "cache_dir": cache, "chunk_budget": budget}
        with Summarizer(backend="llm", **settings) as s:
            s.summarize(report)
        sent = len(server.requests)
        assert sent == calls  # the dry run counted what a run sends

        code, out, _ = run_cli(monkeypatch, capsys, str(report), "--dry-run", *common)
        assert code == 0
        assert f"({calls} from cache)" in out and "~0 prompt" in out
        assert len(server.requests) == sent  # still nothing new


def test_dry_run_offline_costs_nothing(monkeypatch, capsys) -> None:
    code, out, _ = run_cli(monkeypatch, capsys, str(MINI), "--dry-run", "--backend", "offline")
    assert code == 0 and "0 calls" in out


@pytest.mark.parametrize(
    ("model", "prefix_cached"),
    [
        ("gpt-5-mini", True),  # the worked example lifts the prefix over OpenAI's 1,024-token minimum
        ("gpt-4o-mini", False),  # ~509 tokens, under the minimum: billed in full
        ("deepseek-chat", True),  # no minimum
        ("my-local-model", False),  # no price: nothing to bill at a cached rate
    ],
)
def test_dry_run_bills_a_cacheable_prefix_at_the_cached_rate(tmp_path: Path, model: str, prefix_cached: bool) -> None:
    from summarizer.cost import BUILTIN_PRICES
    from summarizer.dryrun import dry_run
    from summarizer.load import load_path

    settings = {"base_url": "http://127.0.0.1:9/v1", "api_key": "sk-x", "cache_dir": tmp_path, "chunk_budget": 200}
    with Summarizer(backend="llm", model=model, **settings) as s:
        plan = dry_run(s, load_path(TWO_CHUNKS))
    assert plan.extractions == 2
    assert (plan.cached_prompt_tokens > 0) is prefix_cached
    assert ("a cached prefix" in plan.line()) is prefix_cached
    price = BUILTIN_PRICES.get(model)
    if price is None:
        assert plan.cost_usd is None
        return
    assert plan.cached_prompt_tokens < plan.prompt_tokens
    full = plan.prompt_tokens * price.prompt / 1e6 + plan.completion_tokens * price.completion / 1e6
    saved = plan.cached_prompt_tokens * (price.prompt - (price.cached_prompt or price.prompt)) / 1e6
    assert plan.cost_usd == pytest.approx(full - saved, abs=2e-6)
