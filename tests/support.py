"""Helpers shared by several test modules: the environment a test must not inherit, running the CLI
in-process, a synthetic summary, the chunk and answer the LLM-client tests share, and a real browser."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from summarizer.cli import main
from summarizer.config import Settings
from summarizer.llm.replay import ReplayTransport
from summarizer.models import Evidence, Metric, ReportSummary, SourceInfo
from summarizer.numbers import parse_number
from summarizer.testing.fake_openai import FakeOpenAI

# Settings a developer's shell may hold; no test may see them (conftest clears them for every test).
ENV_VARS = (
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
    "SUMMARIZER_MODEL",
    "SUMMARIZER_MODE",
    "SUMMARIZER_BACKEND",
    "SUMMARIZER_CACHE_DIR",
    "SUMMARIZER_CONCURRENCY",
    "SUMMARIZER_WORKED_EXAMPLE",
    # The fake endpoints are on 127.0.0.1; the LLM client honours a proxy the environment names (llm/transport.py),
    # so a developer's proxy would be asked for them.
    *(f"{scheme}_{case}" for scheme in ("http", "https", "all", "no") for case in ("proxy", "PROXY")),
)

# Every setting that can change an answer, and a value it can change to: the call cache key, the batch skip
# (test_fingerprint.py, which also checks this is all of fingerprint.ANSWER_FIELDS) and the document cache key
# (test_summaries.py) must each change with any of them.
ANSWER_FLIPS: dict[str, Any] = {
    "base_url": "http://127.0.0.1:10/v1",
    "model": "qwen-plus",
    "mode": "json",
    "temperature": 0.7,
    "max_tokens": 2048,
    "validation_retries": 0,
    "chunk_budget": 3000,
    "to_simplified": False,
    "worked_example": "on",  # the default model's auto resolves to off
}


def child_env(cache_dir: Path) -> dict[str, str]:
    """The environment for a `summarize` child process: none of ENV_VARS, the given cache folder."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    env["SUMMARIZER_CACHE_DIR"] = str(cache_dir)
    return env


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`summarize ARGS` in this process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["summarize", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------------------------------
# A synthetic summary: the cross-report steps (series, targets, the dashboard) read only these fields
# --------------------------------------------------------------------------------------------------


def report_summary(
    name: str, year: int, metrics: list[dict[str, Any]], organization: str | None = "某市人民政府"
) -> ReportSummary:
    """A verified offline summary of report NAME for YEAR, one Metric per dict (indicator, kind, year, value,
    unit, quote; optional name, approx, check), its number read from value + unit the way the pipeline reads it,
    its evidence the whole quote."""
    built = [_metric(n, m) for n, m in enumerate(metrics, 1)]
    return ReportSummary(
        source=SourceInfo(
            path=f"/in/{name}",
            name=name,
            sha256="0" * 64,
            format="txt",
            encoding="utf-8",
            raw_chars=1,
            clean_chars=1,
            script="simplified",
        ),
        organization=organization,
        period=f"{year}年",
        period_start=f"{year}-01",
        period_end=f"{year}-12",
        metrics=built,
        backend="offline",
        prompt_version="test",
    )


def _metric(n: int, m: dict[str, Any]) -> Metric:
    quote = m["quote"]
    return Metric(
        id=f"m{n}",
        name=m.get("name", m["indicator"]),
        value=m["value"],
        number=float(parse_number(m["value"] + m["unit"]).scaled),  # type: ignore[union-attr,arg-type]
        unit=m["unit"],
        kind=m["kind"],
        approx=m.get("approx"),
        period=f"{m['year']}年",
        period_start=f"{m['year']}-01",
        period_end=f"{m['year']}-12",
        indicator=m["indicator"],
        evidence=Evidence(quote=quote, start=0, end=len(quote), original_start=0, original_end=len(quote)),
        check=m.get("check", "verified"),
    )


# --------------------------------------------------------------------------------------------------
# One chunk and its answer for the LLM-client tests (faults, modes, re-asks, recording)
# --------------------------------------------------------------------------------------------------

DATA = Path(__file__).parent / "data"
XIANNING_LINES = (DATA / "xianning_city_2020h1.txt").read_text(encoding="utf-8").splitlines()
# A real paragraph: "一季度,全市实现高新技术产业增加值30.95亿元,同比下跌40.5%..."
HI_TECH_CHUNK = next(ln for ln in XIANNING_LINES if ln.startswith("2.高新技术产业稳步发展"))


def extract_messages(chunk: str) -> list[dict[str, str]]:
    """The two messages an extraction request sends about CHUNK."""
    return [
        {"role": "system", "content": "你是政府工作报告的信息抽取助手。"},
        {"role": "user", "content": f"请抽取以下原文:\n{chunk}"},
    ]


def fake_settings(server: FakeOpenAI, **overrides: Any) -> Settings:
    """Settings for a client of the fake server SERVER (its ``base_url``): a 5 s timeout and back-offs of
    hundredths of a second, so that retries are counted quickly; OVERRIDES win."""
    base: dict[str, Any] = {
        "model": "fake-model",
        "base_url": server.base_url,
        "timeout": 5.0,
        "backoff_initial": 0.01,
        "backoff_max": 0.05,
    }
    return Settings(**{**base, **overrides})


def replayed_paths(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The list the replay transport appends each request's path to as it serves it (hit or miss): how many
    requests a run made, counted where no client code can miscount them."""
    served: list[str] = []
    real = ReplayTransport.handle_request

    def counting(self: ReplayTransport, request: httpx2.Request) -> httpx2.Response:
        served.append(request.url.path)
        return real(self, request)

    monkeypatch.setattr(ReplayTransport, "handle_request", counting)
    return served


def hi_tech_answer(summary: str, text: str, value: str = "30.95亿", key: bool | None = None) -> dict[str, Any]:
    """A ChunkExtraction answer about the high-tech value added: one item quoting "全市实现高新技术产业增加值
    {value}元", one metric with that quote. Only value "30.95亿" is grounded in HI_TECH_CHUNK; the tests that
    need an ungrounded answer pass another value. ``key`` is the metric's optional key-figure flag."""
    quote = f"全市实现高新技术产业增加值{value}元"
    metric: dict[str, Any] = {
        "name": "高新技术产业增加值",
        "value": value,
        "unit": "元",
        "kind": "result",
        "quote": quote,
    }
    if key is not None:
        metric["key"] = key
    return {
        "summaries": [summary],
        "items": [{"text": text, "kind": "achievement", "quote": quote, "metrics": [metric]}],
    }


# --------------------------------------------------------------------------------------------------
# A real browser: Debian's chromium and chromedriver, never a downloaded one
# --------------------------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# .ci/run sets SUMMARIZER_REQUIRE_BROWSER=1: there a missing browser fails the test instead of skipping it.
needs_browser = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()) and os.environ.get("SUMMARIZER_REQUIRE_BROWSER") != "1",
    reason="needs Debian chromium + chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
)


@contextlib.contextmanager
def chrome(profile: Path, window: str = "1440,960") -> Iterator[Any]:
    """A headless Chromium under selenium with the flags this machine's closed network needs, quit however
    the block ends (a browser left running would outlive the test run)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # belt and braces: selenium-manager must never download a browser
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={window}",
        f"--user-data-dir={profile}",
    ):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    try:
        yield driver
    finally:
        driver.quit()
