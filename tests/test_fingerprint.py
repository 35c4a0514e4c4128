"""One answer fingerprint for the result cache and the batch skip: a setting that changes answers changes
both keys, one that does not changes neither, and a batch rerun against another endpoint redoes its documents.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from summarizer import Summarizer, analyze, load_path
from summarizer.batch import Batch
from summarizer.config import Settings
from summarizer.fingerprint import ANSWER_FIELDS
from summarizer.plan import plan_document, request_for
from summarizer.testing import fake_openai as fs
from tests.support import ANSWER_FLIPS as FLIPS

DATA = Path(__file__).resolve().parent / "data"
TWO_CHUNKS = DATA / "mini" / "two_chunk_report.txt"
SHA = "ab" * 32
BASE: dict[str, Any] = {"backend": "llm", "base_url": "http://127.0.0.1:9/v1", "api_key": "sk-x"}

# Settings that change how an answer is fetched, kept, priced or shown, never what it says.
NEUTRAL: dict[str, Any] = {
    "api_key": "sk-other",
    "timeout": 5.0,
    "transport_retries": 0,
    "backoff_initial": 0.5,
    "backoff_max": 2.0,
    "cache_dir": Path("elsewhere"),
    "use_cache": False,
    "refresh": True,
    "document_cache": False,
    "concurrency": 16,
    "prices": {"m": (1.0, 2.0)},
    # Caps on an input refuse it or not; they never change what is said about one they let through.
    "max_input_mb": 5.0,
    "max_pages": 10,
    "max_unpacked_mb": 5.0,
    "max_text_mb": 5.0,
}
OTHER = {"backend", "cassettes", "record_dir", "drop_unverified"}  # tested on their own below


def keys(tmp_path: Path, **settings: Any) -> tuple[str, str]:
    """(the cache key of one fixed request, a batch's done key for one fixed source) under these settings."""
    analysis = analyze(load_path(TWO_CHUNKS), Settings(chunk_budget=200))
    step = plan_document(analysis).sent[0]
    with Summarizer(Settings(**{**BASE, **settings})) as s:
        request = request_for(step, s.fingerprint)
        batch = Batch(s, [], tmp_path / "out")
        return request.key, batch.done_key(SHA)


def test_every_setting_is_classified() -> None:
    assert set(FLIPS) == set(ANSWER_FIELDS)
    assert set(Settings.model_fields) == set(FLIPS) | set(NEUTRAL) | OTHER


@pytest.mark.parametrize("field", sorted(FLIPS))
def test_a_setting_that_changes_answers_changes_both_keys(field: str, tmp_path: Path) -> None:
    cache_key, done_key = keys(tmp_path)
    flipped = keys(tmp_path, **{field: FLIPS[field]})
    assert flipped[0] != cache_key
    assert flipped[1] != done_key


@pytest.mark.parametrize("field", sorted(NEUTRAL))
def test_a_setting_that_does_not_change_answers_changes_neither(field: str, tmp_path: Path) -> None:
    assert keys(tmp_path, **{field: NEUTRAL[field]}) == keys(tmp_path)


@pytest.mark.parametrize("what", ["prompt version", "schema"])
def test_prompt_version_and_schema_change_both_keys(what: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = keys(tmp_path)
    if what == "prompt version":
        monkeypatch.setattr("summarizer.prompts.PROMPT_VERSION", "v999")
    else:
        monkeypatch.setattr("summarizer.fingerprint.prompt_schemas_hash", lambda **_: "another-schema")
    after = keys(tmp_path)
    assert after[0] != before[0] and after[1] != before[1]


def test_output_options_change_only_the_done_key(tmp_path: Path) -> None:
    cache_key, done_key = keys(tmp_path)
    dropped = keys(tmp_path, drop_unverified=True)
    assert dropped[0] == cache_key and dropped[1] != done_key


def test_offline_answers_depend_on_the_text_only(tmp_path: Path) -> None:
    with Summarizer(backend="offline") as a, Summarizer(backend="offline", model="other", temperature=1.0) as b:
        assert a.fingerprint == b.fingerprint
    with Summarizer(backend="offline") as a, Summarizer(backend="offline", chunk_budget=3000) as b:
        assert a.fingerprint != b.fingerprint


def respond(body: dict[str, Any], n: int) -> fs.Behaviour:
    return fs.pipeline_answer(body)


def test_a_batch_rerun_against_another_endpoint_redoes_its_documents(tmp_path: Path) -> None:
    """The reproduction from the issue: the second run, against another endpoint, used to send 0 requests."""
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    paths = []
    for i in range(2):
        p = folder / f"doc{i}.txt"
        # Every chunk differs between the two (县 is in both): a chunk they shared would be answered once or
        # twice depending on which document's request reached the call cache first.
        p.write_text(TWO_CHUNKS.read_text(encoding="utf-8").replace("县", f"第{i}县"), encoding="utf-8")
        paths.append(p)

    def run(server: fs.FakeOpenAI) -> list[str]:
        options = {"backend": "llm", "base_url": server.base_url, "cache_dir": tmp_path / "cache", "chunk_budget": 200}
        with Summarizer(**options) as s:
            return [st.status for st in Batch(s, paths, out).run()]

    with fs.FakeOpenAI(respond) as first, fs.FakeOpenAI(respond) as second:
        assert run(first) == ["ok", "ok"] and len(first.requests) == 6
        assert run(second) == ["ok", "ok"] and len(second.requests) == 6  # another endpoint: asked again
        assert run(second) == ["skipped", "skipped"] and len(second.requests) == 6  # same endpoint: skipped
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert {d["status"] for d in index["documents"]} == {"skipped"}
