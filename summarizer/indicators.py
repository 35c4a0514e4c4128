"""indicators: which indicator a metric measures (``gdp_growth``, ``cpi``, …), or None.

The indicators live in a table kept as data, ``summarizer/data/indicators.json``: a stable ascii id, the
canonical Chinese name, the names the reports use (aliases and older names), the unit family a figure of it
carries, whether it is a level, a growth rate, a ratio or a decline, and which way is better.

The matcher is deterministic and reads two things:

* **the evidence**: the words of the figure's sentence up to the figure (``lead``). The indicator name that
  ends nearest the figure is its subject, accepted only when it stands at a word boundary (``单位国内生产总值
  能耗``, ``中央财政赤字`` and ``消费对经济增长的贡献率`` hold a name but are not it), and only when the words
  between it and the figure say how it binds: filler verbs (``达到``, ``控制在``, ``预期目标定为``) bind a
  level or a rate by its own name; a growth word (``增长``, ``上涨``, ``涨幅``) binds the growth of a subject
  (``国内生产总值增长7.8%`` is ``gdp_growth``); ``国内生产总值达到114万亿元，增长8.1%`` binds 8.1% to GDP's
  growth (a level, a comma, then the growth); ``从54万亿元增加到82.7万亿元`` binds the level reached, and the
  starting one only when its own period is written (``赤字率从去年的2.1%``); ``分别`` lists, other figures
  or other words in between bind nothing; ``年均``/``累计`` bind only a figure whose period is several years
  long;
* **the name**: read whole after dropping scope words (全年, 年末…) and trailing verbs; an LLM proposes its
  indicator this way ("国内生产总值增速").

The figure's unit must belong to the indicator's family (a ``%`` is never GDP, ``万人`` never a rate). When the
evidence and the name both name an indicator they must agree; the name alone decides only when the evidence
names no indicator at all. Otherwise: None. A wrong indicator is worse than none, so nothing is guessed:
no fuzzy matching, no partial names.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .numbers import fold_unit

TABLE_PATH = Path(__file__).resolve().parent / "data" / "indicators.json"

# Words written between a name and its figure that do not change what is measured.
_FILLER = (
    r"(?:初步核算|初步统计|预期目标|目标值|控制在|保持在|稳定在|维持在|下降到|下降至|降低到|回落到|回落至|上升到|提高到|"
    r"提升到|增加到|扩大到|平均为|设定为|达到|突破|超过|低于|高于|不超过|不高于|不低于|降到|降至|升至|增至|定为|拟按|"
    r"全年|年末|年底|全国|预期|目标|设定|预计|力争|争取|确保|继续|实现|完成|一直|总体|基本|大体|平均|稳步|首次|"
    r"达|为|是|在|于|有|约|近|逾|定|按|拟|要|仍|已|将|的|了)"
)
# A growth word, with the comparison base it may carry (比上年增长, 同比上涨, 实际增长).
_GROWTH = (
    r"(?:比上年同期|比上年|比去年|较上年|较去年|同比|比\d{4}年)?(?:实际|名义)?"
    r"(?:增长率|增长速度|增速|增幅|增长|上涨|涨幅)"
)
_DECLINE = r"(?:比上年|比去年|较上年|同比)?(?:下降幅度|降幅|下降|降低)"
# A figure with its scale, unit and approximation word, as it may stand inside a link ("达到114万亿元，增长").
_FIG = (
    r"(?:超过|约|近|逾|不到)?\d+(?:\.\d+)?(?:万亿|亿|万|千)?(?:多|余)?"
    r"(?:元|美元|人|吨|斤|公斤|%|家|个)?(?:左右|以上|以内|以下)?"
)
_WHEN = r"(?:(?:\d{4}年|去年|上年|上一年|今年)的?)"
_TO = r"(?:增加到|提高到|上升到|下降到|降低到|降到|降至|增至|提升到|扩大到|减少到|回落到|回落至|升至)"

_LEVEL_RE = re.compile(rf"{_FILLER}*")
_GROWTH_RE = re.compile(rf"{_FILLER}*{_GROWTH}{_FILLER}*")
_DECLINE_RE = re.compile(rf"{_FILLER}*{_DECLINE}{_FILLER}*")
_CHAIN_RE = re.compile(rf"{_FILLER}*{_FIG}[，,、](?P<rest>.*)")
_FROM_TO_RE = re.compile(rf"{_FILLER}*[从由]{_WHEN}?{_FIG}{_WHEN}?{_TO}{_WHEN}?(?:超过|约|近|逾|不到)?")
# The start of a change dated by its own words ("赤字率从去年的2.1%"): the subject's figure for that period.
_FROM_WHEN_RE = re.compile(rf"{_FILLER}*[从由](?:\d{{4}}年|去年|上年|上一年)的")
_RANGE_TAIL_RE = re.compile(r"\d+(?:\.\d+)?%?[－\-—–~～至到]$")
_SPAN_WORDS_RE = re.compile(r"年均|累计|合计|共计|总计|五年|十年|三年|两年")
_LIST_WORDS_RE = re.compile(r"分别|依次")

# Scope and lead words that may stand before a name without making it another indicator.
_LEAD_WORDS_RE = re.compile(
    r"(?:全年|全国|全省|全市|全区|全县|全旗|全社会|今年|去年|上年|当年|年末|年底|其中|我国|我省|我市|我区|我县|"
    r"拟安排|安排|预计|实现|完成|力争|争取|确保|要|使|把|将|并|且|而|但是|但|同时|继续|的|了)$"
)
_BOUNDARY_END = tuple('，,、；;：:（(“"')
# Words around a name (an LLM's or the offline backend's) that do not change what it names.
_NAME_HEAD_RE = re.compile(
    r"^(?:全年|全国|全省|全市|全区|全县|今年|去年|上年|当年|本年|年末|年底|其中|我国|我省|我市)+"
)
_NAME_TAIL_RE = re.compile(rf"{_FILLER}+$")
_BRACKETS_RE = re.compile(r"[（(][^）)]*[）)]")
_PUNCT_RE = re.compile(r"[\s\"'“”‘’《》「」『』【】\[\]，,。.、:：;；!！?？·•…]+")

_GROWTH_SUFFIXES = ("增速", "增长率", "增长速度", "增幅", "涨幅")
_DECLINE_SUFFIXES = ("降幅", "下降幅度")


@dataclass(frozen=True)
class Family:
    """A unit family: the base unit a figure is normalised to, and each unit's factor to it."""

    name: str
    base: str
    units: dict[str, float]


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    measure: str  # level | growth | ratio | decline
    family: str
    direction: str | None  # up: more is better (a bare target is a floor); down: a bare target is a ceiling
    names: tuple[str, ...]  # names of the measure itself
    subjects: tuple[str, ...] = ()  # growth/decline: names that, followed by a growth/decline word, denote it


@dataclass
class _Alias:
    """What one name can denote: itself (``name``), the growth or the decline of what it names."""

    name: str | None = None
    growth: str | None = None
    decline: str | None = None


class _AliasFinder:
    """The aliases that end last in a text: the furthest end any alias reaches, and every alias ending there,
    longest first (ties: reverse alphabetical).

    Why not one ``str.rfind`` per alias: there are ~370 aliases and a metric's lead is read for each metric
    of a document (~80 µs a lead that way). One regex over the reversed text finds the furthest end in one
    scan: an alias ending at ``e`` is its reverse starting at ``len(text) - e``, and the leftmost match is
    the furthest end. Every occurrence ending there is its alias's last one (a later start would end later)."""

    def __init__(self, aliases: Iterable[str]) -> None:
        names = sorted({a for a in aliases if a}, key=lambda a: (-len(a), a))
        self._reversed = re.compile("|".join(re.escape(a[::-1]) for a in names)) if names else None
        self._by_last: dict[str, list[str]] = {}
        for a in sorted(names, key=lambda a: (len(a), a), reverse=True):
            self._by_last.setdefault(a[-1], []).append(a)

    def last(self, text: str) -> tuple[int, list[str]] | None:
        m = self._reversed.search(text[::-1]) if self._reversed is not None else None
        if m is None:
            return None
        end = len(text) - m.start()
        return end, [a for a in self._by_last[text[end - 1]] if text.endswith(a, 0, end)]


@dataclass
class IndicatorTable:
    indicators: dict[str, Indicator]
    families: dict[str, Family]
    _aliases: dict[str, _Alias] = field(default_factory=dict)
    _finder: _AliasFinder | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> IndicatorTable:
        families = {
            name: Family(name, spec["base"], {fold_unit(u): float(f) for u, f in spec["units"].items()})
            for name, spec in data["families"].items()
        }
        raw = {entry["id"]: entry for entry in data["indicators"]}
        indicators: dict[str, Indicator] = {}
        for entry in data["indicators"]:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", entry["id"]):
                raise ValueError(f"indicator id {entry['id']!r} is not a lower-case ascii id")
            if entry["family"] not in families:
                raise ValueError(f"indicator {entry['id']}: unknown family {entry['family']!r}")
            subjects = list(entry.get("subjects", []))
            if "growth_of" in entry:
                subjects = list(raw[entry["growth_of"]]["names"]) + subjects
            names = [entry["name"], *entry.get("names", [])]
            suffixes = _GROWTH_SUFFIXES if entry["measure"] == "growth" else _DECLINE_SUFFIXES
            if entry["measure"] in ("growth", "decline"):
                names += [s + suffix for s in subjects for suffix in suffixes]
            indicators[entry["id"]] = Indicator(
                id=entry["id"],
                name=entry["name"],
                measure=entry["measure"],
                family=entry["family"],
                direction=entry.get("direction"),
                names=tuple(dict.fromkeys(_norm(n) for n in names)),
                subjects=tuple(dict.fromkeys(_norm(s) for s in subjects)),
            )
        table = cls(indicators, families)
        for ind in indicators.values():
            for n in ind.names:
                table._claim(n, "name", ind.id)
            if ind.measure in ("growth", "decline"):
                for s in ind.subjects:
                    table._claim(s, ind.measure, ind.id)
        return table

    def _claim(self, alias: str, role: str, ident: str) -> None:
        entry = self._aliases.setdefault(alias, _Alias())
        self._finder = None  # built again from the new alias set when next needed
        held = getattr(entry, role)
        if held is not None and held != ident:
            raise ValueError(f"indicator table: {alias!r} names both {held} and {ident}")
        setattr(entry, role, ident)

    # -- units ------------------------------------------------------------------------------------
    def family_of(self, unit: str) -> Family | None:
        folded = fold_unit(unit.strip())
        return next((f for f in self.families.values() if folded in f.units), None)

    def to_base(self, indicator: str, number: float, unit: str) -> tuple[float, str] | None:
        """``number`` (scale applied) in the indicator's base unit: 1.37万亿斤 -> (6.85e8, 吨)."""
        ind = self.indicators.get(indicator)
        if ind is None:
            return None
        family = self.families[ind.family]
        factor = family.units.get(fold_unit(unit.strip()))
        return (number * factor, family.base) if factor is not None else None

    def _fits(self, ident: str | None, unit: str) -> str | None:
        if ident is None:
            return None
        family = self.families[self.indicators[ident].family]
        return ident if fold_unit(unit.strip()) in family.units else None

    # -- names ------------------------------------------------------------------------------------
    def lookup(self, name: str) -> str | None:
        """The indicator a name denotes on its own (a gold label's canonical name, a metric's name): the
        name whole, or a subject followed by a growth or decline word. None when it names none."""
        text = _norm(name)
        for candidate in dict.fromkeys((text, _strip_name(text))):
            if not candidate:
                continue
            alias = self._aliases.get(candidate)
            if alias is not None and alias.name is not None:
                return alias.name
            for regex, role in ((_GROWTH, "growth"), (_DECLINE, "decline")):
                m = re.fullmatch(rf"(.+?){regex}", candidate)
                if m and (alias := self._aliases.get(m.group(1))) is not None and getattr(alias, role):
                    return str(getattr(alias, role))
        return None

    # -- evidence ---------------------------------------------------------------------------------
    def read_lead(self, lead: str, *, multi_year: bool = False) -> tuple[bool, str | None]:
        """(whether the lead names any indicator, the indicator it binds to the figure that follows it)."""
        text = _norm(lead)
        if self._finder is None:
            self._finder = _AliasFinder(self._aliases)
        found = self._finder.last(text)
        if found is None:
            return False, None
        end, aliases = found
        for alias in aliases:
            pre, link = text[: end - len(alias)], text[end:]
            if not _at_boundary(pre):
                continue
            return True, self._bind(self._aliases[alias], link, multi_year=multi_year)
        return True, None

    def _bind(self, alias: _Alias, link: str, *, multi_year: bool) -> str | None:
        if _LIST_WORDS_RE.search(link):
            return None  # 分别增长9.4%、9.1%: which figure is whose is not for a matcher to guess
        if _SPAN_WORDS_RE.search(link):
            if not multi_year:
                return None  # 年均增长 under a one-year period: the period is wrong, so is any series row
            link = _SPAN_WORDS_RE.sub("", link)
        link = _RANGE_TAIL_RE.sub("", link)  # 6.5%－7%: the upper end binds like the lower one
        if _LEVEL_RE.fullmatch(link) or _FROM_TO_RE.fullmatch(link) or _FROM_WHEN_RE.fullmatch(link):
            return alias.name
        if chain := _CHAIN_RE.fullmatch(link):
            link = chain.group("rest")  # 达到114万亿元，增长8.1%: the growth of the same subject
            if _LEVEL_RE.fullmatch(link):
                return None
        if _GROWTH_RE.fullmatch(link):
            return alias.growth
        if _DECLINE_RE.fullmatch(link):
            return alias.decline
        return None

    def match(self, name: str, unit: str, lead: str, *, multi_year: bool = False) -> str | None:
        """The indicator of a metric: ``lead`` is its sentence up to the figure, ``multi_year`` whether its
        period spans several years. See the module doc for the rules."""
        if self.family_of(unit) is None:
            return None
        named, by_evidence = self.read_lead(lead, multi_year=multi_year)
        by_evidence = self._fits(by_evidence, unit)
        by_name = self._fits(self.lookup(name), unit)
        if by_evidence is not None:
            return by_evidence if by_name in (None, by_evidence) else None
        if named or by_name is None:
            return None
        # The evidence names no indicator (a clause without its subject): the name decides, when the words
        # before the figure say the same kind of measure (a growth word for a growth rate, none for a level).
        clause = re.split(r"[，,；;：:]", _norm(lead))[-1]
        measure = self.indicators[by_name].measure
        if measure == "growth":
            return by_name if _GROWTH_RE.fullmatch(_SPAN_WORDS_RE.sub("", clause) if multi_year else clause) else None
        if measure == "decline":
            return by_name if _DECLINE_RE.fullmatch(clause) else None
        return by_name if _LEVEL_RE.fullmatch(clause) else None


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _strip_name(text: str) -> str:
    text = _PUNCT_RE.sub("", _BRACKETS_RE.sub("", text))
    text = _NAME_HEAD_RE.sub("", text)
    return _NAME_TAIL_RE.sub("", text)


def _at_boundary(pre: str) -> bool:
    while True:
        m = _LEAD_WORDS_RE.search(pre)
        if m is None or not m.group(0):
            break
        pre = pre[: m.start()]
    return not pre or pre.endswith(_BOUNDARY_END) or bool(re.search(r"(?:一|二|三|四|五|六|七|八|九|十)是$", pre))


@lru_cache(maxsize=1)
def default_table() -> IndicatorTable:
    return IndicatorTable.from_data(json.loads(TABLE_PATH.read_text(encoding="utf-8")))


def load_table(path: str | Path | None = None) -> IndicatorTable:
    if path is None:
        return default_table()
    return IndicatorTable.from_data(json.loads(Path(path).read_text(encoding="utf-8")))


_SENTENCE_END_RE = re.compile(r"[。！？!?；;\n]")


def figure_offset(quote: str, value: str | None, unit: str) -> int | None:
    """Where the figure ``value`` stands in ``quote``: an occurrence not inside a longer number, the one
    followed by its unit first."""
    if not value:
        return None
    pattern = r"(?<![\d.])" + r"\s*".join(re.escape(ch) for ch in value if not ch.isspace()) + r"(?![\d.])"
    spots = [m.start() for m in re.finditer(pattern, quote)]
    if not spots:
        return None
    with_unit = [s for s in spots if unit and quote.startswith(unit, s + len(value))]
    return (with_unit or spots)[0]


def lead_of(text: str, position: int, limit: int = 300) -> str:
    """The sentence of ``text`` up to ``position`` (at most ``limit`` characters back)."""
    lo = max(0, position - limit)
    start = max((m.end() for m in _SENTENCE_END_RE.finditer(text, lo, position)), default=lo)
    return text[start:position]


def indicator_of(
    name: str,
    value: str | None,
    unit: str,
    quote: str,
    *,
    text: str | None = None,
    quote_start: int | None = None,
    multi_year: bool = False,
    table: IndicatorTable | None = None,
) -> str | None:
    """The indicator of one metric. With the cleaned ``text`` and the quote's offset in it, the lead is the
    figure's whole sentence up to the figure; otherwise the quote up to the figure."""
    at = figure_offset(quote, value, unit)
    if at is None:
        return None
    if text is not None and quote_start is not None:
        lead = lead_of(text, quote_start + at)
    else:
        lead = quote[:at]
    return (table or default_table()).match(name, unit, lead, multi_year=multi_year)


def indicator_names(table: IndicatorTable | None = None) -> Iterable[tuple[str, str]]:
    """(id, canonical name) of every indicator, in table order."""
    t = table or default_table()
    return [(i.id, i.name) for i in t.indicators.values()]


# "居民收入增长与经济增长基本同步", "努力实现居民收入增长和经济发展同步", "居民收入和经济增长基本同步".
_RELATIVE_RE = re.compile(
    r"(?P<subject>[\u4e00-\u9fffA-Za-z0-9]{2,24}?)(?:和|与|同)"
    r"(?P<reference>经济增长|经济发展|经济增速|国内生产总值增长|地区生产总值增长)(?P<relation>基本同步|同步)"
)
_RELATIVE_LEAD_RE = re.compile(r"^(?:努力实现|实现|保持|确保|力争|促进|推动|坚持|做到|要|使)+")
_GDP_WORDS = ("经济增长", "经济发展", "经济增速")


def _relative_statements(text: str) -> Iterator[re.Match[str]]:
    """``_RELATIVE_RE.finditer(text)``, searched only on the lines that say 同步: no match holds a line break (none
    of its parts can), so the matches and their offsets are the same, and the lazy subject is not tried at every
    character of a report that never says it (a twelfth of merge's CPU)."""
    at = text.find("同步")
    while at >= 0:
        line_start = text.rfind("\n", 0, at) + 1
        line_end = text.find("\n", at)
        line_end = len(text) if line_end < 0 else line_end
        yield from _RELATIVE_RE.finditer(text, line_start, line_end)
        at = text.find("同步", line_end)


@dataclass(frozen=True)
class RelativeMatch:
    indicator: str
    reference: str
    relation: str
    start: int  # the statement's span in the text searched
    end: int


def find_relative_targets(text: str, table: IndicatorTable | None = None) -> list[RelativeMatch]:
    """Targets stated against another indicator in ``text`` (the plans): the subject must be a growth entry
    of the table once its lead verbs are dropped (居民收入 -> resident_income_growth); a subject the table
    does not know (城乡居民人均收入) is left out, never guessed."""
    t = table or default_table()
    found = []
    for m in _relative_statements(text):
        clause_start = max(text.rfind(ch, 0, m.end("subject")) for ch in "，,；;。：:、\n") + 1
        subject = text[max(clause_start, m.start()) : m.end("subject")]
        subject = _RELATIVE_LEAD_RE.sub("", re.sub(r"\s+", "", subject))
        subject = re.sub(r"(?:实际)?(?:增长|增速)$", "", subject)
        indicator = t.lookup(subject + "增长") if subject else None
        if indicator is None or t.indicators[indicator].measure != "growth":
            continue
        reference = "gdp_growth" if m.group("reference") in _GDP_WORDS else t.lookup(m.group("reference"))
        if reference is None or reference == indicator:
            continue
        start = max(clause_start, m.start())
        found.append(RelativeMatch(indicator, reference, m.group("relation"), start, m.end()))
    return found
