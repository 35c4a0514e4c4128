"""Golden regression tests: whole documents through the whole pipeline, compared with reviewed outputs.

* ``golden/<doc>.json``          replay backend (recorded responses in tests/cassettes/corpus)
* ``golden/<doc>.offline.json``  offline backend

Regenerate after an intended change, then read the diff::

    SUMMARIZER_REGEN_GOLDEN=1 pytest tests/test_golden.py

A prompt or schema change alters the requests, so replay fails with the re-record message (a cassette
miss) instead of passing silently; see tests/cassettes/README.md to re-record.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from summarizer import Summarizer
from summarizer.errors import ReplayMissError
from summarizer.render.json_ import render_json

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
GOLDEN = ROOT / "golden"
CASSETTES = ROOT / "tests" / "cassettes" / "corpus"
ANSWERS = ROOT / "tests" / "cassettes" / "answers"
STEMS = sorted(p.stem for p in DATA.glob("*.txt"))
REGEN = os.environ.get("SUMMARIZER_REGEN_GOLDEN") == "1"


def _summary_json(backend: str, stem: str, tmp_path: Path) -> str:
    options: dict[str, Any] = {"backend": backend, "cache_dir": tmp_path / "cache", "concurrency": 2}
    if backend == "replay":
        options["cassettes"] = CASSETTES
    with Summarizer(**options) as s:
        summary = s.summarize(DATA / f"{stem}.txt")
    data = json.loads(render_json(summary))
    # The golden file must not depend on where the repository is checked out.
    data["source"]["path"] = data["source"]["name"] = f"tests/data/{stem}.txt"
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _compare(path: Path, actual: str) -> None:
    if REGEN:
        path.write_text(actual, encoding="utf-8")
        return
    assert path.is_file(), f"{path.name} missing: run SUMMARIZER_REGEN_GOLDEN=1 pytest tests/test_golden.py"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "golden", "actual", n=1)
        )
        pytest.fail(f"{path.name} differs (regenerate, see module docstring, and review):\n{diff[:4000]}")


@pytest.mark.parametrize("stem", STEMS)
def test_offline_golden(stem: str, tmp_path: Path) -> None:
    _compare(GOLDEN / f"{stem}.offline.json", _summary_json("offline", stem, tmp_path))


@pytest.mark.parametrize("stem", STEMS)
def test_replay_golden(stem: str, tmp_path: Path) -> None:
    if not (ANSWERS / f"{stem}.json").is_file():
        pytest.fail(f"no authored answers for {stem} (tests/cassettes/answers/{stem}.json)")
    try:
        actual = _summary_json("replay", stem, tmp_path)
    except ReplayMissError as exc:
        pytest.fail(f"{exc}\nIf the prompts or the schema changed on purpose: python tests/cassettes/author.py record")
    _compare(GOLDEN / f"{stem}.json", actual)
