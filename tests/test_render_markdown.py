"""Markdown rendering of a ReportSummary.

The fixture ``tests/data/sample_summary.json`` is a hand-written summary of ``xianning_city_2020h1.txt``;
expected strings below are written from that fixture and the report text, not from renderer output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.models import ReportSummary
from summarizer.render.markdown import render_markdown

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def sample() -> ReportSummary:
    return ReportSummary.model_validate_json((DATA / "sample_summary.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def md(sample: ReportSummary) -> str:
    return render_markdown(sample)


def _table_rows(md: str) -> dict[str, list[str]]:
    """Metric table rows keyed by id, split on unescaped pipes."""
    rows: dict[str, list[str]] = {}
    for line in md.splitlines():
        if line.startswith("| m"):
            cells = [c.strip().replace("\\|", "|") for c in _split_row(line)]
            rows[cells[0]] = cells
    return rows


def _split_row(line: str) -> list[str]:
    cells, cur, i = [], "", 1  # skip the leading '|'
    body = line.rstrip()[:-1] if line.rstrip().endswith("|") else line
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            cur += ch + body[i + 1]
            i += 2
            continue
        if ch == "|":
            cells.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    cells.append(cur)
    return cells


def test_header_and_verification_line(md: str) -> None:
    lines = md.splitlines()
    assert lines[0] == "# 2020年上半年工作总结及下半年重点工作安排"
    assert "**单位**:咸宁市科技局" in md
    assert "**时期**:2020年上半年" in md
    # 12 numbers checked, 4 failures -> 8/12 = 66.7% -> shown rounded.
    assert "可溯源 67%" in md
    assert "核对数字 12 个" in md and "未通过 4 个" in md
    assert "## 概述" in md and "同比下跌40.5%" in md


def test_sections_have_path_and_chinese_role(md: str) -> None:
    assert "### 一、参与和服务疫情防控情况 〔工作成效〕" in md
    assert "### 二、2020年上半年重点工作落实情况及下半年重点工作安排 › (二)存在的问题 〔存在问题〕" in md
    assert "(三)下半年重点工作安排 〔工作计划〕" in md
    assert "- [问题] 国家级研发平台尚未取得突破" in md


def test_items_list_their_metrics_with_badges(md: str) -> None:
    # i5 carries m5 and m6: 649项 and 30.13亿元, both verified.
    block = md.split("- [成绩] 完成技术合同认定登记649项,成交总额30.13亿元\n", 1)[1].split("\n- ", 1)[0]
    assert "技术合同认定登记:649项(实绩)  ✅ verified" in block
    assert "技术合同成交总额:30.13亿元(实绩)  ✅ verified" in block
    # The flagged item (its 14.45% is not in the source) gets a warning marker.
    assert "- ⚠️ [成绩] 一季度高新技术产业增加值30.95亿元,占GDP比重14.45%" in md
    # 以上 trails the figure.
    assert "全年争取省级以上无偿科技经费:1500万元以上(目标)" in md


def test_metrics_table_badges(md: str) -> None:
    rows = _table_rows(md)
    assert len(rows) == 11
    assert rows["m1"] == ["m1", "省部级重点申报项目(谋划)", "38项", "", "实绩", "✅ verified"]
    assert rows["m4"][5] == "⚠️ 原文无此数"
    assert rows["m7"][2] == "xx家" and rows["m7"][5] == "⚠️ 原文为涂改(xx)"
    assert rows["m8"][5] == "⚠️ 单位不符"
    assert rows["m11"][2:5] == ["1500万元", "以上", "目标"]


def test_failures_and_footer(md: str) -> None:
    assert "## 核验未通过" in md
    assert "- ⚠️ `metrics[3]` 「14.45」:原文无此数" in md
    assert "`sections[1].items[1].text` 「14.45%」" in md
    assert "backend: openai" in md and "model: qwen2.5-7b-instruct" in md and "prompt: extract-v1" in md
    assert "tokens: 18342 + 2511" in md and "cost: $0.0123" in md
    assert md.endswith("\n")


def test_deterministic(sample: ReportSummary) -> None:
    assert render_markdown(sample) == render_markdown(sample.model_copy(deep=True))


def test_pipes_and_newlines_in_cells_are_escaped(sample: ReportSummary) -> None:
    s = sample.model_copy(deep=True)
    s.metrics[0].name = "申报|立项\n项目"
    md = render_markdown(s)
    row = next(line for line in md.splitlines() if line.startswith("| m1 "))
    assert "申报\\|立项 项目" in row
    # Still six cells: the escaped pipe did not split the row.
    assert len(_split_row(row)) == 6


def test_redaction_mark_comes_from_quote_and_approx_prefix(sample: ReportSummary) -> None:
    s = sample.model_copy(deep=True)
    s.metrics[6].evidence.quote = "成功备案***家省级星创天地"
    s.metrics[0].approx = "近"
    md = render_markdown(s)
    rows = _table_rows(md)
    assert rows["m7"][2] == "***家"
    assert rows["m7"][5] == "⚠️ 原文为涂改(***)"
    assert "省部级重点申报项目(谋划):近38项" in md


def test_dangling_metric_id_and_minimal_summary(sample: ReportSummary) -> None:
    s = sample.model_copy(deep=True)
    s.sections[0].items[0].metrics = ["nope"]
    assert "(缺失指标 nope)" in render_markdown(s)

    bare = ReportSummary(source=sample.source, backend="offline", prompt_version="v1")
    md = render_markdown(bare)
    assert md.startswith("# xianning_city_2020h1.txt\n")
    assert "## 指标" not in md and "## 核验未通过" not in md
    assert "可溯源 100%" in md


def test_highlights_come_first_and_every_metric_is_behind_a_fold(sample: ReportSummary) -> None:
    s = sample.model_copy(deep=True)
    s.highlights = ["m6", "m3", "nope"]  # a dangling id is left out
    md = render_markdown(s)
    block = md.split("## 要点", 1)[1].split("##", 1)[0]
    assert [line for line in block.splitlines() if line.startswith("- ")] == [
        "- **技术合同成交总额** 30.13亿元(实绩 · 2020年上半年)  ✅",
        "- **一季度高新技术产业增加值** 30.95亿元(实绩 · 2020年上半年)  ✅",
    ]
    assert md.index("## 概述") < md.index("## 要点") < md.index("## 分节摘要") < md.index("## 指标")
    fold = md.split("## 指标", 1)[1]
    assert fold.lstrip().startswith("<details>\n<summary>全部指标(11 项)</summary>\n\n| # |")
    assert "\n\n</details>\n" in fold
    # no highlights, no section for them
    assert "## 要点" not in render_markdown(sample)


def test_redacted_value_with_its_own_marks_and_scale(sample: ReportSummary) -> None:
    s = sample.model_copy(deep=True)
    m = s.metrics[6]
    m.value, m.unit = "xx万", "元"  # the contract: marks and scale in the value, unit apart
    assert _table_rows(render_markdown(s))["m7"][2] == "xx万元"
