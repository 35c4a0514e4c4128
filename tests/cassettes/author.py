"""Author, check and record the corpus cassettes.

Nobody here can reach a real provider, so the answers in ``answers/<doc>.json`` are written by us, one per
chunk, for the exact prompts the pipeline sends. This script turns them into real cassettes by running the
real pipeline in record mode (``RecordTransport``) against the local fake OpenAI-compatible server, which
answers each request with the authored answer for that chunk, in the real wire format of the mode the request
was sent in (the default ``--mode auto`` sends ``json_schema`` first: plain message content; tool-call form in
``tools`` mode). With a real endpoint, ``summarize FILE --backend llm --record DIR`` records real answers
instead.

    python tests/cassettes/author.py dump DOC          # the chunks a document is split into (to write answers)
    python tests/cassettes/author.py check [DOC ...]   # validate answers against their chunks; show the overview prompt
    python tests/cassettes/author.py record [DOC ...]  # rewrite tests/cassettes/corpus from the answers
    python tests/cassettes/author.py special           # rewrite the reask / stubborn / json_mode / tools_mode sets

DOC is a stem of ``tests/data/*.txt``. ``answers/<doc>.json`` is
``{"chunks": {"<chunk index>": <ChunkExtraction>}, "overview": <OverviewDraft>}`` (one summary per part the
chunk touches, as ``dump`` lists them; every metric with its ``key``, the model's proposal for the highlights,
written out as the strict schema requires); chunks the pipeline does
not send (see ``plan.is_trivial``) need no answer.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from summarizer.analysis import analyze
from summarizer.api import Summarizer
from summarizer.extract import ChunkResult
from summarizer.load import load_path
from summarizer.models import ChunkExtraction, Grounding, OverviewDraft, strict_json_schema
from summarizer.plan import extraction_grounding, is_trivial, plan_document
from summarizer.prompts import overview_messages
from summarizer.testing import fake_openai as fs

HERE = Path(__file__).resolve().parent
DATA = Path("tests/data")
ANSWERS = HERE / "answers"
CORPUS_CASSETTES = HERE / "corpus"
OVERVIEW_MARK = "摘要助手"  # a phrase only the overview system prompt has


def answers_for(stem: str) -> dict[str, Any]:
    path = ANSWERS / f"{stem}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"chunks": {}}


def sent_chunks(stem: str) -> tuple[Any, list[Any]]:
    analysis = analyze(load_path(DATA / f"{stem}.txt"))
    return analysis, [c for c in analysis.chunks if not is_trivial(c, analysis.mentions)]


def dump(stem: str) -> None:
    _, chunks = sent_chunks(stem)
    for c in chunks:
        parts = " | ".join(f"{' › '.join(p.path) or '(preamble)'} <{p.role}>" for p in c.parts)
        print(f"===== chunk {c.index}  parts: {parts}")
        print(c.text)
        print()


def check(stem: str) -> bool:
    analysis, chunks = sent_chunks(stem)
    answers = answers_for(stem)
    ok = True
    results = []
    for c in chunks:
        raw = answers["chunks"].get(str(c.index))
        if raw is None:
            print(f"{stem} chunk {c.index}: MISSING answer")
            ok = False
            continue
        try:
            value = ChunkExtraction.model_validate(raw, context=extraction_grounding(c))
        except ValidationError as exc:
            print(f"{stem} chunk {c.index}: INVALID\n{exc}")
            ok = False
            continue
        # An endpoint enforcing the strict schema (json_schema mode, the default) could not have written it.
        strict = fs.schema_errors(raw, strict_json_schema(ChunkExtraction))
        if strict:
            print(f"{stem} chunk {c.index}: NOT VALID FOR THE STRICT SCHEMA: {strict[:5]}")
            ok = False
            continue
        results.append(ChunkResult(c, value))
    extra = set(answers["chunks"]) - {str(c.index) for c in chunks}
    if extra:
        print(f"{stem}: answers for chunks that are not sent: {sorted(extra)}")
        ok = False
    if ok:
        skipped = [ChunkResult.skipped(c) for c in analysis.chunks if c not in chunks]
        step = plan_document(analysis).overview(sorted([*results, *skipped], key=lambda r: r.chunk.index))
        assert step is not None, f"{stem} is one chunk: its overview comes with the chunk's answer"
        print(f"----- {stem}: overview prompt (user message):")
        print(overview_messages(step.head, step.points)[1]["content"])
        if "overview" not in answers:
            print(f"{stem}: MISSING overview")
            ok = False
        else:
            OverviewDraft.model_validate(answers["overview"], context=Grounding(step.material()))
            strict = fs.schema_errors(answers["overview"], strict_json_schema(OverviewDraft))
            if strict:
                print(f"{stem}: overview NOT VALID FOR THE STRICT SCHEMA: {strict[:5]}")
                ok = False
    # What verification says of the authored answers (an honest answer has nothing to flag).
    if ok:
        summary = replay_summary(stem, record_to=None)
        v = summary.verification
        print(f"{stem}: {len(summary.metrics)} metrics; grounded {v.verified}/{v.numbers_checked}")
        for f in v.failures:
            print(f"   FLAGGED {f.field}: {f.text} — {f.check}: {f.reason}")
    print(f"{stem}: {'OK' if ok else 'NOT OK'}")
    return ok


def responder_for(stem: str) -> Any:
    _, chunks = sent_chunks(stem)
    answers = answers_for(stem)
    by_text = {c.text: answers["chunks"][str(c.index)] for c in chunks}

    def respond(body: dict[str, Any], n: int) -> fs.Behaviour:
        messages = body["messages"]
        if any(OVERVIEW_MARK in str(m.get("content")) for m in messages if m["role"] == "system"):
            return fs.answer(answers["overview"])
        user = str(messages[-1]["content"])
        for text, answer in by_text.items():
            if user.endswith(text):
                # A one-chunk report's call also writes the overview: the authored overview goes with it.
                return fs.answer({**answer, **answers["overview"]} if fs.asks_whole_report(body) else answer)
        return fs.status(400, message=f"author.py: no authored answer for this request of {stem}")

    return respond


def recording_summarizer(base_url: str, cache: str, record_to: Path | None, **extra: Any) -> Summarizer:
    """The real pipeline, LLM backend, pointed at the local fake endpoint (a dummy key, no cache)."""
    return Summarizer(
        backend="llm",
        base_url=base_url,
        api_key="sk-authoring-not-a-real-key",
        cache_dir=Path(cache),
        use_cache=False,
        record_dir=record_to,
        concurrency=1,
        **extra,
    )


def replay_summary(stem: str, record_to: Path | None) -> Any:
    with (
        fs.FakeOpenAI(responder_for(stem)) as server,
        tempfile.TemporaryDirectory() as cache,
        recording_summarizer(server.base_url, cache, record_to) as summarizer,
    ):
        return summarizer.summarize(DATA / f"{stem}.txt")


def record(stems: list[str]) -> None:
    tmp = Path(tempfile.mkdtemp())
    try:
        for stem in stems:
            replay_summary(stem, record_to=tmp)
            print(f"recorded {stem}")
        if set(stems) == set(all_stems()):
            shutil.rmtree(CORPUS_CASSETTES, ignore_errors=True)
        CORPUS_CASSETTES.mkdir(parents=True, exist_ok=True)
        for f in tmp.glob("*.json"):
            shutil.copy(f, CORPUS_CASSETTES / f.name)
        print(f"{len(list(tmp.glob('*.json')))} cassettes written to {CORPUS_CASSETTES}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


MINI = DATA / "mini" / "mini_report.txt"
SETS = ANSWERS / "mini_report.sets.json"


def special_settings(name: str) -> dict[str, Any]:
    """The settings a special set was recorded with; the replay tests must use the same ones."""
    spec = json.loads(SETS.read_text(encoding="utf-8"))[name]
    return {"mode": spec["mode"], "validation_retries": spec["validation_retries"]}


def record_special() -> None:
    """Scripted sets on a small report: answers are served in order per chunk (the last one repeats).

    * reask: the first answer fills in a redacted ``xx`` and alters a figure; validation rejects it, the
      re-ask gets the faithful answer, which is kept.
    * stubborn: the model gives the same wrong answer every time; it is kept and verification flags it.
    * json_mode: the same faithful answers in ``json`` mode (plain message content, no tool calls).
    * tools_mode: the same faithful answers in ``tools`` mode (tool calls), the form the corpus had before
      ``auto`` started with ``json_schema``.
    """
    analysis = analyze(load_path(MINI))
    sets = json.loads(SETS.read_text(encoding="utf-8"))
    for name, spec in sets.items():
        served: dict[str, int] = {}
        by_text = {c.text: spec["chunks"][str(c.index)] for c in analysis.chunks if str(c.index) in spec["chunks"]}

        def respond(
            body: dict[str, Any], n: int, by_text: Any = by_text, spec: Any = spec, served: Any = served
        ) -> fs.Behaviour:
            messages = body["messages"]
            if any(OVERVIEW_MARK in str(m.get("content")) for m in messages if m["role"] == "system"):
                return fs.answer(spec["overview"])
            first_user = next(str(m["content"]) for m in messages if m["role"] == "user")
            for text, answers in by_text.items():
                if first_user.endswith(text):
                    k = served.get(text, 0)
                    served[text] = k + 1
                    answer = answers[min(k, len(answers) - 1)]
                    return fs.answer({**answer, **spec["overview"]} if fs.asks_whole_report(body) else answer)
            return fs.status(400, message="author.py: no scripted answer")

        target = HERE / name
        shutil.rmtree(target, ignore_errors=True)
        with (
            fs.FakeOpenAI(respond) as server,
            tempfile.TemporaryDirectory() as cache,
            recording_summarizer(server.base_url, cache, target, **special_settings(name)) as summarizer,
        ):
            summarizer.summarize(MINI)
        print(f"{name}: {len(list(target.glob('*.json')))} cassettes")


def all_stems() -> list[str]:
    return sorted(p.stem for p in DATA.glob("*.txt"))


def main(argv: list[str]) -> int:
    # Relative paths: the label stored beside each cassette then names the document, not this machine.
    os.chdir(HERE.parent.parent)
    if not argv or argv[0] not in ("dump", "check", "record", "special"):
        print(__doc__)
        return 2
    if argv[0] == "special":
        record_special()
        return 0
    stems = argv[1:] or all_stems()
    if argv[0] == "dump":
        for s in stems:
            dump(s)
        return 0
    if argv[0] == "check":
        return 0 if all([check(s) for s in stems]) else 1
    record(stems)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
