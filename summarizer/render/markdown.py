"""render (markdown): ``ReportSummary`` -> a Markdown report for analysts.

The labels below are shared with ``render.html`` so both views speak the same words. Output is a pure
function of the summary (no timestamps, no dict-order surprises) so reports can be diffed and golden-tested.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from summarizer.models import (
    HEADING_SEP,
    REDACTION_RE,
    Check,
    Evidence,
    ItemKind,
    Metric,
    MetricKind,
    ReportSummary,
    Role,
)

ROLE_LABELS: dict[Role, str] = {
    "work_done": "工作成效",
    "problems": "存在问题",
    "plans": "工作计划",
    "other": "其他",
}

ITEM_KIND_LABELS: dict[ItemKind, str] = {
    "achievement": "成绩",
    "measure": "举措",
    "honor": "荣誉",
    "problem": "问题",
    "plan": "计划",
}

METRIC_KIND_LABELS: dict[MetricKind, str] = {
    "result": "实绩",
    "target": "目标",
    "baseline": "基数",
}

# Short, readable badge text per check; the icon carries the meaning even in a plain-text viewer.
CHECK_ICONS: dict[Check, str] = {
    "verified": "✅",
    "not_in_source": "⚠️",
    "redacted_in_source": "⚠️",
    "unit_mismatch": "⚠️",
    "misattributed": "⚠️",
    "ambiguous": "❔",
    "wrong_period": "⚠️",
    "unchecked": "❔",
}
CHECK_TEXT: dict[Check, str] = {
    "verified": "verified",
    "not_in_source": "原文无此数",
    "redacted_in_source": "原文为涂改",
    "unit_mismatch": "单位不符",
    "misattributed": "属于另一指标",
    "ambiguous": "归属不明",
    "wrong_period": "时期不符",
    "unchecked": "未核对",
}
PROBLEM_CHECKS: frozenset[Check] = frozenset(
    {"not_in_source", "redacted_in_source", "unit_mismatch", "misattributed", "ambiguous", "wrong_period"}
)


def is_problem(check: Check) -> bool:
    return check in PROBLEM_CHECKS


def redaction_mark(metric: Metric) -> str:
    """The redaction as the source writes it (xx, ***), so the analyst sees what the report hid."""
    found = REDACTION_RE.search(metric.evidence.quote)
    return found.group(0) if found else "xx"


def check_label(metric: Metric) -> str:
    """Badge text without icon, e.g. '原文为涂改(xx)'."""
    text = CHECK_TEXT[metric.check]
    if metric.check == "redacted_in_source":
        text = f"{text}({redaction_mark(metric)})"
    return text


def check_badge(metric: Metric) -> str:
    return f"{CHECK_ICONS[metric.check]} {check_label(metric)}"


def metric_value(metric: Metric) -> str:
    """Value and unit as one reads them ('30.95亿元'); a redacted figure as its own marks and scale
    ('xxx万元'; from summaries older than that contract, the first mark of its quote)."""
    shown = metric.value
    if shown is None:
        shown = redaction_mark(metric) if metric.redacted else "—"
    return f"{shown}{metric.unit}"


def highlighted(summary: ReportSummary) -> list[Metric]:
    """The highlighted metrics, most important first (ids that name no metric are left out)."""
    by_id = {m.id: m for m in summary.metrics}
    return [by_id[mid] for mid in summary.highlights if mid in by_id]


# Approximation words written before the figure (near 1000, over 60万亿); the others trail it.
LEADING_APPROX = frozenset({"近", "约", "超", "逾", "超过", "将近", "接近", "大约", "不足", "不到"})


def metric_value_with_approx(metric: Metric) -> str:
    """Approximation words mostly trail the figure (余/多/以上/左右) but 近/约/超过… lead it."""
    value = metric_value(metric)
    if not metric.approx:
        return value
    if metric.approx in LEADING_APPROX:
        return f"{metric.approx}{value}"
    return f"{value}{metric.approx}"


def page_label(evidence: Evidence | None) -> str:
    """'第3页' for the page a quote starts on (paged inputs such as PDF); '' when the input has no pages."""
    return f"第{evidence.page}页" if evidence is not None and evidence.page is not None else ""


def _page_suffix(evidence: Evidence | None) -> str:
    label = page_label(evidence)
    return f"({label})" if label else ""


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def _one_line(text: str) -> str:
    """List items and table cells break on newlines; the document's own line breaks are noise here."""
    return " ".join(text.split())


# Characters that would let a document's or a model's text become markup once a viewer renders the Markdown: raw
# HTML (<script>, <img onerror>), autolinks (<javascript:…>), links and images ([x](javascript:…), ![x](…),
# reference definitions), entities that decode to markup, and code spans that would swallow the escapes. Each gets
# CommonMark's backslash escape, which every renderer shows as the character itself: 完成<b>100</b>亿元 still
# reads as written, and a report without these characters is unchanged.
_MARKUP_RE = re.compile(r"([\\`<>\[\]&])")


def _md(text: str) -> str:
    """Text from a document or a model, safe to place in Markdown (see ``_MARKUP_RE``)."""
    return _MARKUP_RE.sub(r"\\\1", text)


def _text(text: str) -> str:
    """One line of document or model text, escaped."""
    return _md(_one_line(text))


def _cell(text: str) -> str:
    # A literal '|' ends a GFM table cell; the backslash escape is the only portable way to keep it.
    return _text(text).replace("|", "\\|")


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = [_cell(h) for h in header]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
    return lines


def verification_line(summary: ReportSummary) -> str:
    v = summary.verification
    return (
        f"**核验**:可溯源 {percent(v.grounded_share)}(核对数字 {v.numbers_checked} 个,"
        f"通过 {v.verified} 个,未通过 {v.failed} 个)"
    )


def usage_line(summary: ReportSummary) -> str:
    u = summary.usage
    parts = [
        f"backend: {summary.backend}",
        f"model: {_text(summary.model or '—')}",
        f"prompt: {summary.prompt_version}",
        f"calls: {u.calls} (cache hits {u.cache_hits}, attempts {u.attempts})",
        f"tokens: {u.prompt_tokens} + {u.completion_tokens}",
    ]
    if u.cost_usd is not None:
        parts.append(f"cost: ${u.cost_usd:.4f}")
    parts.append(f"schema {summary.schema_version}")
    return " · ".join(parts)


def source_line(summary: ReportSummary) -> str:
    s = summary.source
    pages = f"{s.pages} 页, " if s.pages is not None else ""
    return (
        f"{_text(s.name)} ({s.format}, {s.encoding}, {s.script}; {pages}{s.raw_chars} → {s.clean_chars} 字; "
        f"sha256 {s.sha256[:12]})"
    )


def _metric_bullet(metric: Metric) -> str:
    return (
        f"{_text(metric.name)}:{_text(metric_value_with_approx(metric))}"
        f"({METRIC_KIND_LABELS[metric.kind]}){_page_suffix(metric.evidence)}  {check_badge(metric)}"
    )


def _highlight_bullet(metric: Metric) -> str:
    when = f" · {_text(metric.period)}" if metric.period else ""
    return (
        f"- **{_text(metric.name)}** {_text(metric_value_with_approx(metric))}"
        f"({METRIC_KIND_LABELS[metric.kind]}{when}){_page_suffix(metric.evidence)}  {CHECK_ICONS[metric.check]}"
    )


def _metrics_table(summary: ReportSummary) -> list[str]:
    if not summary.metrics:
        return []
    # Every metric, behind a fold: the highlights above are what a reader reads first. A paged input (PDF) gets
    # a page column: where each figure's quote stands in the printed report.
    paged = summary.source.pages is not None
    out = ["## 指标", "", "<details>", f"<summary>全部指标({len(summary.metrics)} 项)</summary>", ""]
    out += _table(
        ["#", "指标", "数值", "约数", "类型", "核验", *(["页"] if paged else [])],
        (
            [
                m.id,
                m.name,
                metric_value(m),
                m.approx or "",
                METRIC_KIND_LABELS[m.kind],
                check_badge(m),
                *([page_label(m.evidence)] if paged else []),
            ]
            for m in summary.metrics
        ),
    )
    return [*out, "", "</details>", ""]


def _failures(summary: ReportSummary) -> list[str]:
    failures = summary.verification.failures
    if not failures:
        return []
    out = ["## 核验未通过", ""]
    for f in failures:
        out.append(f"- ⚠️ `{f.field}` 「{_text(f.text)}」:{CHECK_TEXT[f.check]} — {_text(f.reason)}")
    return [*out, ""]


def render_markdown(summary: ReportSummary) -> str:
    """The whole report as GitHub-flavoured Markdown, ending with a newline."""
    by_id = {m.id: m for m in summary.metrics}
    out: list[str] = [f"# {_text(summary.title or summary.source.name)}", ""]

    meta = []
    if summary.organization:
        meta.append(f"**单位**:{_text(summary.organization)}")
    if summary.period:
        meta.append(f"**时期**:{_text(summary.period)}")
    if meta:
        out += ["  \n".join(meta), ""]
    out += [verification_line(summary), ""]
    if summary.overview:
        out += ["## 概述", "", _md(summary.overview.strip()), ""]
    key = highlighted(summary)
    if key:
        out += ["## 要点", ""]
        out += [_highlight_bullet(m) for m in key]
        out.append("")

    if summary.sections:
        out += ["## 分节摘要", ""]
    for section in summary.sections:
        path = HEADING_SEP.join(_text(h) for h in section.heading_path) or "(无标题)"
        out += [f"### {path} 〔{ROLE_LABELS[section.role]}〕", ""]
        if section.summary:
            out += [_md(section.summary.strip()), ""]
        for item in section.items:
            flag = "⚠️ " if item.flagged else ""
            page = _page_suffix(item.evidence)
            out.append(f"- {flag}[{ITEM_KIND_LABELS[item.kind]}] {_text(item.text)}{page}")
            for mid in item.metrics:
                metric = by_id.get(mid)
                # A dangling id is a pipeline bug, but the report should still say so rather than hide it.
                out.append(f"  - {_metric_bullet(metric)}" if metric else f"  - (缺失指标 {mid})")
        if section.items:
            out.append("")

    out += _metrics_table(summary)
    out += _failures(summary)

    # Plain text, not <sub>: raw HTML from a file name would be interpreted by Markdown viewers.
    out += ["---", "", f"来源:{source_line(summary)}  ", f"生成:{usage_line(summary)}", ""]
    return "\n".join(out)
