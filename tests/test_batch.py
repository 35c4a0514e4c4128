"""Batch bookkeeping: the index survives a kill through its journal; outputs mirror the input tree."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from summarizer import Summarizer
from summarizer.batch import JOURNAL, Batch, DocStatus, exit_code, output_stem

DATA = Path(__file__).resolve().parent / "data"


def test_killed_run_resumes_from_the_journal(tmp_path: Path) -> None:
    corpus, out = tmp_path / "in", tmp_path / "out"
    corpus.mkdir()
    names = ["xianning_city_2020h1.txt", "xuancheng_county_2020h1.txt", "county_trad_pinyin_2020h1.txt"]
    for n in names:
        shutil.copy(DATA / n, corpus / n)
    files = sorted(corpus.iterdir())
    with Summarizer(backend="offline") as s:
        Batch(s, files, out, root=corpus).run()
        index = json.loads((out / "index.json").read_text(encoding="utf-8"))
        entries = {d["source"]: d for d in index["documents"]}
        # Simulate a kill: the index knows one document, the journal the others (its last line torn).
        first, *rest = [entries[str(f)] for f in files]
        (out / "index.json").write_text(json.dumps({"documents": [first]}), encoding="utf-8")
        lines = [json.dumps(e, ensure_ascii=False) for e in rest]
        (out / JOURNAL).write_text("\n".join(lines) + '\n{"source": "torn', encoding="utf-8")
        before = {f: (out / f"{f.stem}.json").stat().st_mtime_ns for f in files}

        statuses = Batch(s, files, out, root=corpus).run()
    assert [st.status for st in statuses] == ["skipped"] * 3
    assert {f: (out / f"{f.stem}.json").stat().st_mtime_ns for f in files} == before  # nothing redone
    assert not (out / JOURNAL).exists()
    final = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert len(final["documents"]) == 3


def test_output_stem_mirrors_the_input_tree(tmp_path: Path) -> None:
    assert output_stem(tmp_path / "a" / "b.txt", tmp_path) == "a/b"
    assert output_stem(Path("/elsewhere/c.docx"), tmp_path) == "c"


def test_exit_code_of_a_finished_batch() -> None:
    """The exit codes both batch paths return (README, the CLI section): a failed document wins (2); --strict
    turns a document with an ungrounded figure into 1; a skipped document or one without a share counts as
    grounded."""
    grounded = DocStatus("a.txt", "ok", grounded_share=1.0)
    partly = DocStatus("b.txt", "ok", grounded_share=0.9)
    skipped = DocStatus("c.txt", "skipped")
    failed = DocStatus("d.txt", "failed", reason="boom")
    assert exit_code([], strict=True) == 0
    assert exit_code([grounded, skipped], strict=True) == 0
    assert exit_code([grounded, partly], strict=False) == 0
    assert exit_code([grounded, partly], strict=True) == 1
    assert exit_code([partly, failed], strict=True) == 2
    assert exit_code(iter([grounded, failed]), strict=False) == 2  # any iterable, read once
