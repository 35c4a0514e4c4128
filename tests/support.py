"""Helpers shared by several test modules: the environment a test must not inherit, and running the CLI
in-process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from summarizer.cli import main

# Settings a developer's shell may hold; no test may see them (conftest clears them for every test).
ENV_VARS = (
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
    "SUMMARIZER_MODEL",
    "SUMMARIZER_MODE",
    "SUMMARIZER_BACKEND",
    "SUMMARIZER_CACHE_DIR",
    "SUMMARIZER_CONCURRENCY",
)


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
