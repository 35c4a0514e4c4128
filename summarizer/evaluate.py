"""evaluate: a summary measured against gold labels (``gold.py``), the way trafilatura measures extraction.

"Grounded share" only says that a summary's numbers occur in the source. These figures say whether the
summary found what a reader needs, named and dated it right, kept it faithful, and left out junk. Every
rule below is deliberately simple and stated here, so a figure can be traced to the metric that moved it.

Matching a gold fact (quote span ``[fs, fe)`` in the original text) to a metric: the metric's evidence
(``original_start``/``original_end``) overlaps the span, and the metric *as shown* (``value`` + ``unit``, a
redacted one with its marks) reads as the same figure: equal normalised value (万/亿 applied) and the same
unit after folding (名/位 = 人, 个百分点 = 百分点). Among several such metrics the one whose name is right
wins.

Figures (micro-averaged over facts / metrics / documents):

* ``documents``: documents evaluated (a replay backend without recordings for a document leaves it out).
* ``key_fact_recall``: facts matched / facts.
* ``name_accuracy``: of matched facts, those whose metric's name denotes the fact's indicator (see
  ``name_denotes``).
* ``period_accuracy``, ``kind_accuracy``: of matched facts, metric period equal to the fact's (normalised:
  dashes, 年度, a span's inner 年), metric kind equal.
* ``faithfulness_errors`` (a count): a metric shown with another value, unit or scale than any source
  mention inside its evidence (a redacted one must show the marks, scale and unit exactly as the source
  writes them); a metric carrying one gold fact's figure under another gold fact's indicator
  (``misbound``); a number in the overview, a section summary or an item that verification could not find
  in the source.
* ``junk_share``: metrics no reader wants / metrics (see ``junk_reason``).
* ``highlights_precision``: highlighted metrics that match a gold fact / highlights; ``highlights_recall``:
  gold facts matched by a highlighted metric / min(facts, 20) (at most 20 highlights exist). ``None`` (n/a)
  when the summary has no highlights.
* ``indicator_precision``: of matched facts whose metric carries an indicator id, those whose id is the one
  the fact's indicator maps to through the indicator table (``indicators.IndicatorTable.lookup``: its names,
  aliases and older names; a fact whose indicator maps to none makes any id wrong).
  ``indicator_recall``: facts whose indicator maps to a table entry and whose matched metric carries that id
  / facts whose indicator maps to a table entry (a missed fact counts as not recalled).
* ``title_accuracy``, ``organization_accuracy``, ``report_period_accuracy``: documents right / documents
  (punctuation and spacing ignored; the gold file's ``*_accept`` lists count as right).
* ``role_accuracy``: gold sections whose position lies in a summary section of the same role / sections.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Literal

from .gold import GoldCase, GoldFact, LocatedFact
from .indicators import default_table
from .models import Metric, ReportSummary
from .numbers import NumberMention, find_numbers, fold_unit, parse_number
from .render.markdown import metric_value

HIGHLIGHTS_MAX = 20
FaultKind = Literal["value", "misbound", "summary_number"]

# --------------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------------

_PUNCT_RE = re.compile(r"[\s\"'“”‘’《》〈〉「」『』()（）\[\]【】,，。.、:：;；!！?？·•…—\-–~～/]+")
# Growth is written many ways; a name is right whichever it uses.
_GROWTH_RE = re.compile(r"(?:同比|比上年|较上年|年均)?(?:增速|增长率|增幅|增长|涨幅|上涨|提高|增加)")
# Scope and verb words around a name that do not change what is measured.
_SCOPE_RE = re.compile(
    r"^(?:全年|全市|全县|全区|全省|全国|全旗|今年|去年|上半年|下半年|当年|年度|其中|实现|完成)+"
)
_VERB_TAIL_RE = re.compile(r"(?:完成|实现|达到|达|为|是|共|累计|突破|超过)+$")


def normalise_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name)
    text = _PUNCT_RE.sub("", text).upper().replace("目标", "").replace("预期", "")  # a target's name is its indicator's
    text = _GROWTH_RE.sub("增长", text)
    text = _SCOPE_RE.sub("", text)
    return _VERB_TAIL_RE.sub("", text)


# Modifiers that flip what is measured: a name with one side never denotes an indicator with the other.
_CONTRASTS: tuple[tuple[str, str], ...] = (
    ("城镇", "农村"),
    ("城市", "农村"),
    ("出口", "进口"),
    ("中央", "地方"),
    ("上半年", "下半年"),
    ("国家级", "省级"),
    ("省级", "市级"),
    ("市级", "县级"),
    ("增长", "下降"),
    ("收入", "支出"),
)
_COUNT_TAIL_RE = re.compile(r"(?:数量|数目|个数|总数|数)$")
NAME_BIGRAM_RECALL = 0.7


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def _denotes(have: str, want: str) -> bool:
    if not want:
        return False
    if want in have:
        return True
    for a, b in _CONTRASTS:
        if (a in want and b in have and a not in have) or (b in want and a in have and b not in have):
            return False
    head = want[-2:]
    grams = _bigrams(want)
    return head in have and len(grams & _bigrams(have)) / len(grams) >= NAME_BIGRAM_RECALL


def name_denotes(name: str, fact: GoldFact) -> bool:
    """Whether a metric name denotes the fact's indicator. Both are normalised (punctuation, growth words
    written one way, scope words such as 全年/全市 and trailing verbs dropped, a trailing 数 dropped), then
    the name is right when it contains the indicator (or one of the gold ``names``), or when it keeps the
    indicator's head (its last two characters: 收入, 场次, 增长…) and at least 70% of its character
    bigrams, and does not swap a contrasting modifier (城镇 for 农村, 出口 for 进口…). So 企业线上培训活动场次
    denotes 企业线上培训场次; a growth rate named only for what grew ("国内生产总值" for 7.8%) does not denote
    国内生产总值增速; 农村…收入 never denotes 城镇…收入."""
    have = _COUNT_TAIL_RE.sub("", normalise_name(name))
    if not have:
        return False
    return any(
        _denotes(have, _COUNT_TAIL_RE.sub("", normalise_name(n))) for n in [fact.indicator, *fact.names]
    )


# --------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------

_UNIT_CLASS = {"名": "人", "位": "人", "个百分点": "百分点"}


def unit_class(unit: str) -> str:
    folded = fold_unit(unit)
    return _UNIT_CLASS.get(folded, folded)


@dataclass(frozen=True)
class Figure:
    """A figure as a reader sees it: normalised value (None when redacted), upper bound, unit class."""

    scaled: Decimal | None
    high: Decimal | None
    unit: str
    redacted: bool
    written: str  # marks, scale word and unit as written, approximation words left out (for redactions)


def _figure(mention: NumberMention) -> Figure:
    written = mention.text
    if mention.approx:
        written = written.replace(mention.approx, "", 1)
    return Figure(mention.scaled, mention.high, unit_class(mention.unit), mention.redacted, _squash(written))


def read_figure(text: str) -> Figure | None:
    mention = parse_number(text)
    return _figure(mention) if mention is not None else None


def shown_figure(metric: Metric) -> Figure | None:
    """The metric as the Markdown and HTML reports show it (value and unit; a redaction as its marks)."""
    return read_figure(metric_value(metric))


def fact_figure(fact: GoldFact) -> Figure | None:
    return read_figure(unicodedata.normalize("NFKC", f"{fact.value}{fact.unit}"))


def same_figure(a: Figure | None, b: Figure | None) -> bool:
    if a is None or b is None or a.unit != b.unit or a.redacted != b.redacted:
        return False
    if a.redacted:
        return a.written == b.written
    return a.scaled == b.scaled and a.high == b.high


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------------------

_DASH_RE = re.compile(r"\s*(?:—+|–|-|~|～|至|到)\s*")


def normalise_period(period: str | None) -> str:
    if not period:
        return ""
    text = unicodedata.normalize("NFKC", period).strip().replace("年度", "年")
    text = re.sub(r"\s+", "", text)
    text = _DASH_RE.sub("—", text)
    text = re.sub(r"(\d{4})年—", r"\1—", text)  # 2008年—2012年 -> 2008—2012年
    if re.fullmatch(r"\d{4}", text) or re.fullmatch(r"\d{4}—\d{4}", text):
        text += "年"
    return text


# --------------------------------------------------------------------------------------------------
# Junk
# --------------------------------------------------------------------------------------------------

# A measure word that makes a set phrase with a small Chinese numeral (一批, 一系列, 最后一公里, 一把手).
_SET_PHRASE_UNITS = frozenset(
    {"批", "系列", "公里", "把手", "站式", "揽子", "盘棋", "张网", "张图", "条龙", "些", "番", "步", "流"}
)
_CALENDAR_UNITS = frozenset({"季度", "月", "日", "号", "年", "周", "时", "天"})
_NEGATION_RE = re.compile(r"(?:未|没有|无|不|零)[^，,；;。]{0,6}$")
_FUNCTION_HEAD = tuple("的了和与及对在为把被将并或等之、")
_FUNCTION_TAIL = tuple("的和与及对在把被将了等之“（(「《")
_CN_NUMERAL_RE = re.compile(r"[零〇一二两三四五六七八九十百千万亿几]+")
_HAN_OR_LATIN_RE = re.compile(r"[\u4e00-\u9fffA-Za-z]")


def _balanced(name: str) -> bool:
    return all(name.count(a) == name.count(b) for a, b in ("“”", "（）", "()", "《》", "「」"))


def junk_reason(metric: Metric) -> str | None:
    """Why a metric is one no reader wants, or None. Rules, first that applies:

    empty name (no letters); a name that is itself a figure ("18.5%"); a name cut mid-phrase (starting with
    a particle or conjunction, ending with one or with an opening quote, unbalanced quotes or brackets, one
    character); a date, year, ordinal, month range or calendar span given as the value (一季度, 2020年, 1-5月);
    a set phrase (一批, 一系列, 最后一公里); a count inside a name ("六大"行动, 两个中心 in quotes); a negated
    count (未出现一例); a bare small number without a unit (a list number or a page number)."""
    name = metric.name.strip()
    figures_in_name = [m for m in find_numbers(name) if m.kind not in ("ordinal", "year")]
    if figures_in_name and len(_squash(figures_in_name[0].text)) >= len(_squash(name)) - 1:
        return "name is a figure"
    if not _HAN_OR_LATIN_RE.search(name):
        return "empty name"
    if len(name) == 1 or name.startswith(_FUNCTION_HEAD) or name.endswith(_FUNCTION_TAIL) or not _balanced(name):
        return "name cut mid-phrase"
    shown = metric_value(metric)
    quote = metric.evidence.quote
    at = quote.find(_squash(shown)) if _squash(shown) else -1
    if at >= 0 and _CN_NUMERAL_RE.fullmatch(metric.value or ""):
        before, after = quote[:at], quote[at + len(shown) :]
        if shown.endswith("大") or after.startswith("大") or before.count("“") > before.count("”"):
            return "count inside a name"
    mention = parse_number(shown)
    if mention is None:
        return None
    if mention.kind in ("date", "year", "ordinal") or (mention.kind == "range" and mention.unit in _CALENDAR_UNITS):
        return f"{mention.kind} as a figure"
    if mention.unit in _CALENDAR_UNITS and mention.numeral == "chinese":
        return "calendar span as a figure"
    if mention.numeral == "chinese" and mention.unit in _SET_PHRASE_UNITS and (mention.value or 0) <= 1:
        return "set phrase"
    if at >= 0 and _NEGATION_RE.search(quote[:at]):
        return "negated count"
    if (
        not mention.unit
        and mention.numeral == "arabic"
        and mention.scaled is not None
        and mention.scaled == mention.scaled.to_integral_value()
        and mention.scaled <= 31
    ):
        return "bare small number"
    return None


# --------------------------------------------------------------------------------------------------
# One document
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactOutcome:
    id: str
    indicator: str
    value: str
    found: bool
    metric: str | None = None  # id of the matched metric
    metric_name: str | None = None
    name_ok: bool = False
    period_ok: bool = False
    kind_ok: bool = False
    gold_indicator: str | None = None  # the table id the fact's indicator maps to
    metric_indicator: str | None = None  # the matched metric's indicator id


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    where: str
    text: str
    reason: str


@dataclass
class DocumentEval:
    document: str
    facts: int = 0
    found: int = 0
    name_ok: int = 0
    period_ok: int = 0
    kind_ok: int = 0
    indicator_facts: int = 0  # facts whose indicator maps to a table entry
    indicator_recalled: int = 0  # of those, matched by a metric carrying that id
    indicator_given: int = 0  # matched facts whose metric carries an id
    indicator_right: int = 0  # of those, the fact's id
    metrics: int = 0
    junk: list[tuple[str, str, str, str]] = field(default_factory=list)  # (metric id, name, shown, reason)
    faults: list[Fault] = field(default_factory=list)
    highlights: int | None = None
    highlights_matched: int | None = None  # highlighted metrics that match a gold fact
    facts_highlighted: int | None = None  # gold facts matched by a highlighted metric
    title_ok: bool = False
    organization_ok: bool = False
    period_ok_report: bool = False
    roles: int = 0
    roles_ok: int = 0
    outcomes: list[FactOutcome] = field(default_factory=list)
    error: str | None = None


def _overlaps(metric: Metric, fact: LocatedFact) -> bool:
    return metric.evidence.original_start < fact.end and fact.start < metric.evidence.original_end


def _plain(text: str | None) -> str:
    return _PUNCT_RE.sub("", unicodedata.normalize("NFKC", text or ""))


def _head_ok(produced: str | None, gold: str | None, accept: Sequence[str]) -> bool:
    if gold is None and not produced:
        return True
    return bool(produced) and _plain(produced) in {_plain(g) for g in [gold, *accept] if g}


def gold_indicator(fact: GoldFact) -> str | None:
    """The indicator table's id for a gold fact's canonical indicator name (国内生产总值增速 -> gdp_growth)."""
    return default_table().lookup(fact.indicator)


def match_facts(summary: ReportSummary, facts: Sequence[LocatedFact]) -> list[FactOutcome]:
    outcomes = []
    shown = {m.id: shown_figure(m) for m in summary.metrics}
    for lf in facts:
        fact = lf.fact
        want = fact_figure(fact)
        candidates = [m for m in summary.metrics if _overlaps(m, lf) and same_figure(shown[m.id], want)]
        if not candidates:
            outcomes.append(
                FactOutcome(lf.id, fact.indicator, fact.value + fact.unit, False, gold_indicator=gold_indicator(fact))
            )
            continue
        best = max(candidates, key=lambda m: (name_denotes(m.name, fact), m.kind == fact.kind))
        outcomes.append(
            FactOutcome(
                lf.id,
                fact.indicator,
                fact.value + fact.unit,
                True,
                metric=best.id,
                metric_name=best.name,
                name_ok=name_denotes(best.name, fact),
                period_ok=normalise_period(best.period) == normalise_period(fact.period),
                kind_ok=best.kind == fact.kind,
                gold_indicator=gold_indicator(fact),
                metric_indicator=best.indicator,
            )
        )
    return outcomes


def value_faults(summary: ReportSummary, mentions: Sequence[NumberMention]) -> list[Fault]:
    """Metrics shown with another value, unit or scale than the source has inside their evidence."""
    ordered = sorted(mentions, key=lambda m: m.start)
    starts = [m.start for m in ordered]
    faults = []
    for i, metric in enumerate(summary.metrics):
        shown = shown_figure(metric)
        ev = metric.evidence
        lo = max(0, bisect_left(starts, ev.start) - 8)  # a mention starting just before may overlap
        inside = [m for m in ordered[lo : bisect_left(starts, ev.end)] if m.start < ev.end and ev.start < m.end]
        if shown is not None and any(same_figure(_figure(m), shown) for m in inside):
            continue
        written = [m.text for m in inside if m.redacted] if metric.redacted else [m.text for m in inside]
        source = "、".join(written[:3]) or "no figure"
        text = metric_value(metric)
        faults.append(Fault("value", f"metrics[{i}]", text, f"shown as {text}; evidence has {source}"))
    return faults


def misbound_faults(summary: ReportSummary, facts: Sequence[LocatedFact]) -> list[Fault]:
    """A metric carrying gold fact F's figure under gold fact G's indicator (G in the same evidence)."""
    faults = []
    index = {m.id: i for i, m in enumerate(summary.metrics)}
    for metric in summary.metrics:
        shown = shown_figure(metric)
        near = [lf for lf in facts if _overlaps(metric, lf)]
        carried = [lf for lf in near if same_figure(shown, fact_figure(lf.fact))]
        if not carried or any(name_denotes(metric.name, lf.fact) for lf in carried):
            continue
        other = next((lf for lf in near if lf not in carried and name_denotes(metric.name, lf.fact)), None)
        if other is not None:
            faults.append(
                Fault(
                    "misbound",
                    f"metrics[{index[metric.id]}]",
                    f"{metric.name} {metric_value(metric)}",
                    f"{metric_value(metric)} is {carried[0].fact.indicator} ({carried[0].id}); "
                    f"{other.fact.indicator} is {other.fact.value}{other.fact.unit} ({other.id})",
                )
            )
    return faults


def summary_number_faults(summary: ReportSummary) -> list[Fault]:
    """Numbers in free text (overview, section summaries, items) that verification could not ground."""
    return [
        Fault("summary_number", f.field, f.text, f.reason)
        for f in summary.verification.failures
        if not f.field.startswith("metrics")
    ]


def _roles(case: GoldCase, summary: ReportSummary, clean_offsets: Sequence[int]) -> int:
    ok = 0
    for section, start in zip(case.gold.sections, case.section_starts, strict=True):
        # A position just inside the heading, mapped from the original to the cleaned text.
        at = bisect_left(clean_offsets, start + min(2, len(section.heading) - 1))
        covering = [s for s in summary.sections if s.start <= at < s.end]
        if covering and min(covering, key=lambda s: s.end - s.start).role == section.role:
            ok += 1
    return ok


def evaluate_document(
    case: GoldCase, summary: ReportSummary, mentions: Sequence[NumberMention], clean_offsets: Sequence[int]
) -> DocumentEval:
    """Every figure for one document. ``mentions`` and ``clean_offsets`` are the cleaned text's number
    mentions and its offset map (``api.Result.analysis``), which the summary's evidence points into."""
    gold = case.gold
    outcomes = match_facts(summary, case.facts)
    found = [o for o in outcomes if o.found]
    junk = [
        (m.id, m.name, metric_value(m), reason) for m in summary.metrics if (reason := junk_reason(m)) is not None
    ]
    faults = value_faults(summary, mentions) + misbound_faults(summary, case.facts) + summary_number_faults(summary)
    result = DocumentEval(
        document=str(gold.document),
        facts=len(outcomes),
        found=len(found),
        name_ok=sum(o.name_ok for o in found),
        period_ok=sum(o.period_ok for o in found),
        kind_ok=sum(o.kind_ok for o in found),
        indicator_facts=sum(o.gold_indicator is not None for o in outcomes),
        indicator_recalled=sum(o.gold_indicator is not None and o.metric_indicator == o.gold_indicator for o in found),
        indicator_given=sum(o.metric_indicator is not None for o in found),
        indicator_right=sum(o.metric_indicator is not None and o.metric_indicator == o.gold_indicator for o in found),
        metrics=len(summary.metrics),
        junk=junk,
        faults=faults,
        title_ok=_head_ok(summary.title, gold.title, gold.title_accept),
        organization_ok=_head_ok(summary.organization, gold.organization, gold.organization_accept),
        period_ok_report=_head_ok(summary.period, gold.period, gold.period_accept),
        roles=len(gold.sections),
        roles_ok=_roles(case, summary, clean_offsets),
        outcomes=outcomes,
    )
    highlights: list[str] | None = getattr(summary, "highlights", None)
    if highlights is not None:
        chosen = set(highlights)
        by_metric = {o.metric for o in found}
        result.highlights = len(chosen)
        result.highlights_matched = len(chosen & by_metric)
        result.facts_highlighted = sum(1 for o in found if o.metric in chosen)
    return result


# --------------------------------------------------------------------------------------------------
# Over a gold set
# --------------------------------------------------------------------------------------------------

FIGURES: tuple[str, ...] = (
    "documents",  # evaluated: a backend that silently stops answering some documents must not pass the gate
    "key_fact_recall",
    "name_accuracy",
    "period_accuracy",
    "kind_accuracy",
    "indicator_precision",
    "indicator_recall",
    "faithfulness_errors",
    "junk_share",
    "highlights_precision",
    "highlights_recall",
    "title_accuracy",
    "organization_accuracy",
    "report_period_accuracy",
    "role_accuracy",
)
# Figures where lower is better (the gate pins a maximum for them, a minimum for the rest).
LOWER_IS_BETTER = frozenset({"faithfulness_errors", "junk_share"})


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def figures(docs: Iterable[DocumentEval]) -> dict[str, float | None]:
    done = [d for d in docs if d.error is None]
    found = sum(d.found for d in done)
    with_highlights = [d for d in done if d.highlights is not None]
    return {
        "documents": float(len(done)),
        "key_fact_recall": _ratio(found, sum(d.facts for d in done)),
        "name_accuracy": _ratio(sum(d.name_ok for d in done), found),
        "period_accuracy": _ratio(sum(d.period_ok for d in done), found),
        "kind_accuracy": _ratio(sum(d.kind_ok for d in done), found),
        "indicator_precision": _ratio(sum(d.indicator_right for d in done), sum(d.indicator_given for d in done)),
        "indicator_recall": _ratio(sum(d.indicator_recalled for d in done), sum(d.indicator_facts for d in done)),
        "faithfulness_errors": float(sum(len(d.faults) for d in done)) if done else None,
        "junk_share": _ratio(sum(len(d.junk) for d in done), sum(d.metrics for d in done)),
        "highlights_precision": _ratio(
            sum(d.highlights_matched or 0 for d in with_highlights), sum(d.highlights or 0 for d in with_highlights)
        )
        if with_highlights
        else None,
        "highlights_recall": _ratio(
            sum(d.facts_highlighted or 0 for d in with_highlights),
            sum(min(d.facts, HIGHLIGHTS_MAX) for d in with_highlights),
        )
        if with_highlights
        else None,
        "title_accuracy": _ratio(sum(d.title_ok for d in done), len(done)),
        "organization_accuracy": _ratio(sum(d.organization_ok for d in done), len(done)),
        "report_period_accuracy": _ratio(sum(d.period_ok_report for d in done), len(done)),
        "role_accuracy": _ratio(sum(d.roles_ok for d in done), sum(d.roles for d in done)),
    }


def document_figures(doc: DocumentEval) -> dict[str, float | None]:
    return figures([doc])


def as_json(backend: str, docs: Sequence[DocumentEval]) -> dict[str, Any]:
    return {
        "backend": backend,
        "overall": figures(docs),
        "documents": [{**asdict(d), "figures": document_figures(d)} for d in docs],
    }


def gate(actual: dict[str, float | None], floors: dict[str, float]) -> list[str]:
    """The figures that fell below their pinned floor (above, for lower-is-better figures), one line each."""
    failures = []
    for name, floor in floors.items():
        value = actual.get(name)
        if value is None:
            failures.append(f"{name}: n/a, pinned {floor}")
        elif name in LOWER_IS_BETTER and value > floor:
            failures.append(f"{name}: {value} > pinned maximum {floor}")
        elif name not in LOWER_IS_BETTER and value < floor:
            failures.append(f"{name}: {value} < pinned minimum {floor}")
    return failures


def evaluate(cases: Sequence[GoldCase], run: Any) -> list[DocumentEval]:
    """Summarize each gold document with ``run`` (``Summarizer.run``) and score it. A document the backend
    cannot summarize (a replay backend without its recordings, an endpoint that fails) is reported with
    its error and left out of the figures, never scored as zero."""
    from .errors import SummarizerError

    docs = []
    for case in cases:
        try:
            result = run(case.document)
        except SummarizerError as exc:
            docs.append(DocumentEval(document=case.gold.document, error=str(exc).splitlines()[0][:300]))
            continue
        analysis = result.analysis
        doc = evaluate_document(case, result.summary, analysis.mentions, analysis.clean.offsets)
        doc.document = case.document.name
        docs.append(doc)
    return docs


def _cell(value: float | None, *, count: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f}" if count else f"{value * 100:.1f}%"


_COLUMNS: tuple[tuple[str, str], ...] = (
    ("key_fact_recall", "recall"),
    ("name_accuracy", "name"),
    ("period_accuracy", "period"),
    ("kind_accuracy", "kind"),
    ("indicator_precision", "ind.P"),
    ("indicator_recall", "ind.R"),
    ("faithfulness_errors", "faith.err"),
    ("junk_share", "junk"),
    ("highlights_precision", "hl.P"),
    ("highlights_recall", "hl.R"),
    ("title_accuracy", "title"),
    ("organization_accuracy", "org"),
    ("report_period_accuracy", "rep.period"),
    ("role_accuracy", "roles"),
)


def format_table(backend: str, docs: Sequence[DocumentEval], *, details: bool = False) -> str:
    """A plain-text table: one row per document, then the overall figures (what the gate pins)."""
    names = [d.document.rsplit("/", 1)[-1].removesuffix(".txt") for d in docs]
    width = max([len(n) for n in names] + [8])
    header = f"{'document':<{width}}  facts metrics  " + "  ".join(f"{label:>10}" for _, label in _COLUMNS)
    lines = [f"eval · backend {backend} · {len(docs)} documents", header, "-" * len(header)]

    def row(name: str, facts: int, metrics: int, figs: dict[str, float | None]) -> str:
        cells = "  ".join(f"{_cell(figs[key], count=key == 'faithfulness_errors'):>10}" for key, _ in _COLUMNS)
        return f"{name:<{width}}  {facts:>5} {metrics:>7}  {cells}"

    for name, doc in zip(names, docs, strict=True):
        if doc.error is not None:
            lines.append(f"{name:<{width}}  not evaluated: {doc.error}")
            continue
        lines.append(row(name, doc.facts, doc.metrics, document_figures(doc)))
    done = [d for d in docs if d.error is None]
    lines.append("-" * len(header))
    lines.append(row("overall", sum(d.facts for d in done), sum(d.metrics for d in done), figures(done)))
    if details:
        for name, doc in zip(names, docs, strict=True):
            lines.extend(_details(name, doc))
    return "\n".join(lines) + "\n"


def _details(name: str, doc: DocumentEval) -> list[str]:
    out = [f"\n== {name}"]
    for o in doc.outcomes:
        if not o.found:
            out.append(f"  missed  {o.id} {o.indicator} {o.value}")
        elif not (o.name_ok and o.period_ok and o.kind_ok and o.metric_indicator == o.gold_indicator):
            checks = (("name", o.name_ok), ("period", o.period_ok), ("kind", o.kind_ok))
            wrong = [w for w, ok in checks if not ok]
            if o.metric_indicator != o.gold_indicator:
                wrong.append(f"indicator {o.metric_indicator or '-'}≠{o.gold_indicator or '-'}")
            out.append(f"  wrong {'/'.join(wrong):<16} {o.id} {o.indicator} {o.value} <- {o.metric} {o.metric_name}")
    out.extend(f"  fault   {f.kind} {f.where}: {f.reason}" for f in doc.faults)
    out.extend(f"  junk    {mid} {name!r} {shown}: {reason}" for mid, name, shown, reason in doc.junk)
    return out
