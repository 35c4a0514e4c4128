"""Scripted cassette sets on a small report (tests/cassettes/{reask,stubborn,json_mode,tools_mode}), replayed
through the real openai + instructor + tenacity code with every socket blocked.

* reask: the model first fills in a redacted ``xx`` and alters a figure; validation rejects the answer,
  the re-ask (carrying that error) gets a faithful answer, which is the one kept. Recorded in ``auto``, so in
  ``json_schema`` mode: an enforced schema leaves the re-asks to grounding errors, and these are one.
* stubborn: the model never corrects itself; its answer is kept and verification flags the metrics as
  ``redacted_in_source`` / ``not_in_source``.
* json_mode: ``--mode json`` answers are plain message content, not tool calls.
* tools_mode: ``--mode tools`` answers are tool calls.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from netguard import no_network  # noqa: F401  (fixture)

from summarizer import Summarizer
from summarizer.cli import main

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "tests" / "cassettes"
MINI = ROOT / "tests" / "data" / "mini" / "mini_report.txt"
SETS = json.loads((CASSETTES / "answers" / "mini_report.sets.json").read_text(encoding="utf-8"))

pytestmark = pytest.mark.usefixtures("no_network")


def replay(name: str, tmp_path: Path, **extra: Any) -> Any:
    spec = SETS[name]
    with Summarizer(
        backend="replay",
        cassettes=CASSETTES / name,
        cache_dir=tmp_path / "cache",
        mode=spec["mode"],
        validation_retries=spec["validation_retries"],
        concurrency=1,
        **extra,
    ) as s:
        return s.summarize(MINI)


def by_name(summary: Any) -> dict[str, Any]:
    return {m.name: m for m in summary.metrics}


def cassette_bodies(name: str) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((CASSETTES / name).glob("*.json"))]


def test_reask_keeps_the_corrected_answer(tmp_path: Path) -> None:
    summary = replay("reask", tmp_path)
    metrics = by_name(summary)
    # the redacted figure shows its own marks from its quote (共推荐申报xx家企业)
    assert metrics["推荐申报高新技术企业数"].redacted and metrics["推荐申报高新技术企业数"].value == "xx"
    assert metrics["技术合同成交总额"].value == "30.13亿"
    assert all(m.check == "verified" for m in summary.metrics)
    assert summary.verification.failed == 0
    # 1 call (the report is one chunk, whose call also writes the overview), 2 requests: one re-ask; its
    # tokens are counted too.
    assert (summary.usage.calls, summary.usage.attempts) == (1, 2)
    reasks = [c for c in cassette_bodies("reask") if len(c["request"]["body"]["messages"]) == 4]
    assert len(reasks) == 1
    error = reasks[0]["request"]["body"]["messages"][-1]["content"]
    assert "15" in error and "30.95亿" in error  # the validator's complaint went back to the model


def test_stubborn_model_is_flagged_not_trusted(tmp_path: Path) -> None:
    summary = replay("stubborn", tmp_path)
    metrics = by_name(summary)
    assert metrics["推荐申报高新技术企业数"].value == "15"
    assert metrics["推荐申报高新技术企业数"].check == "redacted_in_source"
    assert metrics["技术合同成交总额"].check == "not_in_source"
    assert metrics["技术合同认定登记数"].check == "verified"
    assert summary.verification.failed >= 2
    assert summary.verification.grounded_share < 1.0
    flagged_fields = {f.field for f in summary.verification.failures}
    assert any(f.startswith("sections[") and f.endswith(".summary") for f in flagged_fields)


def test_stubborn_drop_unverified(tmp_path: Path) -> None:
    summary = replay("stubborn", tmp_path, drop_unverified=True)
    names = {m.name for m in summary.metrics}
    assert "推荐申报高新技术企业数" not in names and "技术合同成交总额" not in names
    assert "技术合同认定登记数" in names
    assert summary.verification.failed >= 2  # the dropped ones are still counted


def test_stubborn_strict_exits_1(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                 tmp_path: Path) -> None:
    spec = SETS["stubborn"]
    monkeypatch.setattr(sys, "argv", [
        "summarize", str(MINI), "--backend", "replay", "--cassettes", str(CASSETTES / "stubborn"),
        "--validation-retries", str(spec["validation_retries"]), "--cache-dir", str(tmp_path / "c"), "--strict",
    ])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "--strict" in err and "Traceback" not in err


def test_json_mode_answers_are_plain_content(tmp_path: Path) -> None:
    summary = replay("json_mode", tmp_path)
    assert all(m.check == "verified" for m in summary.metrics)
    assert len(summary.metrics) == 6
    for cassette in cassette_bodies("json_mode"):
        body = cassette["request"]["body"]
        assert "tools" not in body and body["response_format"] == {"type": "json_object"}
        message = cassette["response"]["body"]["choices"][0]["message"]
        assert "tool_calls" not in message and json.loads(message["content"])


def test_tools_mode_answers_are_tool_calls(tmp_path: Path) -> None:
    summary = replay("tools_mode", tmp_path)
    assert all(m.check == "verified" for m in summary.metrics) and len(summary.metrics) == 6
    assert summary.model_dump(exclude={"usage"}) == replay("json_mode", tmp_path / "j").model_dump(exclude={"usage"})
    for cassette in cassette_bodies("tools_mode"):
        body = cassette["request"]["body"]
        assert body["tool_choice"]["type"] == "function" and "response_format" not in body
        message = cassette["response"]["body"]["choices"][0]["message"]
        assert message["content"] is None and len(message["tool_calls"]) == 1


@pytest.mark.parametrize("name", ["reask", "stubborn"])
def test_auto_sets_ask_for_the_strict_schema(name: str) -> None:
    # Recorded in auto against an endpoint that takes json_schema: every request carries the strict schema.
    for cassette in cassette_bodies(name):
        body = cassette["request"]["body"]
        assert "tools" not in body
        response_format = body["response_format"]
        assert response_format["type"] == "json_schema" and response_format["json_schema"]["strict"] is True
        assert response_format["json_schema"]["schema"]["additionalProperties"] is False
        message = cassette["response"]["body"]["choices"][0]["message"]
        assert "tool_calls" not in message and json.loads(message["content"])


def test_no_secret_in_any_cassette() -> None:
    for path in CASSETTES.rglob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert "sk-" not in text and "authorization" not in text.lower(), path


def proposed_names(name: str) -> set[str]:
    """The metrics the scripted model marked ``key`` (a headline figure) in any of its answers."""
    answers = SETS[name]["chunks"]["0"]
    return {m["name"] for a in answers for item in a["items"] for m in item["metrics"] if m["key"]}


def test_proposals_that_fail_verification_are_not_highlights(tmp_path: Path) -> None:
    """The stubborn model proposes its two wrong figures as key figures too (15家 where the source says xx,
    30.95亿元 for 30.13亿元); verification fails them, so neither is a highlight, and the proposals that pass come
    first, then verified figures of the deterministic choice."""
    assert {"推荐申报高新技术企业数", "技术合同成交总额"} <= proposed_names("stubborn")
    summary = replay("stubborn", tmp_path)
    metrics, by_id = by_name(summary), {m.id: m for m in summary.metrics}
    assert metrics["推荐申报高新技术企业数"].id not in summary.highlights
    assert metrics["技术合同成交总额"].id not in summary.highlights
    passed = {metrics["技术合同认定登记数"].id, metrics["技术合同成交额增长率目标"].id}
    assert set(summary.highlights[:2]) == passed
    assert all(by_id[mid].check == "verified" for mid in summary.highlights)


def test_faithful_proposals_lead_the_highlights_and_the_renderers_show_them_first(tmp_path: Path) -> None:
    from bs4 import BeautifulSoup

    from summarizer.render.html import render_html
    from summarizer.render.markdown import render_markdown

    summary = replay("reask", tmp_path)
    metrics = by_name(summary)
    proposed = {metrics[n].id for n in proposed_names("reask")}
    assert len(proposed) == 3 and set(summary.highlights[:3]) == proposed
    names = [next(m.name for m in summary.metrics if m.id == mid) for mid in summary.highlights]
    # Markdown: the highlights right after the overview, in their order, before the sections and the folded table
    md = render_markdown(summary)
    key = md.index("## 要点")
    assert key < md.index("## 分节摘要") < md.index("<details>")
    bullets = [ln for ln in md[key:].split("\n## ")[0].splitlines() if ln.startswith("- **")]
    assert [b.split("**")[1] for b in bullets] == names
    # HTML: the highlights card lists them in the same order, every metric behind the fold
    text = MINI.read_text(encoding="utf-8")
    page = BeautifulSoup(render_html(summary, text, text), "html.parser")
    assert [a.get_text().strip().splitlines()[0] for a in page.select("#highlights a.ev-link")] == names
    assert page.select_one("details#metrics-fold") is not None
