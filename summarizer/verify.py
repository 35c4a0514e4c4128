"""verify: check every number of a summary against the number mentions of its source.

A summary is only worth having if its numbers are the source's. Both sides are read by the same
``numbers.find_numbers`` and compared on normalised values (``1.2万`` = ``12000``, ``30.13亿元`` =
3,013,000,000 元), never on spelling.

Metrics are checked against *their own evidence*: a source mention inside or overlapping
[evidence.start, evidence.end) must carry the metric's value with a compatible unit. A figure that exists in
the source but elsewhere is a number moved between facts, and fails. Outcomes, first that applies:

* ``verified``: such a mention exists, and ``metric.number`` agrees with ``metric.value`` read with its scale
  word (a ``None`` number claims nothing and is not held against the metric); or the metric is redacted
  (``value=None``) and the evidence holds a redacted mention with a compatible unit (``xx家``).
* ``redacted_in_source``: the metric gives a figure where the evidence says ``xx`` with a compatible unit.
* ``unit_mismatch``: the figure (or its digits) is in the evidence but with an incompatible unit (40.5% vs
  40.5亿元; a redacted metric whose evidence redacts another unit).
* ``redacted_in_source`` again when the only redacted mentions have another unit and nothing else matched.
* ``not_in_source``: anything else: invented, digit changed, decimal point moved, 万/亿 swapped, number
  disagreeing with its own value, or present in the source only outside this metric's evidence.

With the source text (``verify(..., text=clean_text)``, as the pipeline calls it) a figure found in its
evidence is also checked for what it belongs to and when (``binding``, ``periods``):

* ``misattributed``: the text binds the figure to another indicator, and the metric's name is clearly that of
  another figure of the same evidence: "农村…收入" given 37820 where 城乡…分别完成37820元、28104元; an amount
  named as the growth beside it.
* ``ambiguous``: the text does not say which indicator the figure belongs to (no subject, or a 分别 list whose
  items and figures do not pair up) and another figure of the same unit stands in the same evidence.
* ``wrong_period`` (with the outline too): the period is not the one the text gives the figure, read as merge
  reads it (its clause, its paragraph's opener, the headings above it, the report's period): the year it is
  compared with (比2010年增加…), one year for a five-year total…

Free text has no evidence span of its own. A section's summary and its items' texts summarise that section,
so their quantities must be found in the section's span [start, end) of the source (the whole source when
the span is empty); years, dates and ordinals are context a summary may carry over from anywhere, and the
overview may use the whole source. Not checked, because they are wording rather than facts:
list markers (``numbers`` never emits them), ordinal "first" (``第一``), and Chinese-numeral counts up to ten
(``两个``, ``三家``, ``一批``, ``五年``): summaries paraphrase those freely. Everything else counts, years and
dates included. Approximation words in the summary are read as rounding, which is what a summariser does:
with X written to a last significant place u (``约30%``: u = 10; ``1.2万余``: u = 1000),

* 约/大约/左右/上下 X   matches a source value v with |v - X| <= min(u/2, X/10);
* 近/将近/接近/不足/不到/以下/以内 X   matches X - min(u/2, X/10) <= v <= X;
* 余/多/超/超过/逾/以上/上 X   matches X <= v < X + min(u, X/2) (``150多`` = 150..159, ``1.2万余`` =
  1.2万..1.3万).

The caps keep a figure with one significant digit from swallowing everything (``近10000`` is not 8000,
``1000余`` is not 1500). Exact equality always matches whatever the approximation words. A changed digit
moves X by at least u, so perturbed figures stay caught.

Units: compared after folding (万元 -> 元 with the 万 in the value; 個 -> 个; 年度 -> 年). An empty unit is
compatible with any unit except the percent family; ``%`` and ``百分点`` match only themselves (40.5% is not
40.5, and 1.5% is not 1.5个百分点). 人/名/位 are one unit (people); other measure words must agree (家 is not
个: a count of firms is not a count of projects). In free text ordinals only match ordinals.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property
from operator import attrgetter
from typing import Any, TypeVar

from .binding import Binding, bind, bind_alone, has_rival, misattribution, name_similarity
from .highlights import fill_highlights
from .models import REDACTION_RE, Check, Metric, ReportSummary, Verification, VerificationFailure
from .numbers import NumberMention, find_numbers, fold_unit, parse_number, units_compatible, written_marks
from .periods import Period, metric_period
from .sections import Outline

_BELOW = frozenset({"近", "将近", "接近", "不足", "不到", "以下", "以内"})
_AROUND = frozenset({"约", "大约", "左右", "上下"})
_ABOVE = frozenset({"余", "多", "超", "超过", "逾", "以上", "之多", "上"})
# Context rather than quantities: a summary may carry them across sections (the report's year, a date).
_CONTEXT_KINDS = frozenset({"year", "date", "ordinal"})
_SCALE_CHARS = {"万": 10_000, "亿": 100_000_000, "千": 1000, "百": 100}


def _same_figure(source: NumberMention, claim: NumberMention) -> bool:
    """Same normalised value; a single figure also matches either end of a source range (5月 in 1-5月)."""
    if claim.high is not None:
        return source.scaled == claim.scaled and source.high == claim.high
    return source.scaled == claim.scaled or (source.high is not None and source.high == claim.scaled)


def _ulp(x: Decimal) -> Decimal:
    """Place value of the last significant digit: 12000 -> 1000, 29.84 -> 0.01, 150 -> 10."""
    if x == 0:
        return Decimal(1)
    exponent = x.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite Decimals only: find_numbers never makes NaN/Infinity
    return Decimal(1).scaleb(exponent)


def _approx_window(claim: NumberMention) -> tuple[Decimal, Decimal] | None:
    """The source values an approximate figure stands for, read as rounding (see module doc)."""
    if claim.approx is None or claim.scaled is None:
        return None
    x, u = claim.scaled, _ulp(claim.scaled)
    if claim.approx in _AROUND:
        d = min(u / 2, x / 10)
        return x - d, x + d
    if claim.approx in _BELOW:
        return x - min(u / 2, x / 10), x
    if claim.approx in _ABOVE:
        d = min(u, x / 2)
        return x, x + d - d / 1000  # half-open: 150多 is 150..159.x, not 160
    return None


@dataclass(frozen=True)
class _Outcome:
    check: Check
    reason: str


class _Source:
    """The source mentions, indexed for the two questions verify asks: "what lies in this span?" and "is this
    value anywhere?"."""

    def __init__(self, mentions: Sequence[NumberMention], *, ordered: bool = False) -> None:
        """``ordered``: ``mentions`` are already in source order (a part of an index is)."""
        self.mentions = list(mentions) if ordered else sorted(mentions, key=lambda m: m.start)
        self.ends = [m.end for m in self.mentions]

    @cached_property
    def _by_kind(self) -> tuple[dict[Decimal, list[NumberMention]], list[NumberMention], list[NumberMention]]:
        """(by value, redacted, with a value), built when a check first asks: Decimal keys hash slowly, and a
        source no check reads (a summary without figures) need not pay for them."""
        by_value: dict[Decimal, list[NumberMention]] = {}
        redacted: list[NumberMention] = []
        valued: list[NumberMention] = []
        for m in self.mentions:
            if m.redacted or m.scaled is None:
                redacted.append(m)
                continue
            by_value.setdefault(m.scaled, []).append(m)
            if m.high is not None:
                by_value.setdefault(m.high, []).append(m)
            valued.append(m)
        return by_value, redacted, valued

    @property
    def redacted(self) -> list[NumberMention]:
        return self._by_kind[1]

    @property
    def approx_free(self) -> list[NumberMention]:
        """The mentions with a value (the name is the one ``check_free`` reads them under)."""
        return self._by_kind[2]

    def in_span(self, start: int, end: int) -> list[NumberMention]:
        """Mentions inside or overlapping [start, end)."""
        out = []
        i = bisect_right(self.ends, start)
        while i < len(self.mentions) and self.mentions[i].start < end:
            if self.mentions[i].end > start:
                out.append(self.mentions[i])
            i += 1
        return out

    def with_value(self, value: Decimal) -> list[NumberMention]:
        return self._by_kind[0].get(value, [])

    def part(self, start: int, end: int) -> _Source:
        """The mentions of one section of the source; the whole source when the span is empty or unknown."""
        if end <= start:
            return self
        return _SourcePart(self, start, end)


class _SourcePart(_Source):
    """The mentions inside or overlapping [start, end) of a source, read through the source's own index: a part
    is made for every section a summary has, and indexing each anew hashed every figure again."""

    def __init__(self, whole: _Source, start: int, end: int) -> None:
        super().__init__(whole.in_span(start, end), ordered=True)
        self._whole, self._start, self._end = whole, start, end

    @cached_property
    def _by_kind(self) -> tuple[dict[Decimal, list[NumberMention]], list[NumberMention], list[NumberMention]]:
        # From the part's own mentions (those of the whole overlapping the span, in source order): filtering the
        # whole source's lists again for every section cost a pass over every figure of the report each time.
        redacted = [m for m in self.mentions if m.redacted or m.scaled is None]
        valued = [m for m in self.mentions if not (m.redacted or m.scaled is None)]
        return {}, redacted, valued

    def with_value(self, value: Decimal) -> list[NumberMention]:
        # Through the whole source's index, then bisected to the span: a value's list is in source order, ends
        # too, as ``in_span`` relies on (a year or a 1 can stand hundreds of times in a report, and filtering
        # such a list for every question was a sixth of verification).
        found = self._whole.with_value(value)
        lo = bisect_right(found, self._start, key=attrgetter("end"))
        hi = bisect_left(found, self._end, lo, key=attrgetter("start"))
        return [m for m in found[lo:hi] if m.end > self._start]


# --------------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------------


def metric_quantity(metric: Metric) -> NumberMention | None:
    """The metric's figure read like a source mention: value and unit together (``30.95亿`` + ``元``)."""
    if metric.value is None:
        return None
    value, unit = metric.value.strip(), metric.unit.strip()
    joined = value if not unit or value.endswith(unit) else value + unit
    q = parse_number(joined)
    if q is not None and (q.unit or not unit):
        return q
    # The unit is not one the grammar knows (or is missing from the parse): read the value alone and fold a
    # scale word leading the unit (万kWh) into the figure.
    q = parse_number(value)
    if q is None or q.scaled is None:
        return q
    mult = 1
    while unit and unit[0] in _SCALE_CHARS:
        mult *= _SCALE_CHARS[unit[0]]
        unit = unit[1:]
    return replace(q, scaled=q.scaled * mult, unit=fold_unit(unit) if unit else q.unit)


def _number_agrees(metric: Metric, q: NumberMention) -> bool:
    if metric.number is None or q.scaled is None:
        return True  # nothing claimed beyond the value itself
    if math.isclose(metric.number, float(q.scaled), rel_tol=1e-9, abs_tol=1e-9):
        return True
    # A scale word left in the unit ("750" + "万元"): the number may have been computed from the value alone.
    if metric.value is not None and metric.unit.strip()[:1] in _SCALE_CHARS:
        alone = parse_number(metric.value)
        if alone is not None and alone.scaled is not None:
            return math.isclose(metric.number, float(alone.scaled), rel_tol=1e-9, abs_tol=1e-9)
    return False


def _show(m: NumberMention) -> str:
    return f"「{m.text}」"


class _MetricCase:
    """What the metric rules read about one metric: its evidence's mentions and its figure, each computed
    once, when a rule first asks."""

    def __init__(self, metric: Metric, source: _Source, context: _TextContext | None = None) -> None:
        self.metric = metric
        self.source = source
        self.context = context
        ev = metric.evidence
        self.local = source.in_span(ev.start, ev.end)
        self.redacted_here = [m for m in self.local if m.redacted]

    @cached_property
    def claims_redacted(self) -> bool:
        value = self.metric.value
        return self.metric.redacted or value is None or REDACTION_RE.fullmatch(value.strip()) is not None

    @cached_property
    def marks_with_scale(self) -> str | None:
        """A redacted value written with its scale word ("xxx万", spaces dropped); None for bare marks."""
        value = self.metric.value
        if value is None or REDACTION_RE.fullmatch(value.strip()) is not None:
            return None
        return "".join(value.split())

    @cached_property
    def redacted_compatible(self) -> list[NumberMention]:
        """Redacted evidence mentions with the metric's unit."""
        return [r for r in self.redacted_here if self.compatible(r, self.unit_probe)]

    @cached_property
    def unit_probe(self) -> NumberMention:
        """The metric's unit as a mention, for comparing with redacted source mentions. A redacted amount
        keeps its scale word in the unit ("xx万元"): compared without it, as the source mention does (its 万
        went into the figure, which is redacted anyway)."""
        unit = self.metric.unit.strip()
        while len(unit) > 1 and unit[0] in _SCALE_CHARS:
            unit = unit[1:]
        return NumberMention("", 0, 0, None, None, fold_unit(unit), "count", None, True)

    @cached_property
    def quantity(self) -> NumberMention | None:
        return metric_quantity(self.metric)

    @property
    def q(self) -> NumberMention:
        """The quantity, once ``_not_a_number`` has ruled out its absence."""
        assert self.quantity is not None and self.quantity.scaled is not None
        return self.quantity

    @property
    def figure(self) -> Decimal:
        """The quantity's normalised value (scale word applied)."""
        assert self.q.scaled is not None
        return self.q.scaled

    @cached_property
    def same(self) -> list[NumberMention]:
        """Evidence mentions with the metric's figure."""
        return [m for m in self.local if not m.redacted and _same_figure(m, self.q)]

    @cached_property
    def same_digits(self) -> list[NumberMention]:
        """Evidence mentions with the metric's digits, whatever their scale."""
        return [m for m in self.local if not m.redacted and m.value == self.q.value]

    def compatible(self, a: NumberMention, b: NumberMention) -> bool:
        return units_compatible(a, b, ordinals_apart=False)

    @cached_property
    def match(self) -> NumberMention | None:
        """The evidence mention the metric's figure is (the first with a compatible unit)."""
        return next((m for m in self.same if self.compatible(m, self.q)), None)

    @cached_property
    def bindings_here(self) -> list[Binding]:
        """What each figure of the evidence measures, read over its whole sentence (``binding.bind``)."""
        if self.context is None:
            return []
        ev = self.metric.evidence
        return [b for b in self.context.bindings(ev.start, ev.end) if ev.start <= b.mention.start < ev.end]


class _TextContext:
    """The cleaned source text, for the rules that read a figure's sentence (binding, period); bindings are
    computed once per sentence span and shared by every metric quoting it."""

    def __init__(
        self, text: str, mentions: Sequence[NumberMention], outline: Outline | None, report: Period | None
    ) -> None:
        self.text = text
        self.mentions = sorted(mentions, key=lambda m: m.start)
        self._starts = [m.start for m in self.mentions]
        self.outline = outline
        self.report = report
        self._bound: dict[tuple[int, int], list[Binding]] = {}
        # Sentence ends found once: looking each up from the metric's position would rescan the text per
        # metric (a character the text never uses is searched to its start), quadratic in a long report.
        self._ends = [m.start() for m in _SENTENCE_END_RE.finditer(text)]

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        i = bisect_left(self._ends, start)
        lo = self._ends[i - 1] + 1 if i > 0 else 0
        j = bisect_left(self._ends, end)
        return lo, self._ends[j] if j < len(self._ends) else len(self.text)

    def starting_in(self, start: int, end: int) -> list[NumberMention]:
        """The mentions that start in [start, end): those whose bindings ``bindings`` gives for the span."""
        return self.mentions[bisect_left(self._starts, start) : bisect_left(self._starts, end)]

    def bindings(self, start: int, end: int) -> list[Binding]:
        span = self.sentence(start, end)
        if span not in self._bound:
            self._bound[span] = _bind_span(self.text, self.starting_in(*span), *span)
        return self._bound[span]


def _bind_span(text: str, inside: Sequence[NumberMention], lo: int, hi: int) -> list[Binding]:
    """``bind(text, inside, lo, hi)`` read as the sentence alone (``binding.bind_alone``), so the grounding
    validator's binding of the same sentence, in a chunk, is reused; shifted back to the text's offsets."""
    if any(m.end > hi for m in inside):  # a figure running past the sentence's end: bound in place
        return bind(text, inside, lo, hi)
    own = {_evolve(m, start=m.start - lo, end=m.end - lo): m for m in inside}
    return [
        _evolve(b, mention=own[b.mention], subject_start=b.subject_start + lo if b.subject_start >= 0 else -1)
        for b in bind_alone(text[lo:hi], tuple(own))
    ]


_D = TypeVar("_D")


def _evolve(obj: _D, **changes: Any) -> _D:
    """``dataclasses.replace`` for the plain frozen dataclasses shifted here (``NumberMention``, ``Binding``:
    no slots, no ``__post_init__``, no init-only fields): the instance's fields copied, then the changes.
    ``replace`` rebuilds the instance through ``__init__``, reading every field's metadata on the way, ~10x the
    cost; verification shifts ~130 mentions and bindings per document."""
    new = object.__new__(type(obj))
    fields = new.__dict__
    fields.update(obj.__dict__)
    fields.update(changes)
    return new


_SENTENCE_END_RE = re.compile(r"[。！？!?；;\n]")
AMBIGUOUS_NAME_MATCH = 0.8


MetricRule = Callable[[_MetricCase], "_Outcome | None"]


# A metric that says its figure is redacted (value None, its marks, or its marks with a scale word).


def _marks_and_scale_here_too(c: _MetricCase) -> _Outcome | None:
    """Marks with a scale word ("xxx万"): the source must write those marks with that scale."""
    if c.marks_with_scale is not None and any(written_marks(r) == c.marks_with_scale for r in c.redacted_compatible):
        return _Outcome("verified", f"source is redacted here too: {_show(c.redacted_compatible[0])}")
    return None


def _other_marks_or_scale(c: _MetricCase) -> _Outcome | None:
    if c.marks_with_scale is not None and c.redacted_compatible:
        return _Outcome("not_in_source", f"source redacts {_show(c.redacted_compatible[0])}, not {c.metric.value}")
    return None


def _redacted_here_too(c: _MetricCase) -> _Outcome | None:
    if c.marks_with_scale is None and c.redacted_compatible:
        return _Outcome("verified", f"source is redacted here too: {_show(c.redacted_compatible[0])}")
    return None


def _redacts_another_unit(c: _MetricCase) -> _Outcome | None:
    if c.redacted_here:
        return _Outcome("unit_mismatch", f"source redacts {_show(c.redacted_here[0])}, another unit")
    return None


def _no_redaction_in_evidence(c: _MetricCase) -> _Outcome | None:
    return _Outcome("not_in_source", "metric says redacted, but its evidence holds no redacted figure")


# A metric that gives a figure.


def _not_a_number(c: _MetricCase) -> _Outcome | None:
    if c.quantity is None or c.quantity.scaled is None:
        return _Outcome("not_in_source", f"value {c.metric.value!r} is not a number")
    return None


def _number_disagrees_with_value(c: _MetricCase) -> _Outcome | None:
    if not _number_agrees(c.metric, c.q):
        return _Outcome("not_in_source", f"number {c.metric.number!r} disagrees with value {c.metric.value!r}")
    return None


def _figure_of_another_indicator(c: _MetricCase) -> _Outcome | None:
    """The figure is in the evidence, but the text binds it to another indicator than the metric's name,
    and the name is clearly another figure's of the same evidence (城乡…分别37820元、28104元; an amount
    given a growth rate's name)."""
    if c.match is None or c.context is None:
        return None
    ev = c.metric.evidence
    if not has_rival(c.context.starting_in(ev.start, ev.end)):
        return None  # no other figure in the evidence to take this one for: its sentence need not be bound
    own = next((b for b in c.bindings_here if b.mention.start == c.match.start), None)
    if own is None:
        return None
    other = misattribution(c.metric.name, own, c.bindings_here)
    if other is not None:
        return _Outcome("misattributed", f"{_show(c.match)} is {own.name} here; {other.name} is {_show(other.mention)}")
    rivals = [b for b in c.bindings_here if b is not own and not b.junk and units_compatible(b.mention, c.match)]
    # The text leaves it open; the metric is only believed when its name is the reading the words allow.
    if own.ambiguous and rivals and name_similarity(c.metric.name, own.name) < AMBIGUOUS_NAME_MATCH:
        return _Outcome("ambiguous", f"the text does not say which indicator {_show(c.match)} belongs to")
    return None


def _figure_in_evidence(c: _MetricCase) -> _Outcome | None:
    for m in c.same:
        if c.compatible(m, c.q):
            return _Outcome("verified", f"matches {_show(m)} in the evidence")
    return None


def _evidence_redacts_it(c: _MetricCase) -> _Outcome | None:
    compatible_red = [r for r in c.redacted_here if c.compatible(r, c.q)]
    if compatible_red:
        return _Outcome("redacted_in_source", f"source says {_show(compatible_red[0])} here: figure not given")
    return None


def _figure_with_another_unit(c: _MetricCase) -> _Outcome | None:
    if c.same:
        return _Outcome("unit_mismatch", f"evidence has {_show(c.same[0])}, not unit {c.q.unit or 'none'!r}")
    return None


def _digits_with_another_unit(c: _MetricCase) -> _Outcome | None:
    for m in c.same_digits:
        if not c.compatible(m, c.q):
            return _Outcome("unit_mismatch", f"evidence has {_show(m)}, not unit {c.q.unit or 'none'!r}")
    return None


def _evidence_redacts_another_unit(c: _MetricCase) -> _Outcome | None:
    if c.redacted_here:
        return _Outcome("redacted_in_source", f"source says {_show(c.redacted_here[0])} here: figure not given")
    return None


def _scale_differs(c: _MetricCase) -> _Outcome | None:
    if c.same_digits:
        return _Outcome("not_in_source", f"scale differs: evidence says {_show(c.same_digits[0])}")
    return None


def _elsewhere_in_source(c: _MetricCase) -> _Outcome | None:
    elsewhere = [m for m in c.source.with_value(c.figure) if c.compatible(m, c.q)]
    if elsewhere:
        return _Outcome("not_in_source", f"{_show(elsewhere[0])} is in the source, but outside this metric's evidence")
    return None


def _not_in_evidence(c: _MetricCase) -> _Outcome | None:
    return _Outcome("not_in_source", f"{c.q.text or c.metric.value!r} is not in its evidence")


# The rules, in order: the first that gives an outcome decides (the module docstring says them in words).
REDACTED_METRIC_RULES: tuple[MetricRule, ...] = (
    _marks_and_scale_here_too,
    _other_marks_or_scale,
    _redacted_here_too,
    _redacts_another_unit,
    _no_redaction_in_evidence,
)
FIGURE_METRIC_RULES: tuple[MetricRule, ...] = (
    _not_a_number,
    _number_disagrees_with_value,
    _figure_of_another_indicator,
    _figure_in_evidence,
    _evidence_redacts_it,
    _figure_with_another_unit,
    _digits_with_another_unit,
    _evidence_redacts_another_unit,
    _scale_differs,
    _elsewhere_in_source,
    _not_in_evidence,
)


def check_metric(metric: Metric, source: _Source, context: _TextContext | None = None) -> _Outcome:
    case = _MetricCase(metric, source, context)
    rules = REDACTED_METRIC_RULES if case.claims_redacted else FIGURE_METRIC_RULES
    for rule in rules:
        outcome = rule(case)
        if outcome is not None:
            if outcome.check == "verified" and context is not None:
                return _period_outcome(case, context) or outcome
            return outcome
    raise AssertionError("unreachable: the last rule always decides")  # pragma: no cover


_BASE_YEAR_RE = re.compile(r"(?:比|较|与|同)\s*((?:19|20)\d\d)\s*年")


def _period_outcome(c: _MetricCase, context: _TextContext) -> _Outcome | None:
    """A verified figure whose period is not the one its text gives it: the same reading merge dates every
    figure with (``periods.metric_period``: its clause, its paragraph's opener, the headings above it, the
    report's period), so a summary written by the pipeline always agrees, and a period changed afterwards
    (a comparison base year, one year for a five-year total) does not."""
    m = c.metric
    if context.outline is None or m.period_start is None or m.period_end is None:
        return None
    expected = metric_period(context.text, context.outline, m, context.report)
    if expected is None or (expected.start, expected.end) == (m.period_start, m.period_end):
        return None
    claimed = m.period or f"{m.period_start}—{m.period_end}"
    why = ""
    if claimed[:4].isdigit() and int(claimed[:4]) in {int(y) for y in _BASE_YEAR_RE.findall(m.evidence.quote)}:
        why = f"; {claimed} is the year it is compared with"
    elif expected.first_year != expected.last_year and m.period_start[:4] == m.period_end[:4]:
        why = "; a figure over several years given one year"
    return _Outcome("wrong_period", f"its text dates it {expected.text}, not {claimed}{why}")


# --------------------------------------------------------------------------------------------------
# Free text
# --------------------------------------------------------------------------------------------------


def is_checkable(m: NumberMention) -> bool:
    """Whether a number in free text states a fact worth checking (see module doc)."""
    if m.kind == "ordinal" and m.value is not None and m.value <= 1:
        return False
    small_word = m.numeral == "chinese" and m.kind in ("count", "other") and m.scaled is not None
    return not (small_word and m.scaled is not None and m.scaled <= 10)


def check_free(claim: NumberMention, source: _Source) -> _Outcome:
    if claim.redacted:
        if any(units_compatible(r, claim) for r in source.redacted):
            return _Outcome("verified", "the source is redacted with this unit too")
        return _Outcome("not_in_source", "no redacted figure with this unit in the source")
    assert claim.scaled is not None
    # Lazily: a value as common as the year is mentioned hundreds of times, and the first match decides.
    same = (m for m in source.with_value(claim.scaled) if units_compatible(m, claim))
    if claim.high is not None:
        if any(m.high == claim.high for m in same) or (
            any(units_compatible(m, claim) for m in source.with_value(claim.scaled))
            and any(units_compatible(m, claim) for m in source.with_value(claim.high))
        ):
            return _Outcome("verified", "both ends of the range are in the source")
    else:
        first = next(same, None)
        if first is not None:
            return _Outcome("verified", f"matches {_show(first)}")
    window = _approx_window(claim)
    if window is not None:
        lo, hi = window
        for m in source.approx_free:
            ends: Iterable[Decimal | None] = (m.scaled, m.high)
            if units_compatible(m, claim) and any(v is not None and lo <= v <= hi for v in ends):
                return _Outcome("verified", f"{claim.approx} matches {_show(m)}")
    if any(not units_compatible(m, claim) for m in source.with_value(claim.scaled)):
        other = next(m for m in source.with_value(claim.scaled) if not units_compatible(m, claim))
        return _Outcome("unit_mismatch", f"the source has {_show(other)}, another unit")
    return _Outcome("not_in_source", "no such number in the source")


def _check_text(
    text: str, field: str, source: _Source, scope: _Source, failures: list[VerificationFailure]
) -> tuple[int, int]:
    """(checked, verified) for one text field; failures appended. Quantities must come from ``scope`` (the
    section the text summarises); years, dates and ordinals are context and may come from anywhere."""
    checked = verified = 0
    for claim in find_numbers(text):
        if not is_checkable(claim):
            continue
        checked += 1
        if claim.kind in _CONTEXT_KINDS or scope is source:
            outcome = check_free(claim, source)
        else:
            outcome = check_free(claim, scope)
            if outcome.check != "verified" and check_free(claim, source).check == "verified":
                outcome = _Outcome("not_in_source", "in the source, but not in the section this text summarises")
        if outcome.check == "verified":
            verified += 1
        else:
            failures.append(
                VerificationFailure(field=field, text=claim.text, check=outcome.check, reason=outcome.reason)
            )
    return checked, verified


# --------------------------------------------------------------------------------------------------
# The summary
# --------------------------------------------------------------------------------------------------


def _writable_copy(summary: ReportSummary) -> ReportSummary:
    """Copies of what verify writes (metrics, sections, items: shallow, since only their own fields are
    set); the rest is shared with ``summary``, which is never modified. A deep copy of the whole summary
    was a third of verify's time."""
    return summary.model_copy(
        update={
            "metrics": [m.model_copy() for m in summary.metrics],
            "sections": [
                s.model_copy(update={"items": [item.model_copy() for item in s.items]}) for s in summary.sections
            ],
        }
    )


def _check_metrics(
    metrics: Sequence[Metric], source: _Source, context: _TextContext | None, failures: list[VerificationFailure]
) -> tuple[int, int]:
    """(checked, verified) over the metrics, each given its ``check`` and ``check_reason``; failures appended."""
    verified = 0
    for i, metric in enumerate(metrics):
        outcome = check_metric(metric, source, context)
        metric.check = outcome.check
        metric.check_reason = outcome.reason
        if outcome.check == "verified":
            verified += 1
        else:
            shown = "xx" if metric.value is None else f"{metric.value}{metric.unit}"
            failures.append(
                VerificationFailure(field=f"metrics[{i}]", text=shown, check=outcome.check, reason=outcome.reason)
            )
    return len(metrics), verified


def _check_prose(out: ReportSummary, source: _Source, failures: list[VerificationFailure]) -> tuple[int, int]:
    """(checked, verified) over the numbers of the overview and of each section's summary and items (an item
    with a failed number is ``flagged``); a section's quantities must come from the section itself."""
    checked, verified = _check_text(out.overview, "overview", source, source, failures)
    for si, section in enumerate(out.sections):
        scope = source.part(section.start, section.end)
        c, v = _check_text(section.summary, f"sections[{si}].summary", source, scope, failures)
        checked, verified = checked + c, verified + v
        for ii, item in enumerate(section.items):
            before = len(failures)
            c, v = _check_text(item.text, f"sections[{si}].items[{ii}].text", source, scope, failures)
            checked, verified = checked + c, verified + v
            item.flagged = len(failures) > before
    return checked, verified


def verify(
    summary: ReportSummary,
    mentions: Sequence[NumberMention],
    *,
    text: str | None = None,
    outline: Outline | None = None,
    drop_unverified: bool = False,
) -> ReportSummary:
    """A copy of ``summary`` with every metric's ``check``/``check_reason``, items with ungrounded numbers
    ``flagged``, and ``verification`` filled. ``mentions`` are ``find_numbers(clean_text)`` of the source.

    With ``drop_unverified`` the failed metrics (and their ids in items) and the flagged items are removed;
    ``verification`` still counts and lists them, with field paths into the summary as it was given.
    Pure: no I/O, the input is not modified.
    """
    out = _writable_copy(summary)
    source = _Source(mentions)
    report = Period(out.period or "", out.period_start, out.period_end) if out.period_start and out.period_end else None
    context = _TextContext(text, mentions, outline, report) if text is not None else None
    failures: list[VerificationFailure] = []
    checked, verified = _check_metrics(out.metrics, source, context, failures)
    c, v = _check_prose(out, source, failures)
    checked, verified = checked + c, verified + v
    failed_ids = {m.id for m in out.metrics if m.check != "verified"}

    # A highlight is a key fact shown first: only a verified figure is one. A place freed here (a model proposed a
    # figure verification fails) goes to the next verified figure of the deterministic choice
    # (``highlights.fill_highlights``, which changes nothing on the offline backend's own choice).
    verified_ids = {m.id for m in out.metrics if m.check == "verified"}
    kept = [mid for mid in out.highlights if mid in verified_ids]
    if len(kept) < len(out.highlights) and text is not None and outline is not None:
        kept = fill_highlights(kept, out.metrics, text, outline, verified_only=True)
    out.highlights = kept
    if drop_unverified:
        out.metrics = [m for m in out.metrics if m.check == "verified"]
        for section in out.sections:
            section.items = [item for item in section.items if not item.flagged]
            for item in section.items:
                item.metrics = [mid for mid in item.metrics if mid not in failed_ids]

    out.verification = Verification(
        numbers_checked=checked,
        verified=verified,
        failed=checked - verified,
        grounded_share=verified / checked if checked else 1.0,
        failures=failures,
    )
    return out
