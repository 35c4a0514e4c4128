"""Verifier accuracy (issue 6, part 4): perturb the metrics of known-good summaries, count what is caught.

    python bench/bench_verify.py                 # every summary source found, all perturbation types
    python bench/bench_verify.py --show 20       # also list up to 20 missed perturbations and false flags

Summaries, per report of ``tests/data``, whichever exist: ``golden/<doc>.json`` (golden replay summaries),
``golden/<doc>.offline.json``, and, when there is no ``golden/<doc>.offline.json``, a fresh run of the offline
backend (``Summarizer(backend="offline").run(path).summary``). Each is checked with
``summarizer.verify.verify(summary, analysis.mentions)``, where ``analysis`` is the report as the pipeline
reads it today.

Only metrics the verifier accepts unperturbed are perturbed (a perturbation of an already failing metric
proves nothing). A perturbation changes ``value`` and recomputes ``number`` the way ``merge`` does
(``merge.figure_number``), so value and number stay consistent and only the evidence can give it away. It is
*caught* when the perturbed metric's ``check`` is not ``verified``. A perturbation whose new figure is in the
metric's own evidence with a compatible unit (``3家`` -> ``4家`` where the quote also says ``4家``) cannot be
told from a correct metric by anyone; it is not generated, and the count of those is printed per type.

Types (what a model gets wrong when it copies numbers):

* ``digit``: one digit changed: the last significant digit, and the first (Chinese numerals: one numeral);
* ``decimal``: the decimal point moved one place right and one place left;
* ``wan_yi``: 万 <-> 亿 swapped (values with a scale word only);
* ``scale_added``: a 万 added to a figure without a scale word (not to percentages);
* ``pct_to_count``: a percentage (or 百分点) turned into a count (unit 项, and 个);
* ``fill_redacted``: a redacted ``xx`` metric given a figure (3 figures each);
* ``moved``: the figure of another metric of the same report put in this metric's evidence (same unit
  where possible).

What the types above never generate (issue 12), each read off the metric's own sentence with ``binding``:

* ``swap_evidence``: the figure of another indicator *in the same evidence* (城乡…分别37820元、28104元: the
  rural name given the urban figure), same unit family. Generated only where the metric's name is its own
  figure's reading (name similarity to its binding >= 0.8) and the other figure's binding names another
  indicator; a metric whose name does not tell its figure from the other's cannot be caught by anyone.
* ``amount_growth``: an amount given the rate bound to the same subject beside it, or the rate given the
  amount ("完成235.2亿元，同比增长18.5%").
* ``base_year``: the period set to the year the figure is compared with (比2010年增加…).
* ``span_year``: a figure over several years (a five-year total, a 年均 rate) given its last year.

Corpus: every report of ``tests/data`` and of ``tests/data/national`` (the national reports have no goldens:
their offline summaries are made fresh). Verification runs as the pipeline runs it, with the source text and
outline (``verify(summary, mentions, text=, outline=)``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, corpus, machine_line

from summarizer import Summarizer
from summarizer.analysis import Analysis, analyze
from summarizer.binding import Binding, bind, name_similarity
from summarizer.load import load_path
from summarizer.merge import figure_number
from summarizer.models import Metric, ReportSummary
from summarizer.numbers import PERCENT_UNITS, NumberMention, fold_unit
from summarizer.verify import metric_quantity, units_compatible, verify

GOLDEN = ROOT / "golden"
TYPES = (
    "digit",
    "decimal",
    "wan_yi",
    "scale_added",
    "pct_to_count",
    "fill_redacted",
    "moved",
    "swap_evidence",
    "amount_growth",
    "base_year",
    "span_year",
)
_ARABIC = re.compile(r"^(\d+(?:\.\d+)?)(.*)$")
_CN_NUMERALS = "一二两三四五六七八九"
_FILLS = ("12", "3.5", "1.2万")
CONTEXT_TYPES = frozenset({"swap_evidence", "amount_growth", "base_year", "span_year"})
MOVED_TRIES = 12  # donors tried, the next metrics of the report first (same unit first)


# --------------------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------------------


def summaries() -> list[tuple[str, str, ReportSummary, Analysis]]:
    """(document, source label, summary, the report as the pipeline reads it today) for every summary."""
    out = []
    with Summarizer(backend="offline") as offline:
        for path in corpus() + sorted((ROOT / "tests" / "data" / "national").glob("*.txt")):
            analysis = analyze(load_path(path))
            found = []
            for label, file in (
                ("golden", GOLDEN / f"{path.stem}.json"),
                ("golden.offline", GOLDEN / f"{path.stem}.offline.json"),
            ):
                if file.is_file() and path.parent.name != "national":
                    found.append((label, ReportSummary.model_validate_json(file.read_text(encoding="utf-8"))))
            if not found or not (GOLDEN / f"{path.stem}.offline.json").is_file():
                found.append(("offline", offline.run(path).summary))
            for label, summary in found:
                out.append((path.stem, label, summary, analysis))
    return out


def checked(summary: ReportSummary, analysis: Analysis) -> ReportSummary:
    return verify(summary, analysis.mentions, text=analysis.clean.text, outline=analysis.outline)


# --------------------------------------------------------------------------------------------------
# Perturbations
# --------------------------------------------------------------------------------------------------


def _with(metric: Metric, value: str | None, unit: str | None = None) -> Metric:
    unit = metric.unit if unit is None else unit
    return metric.model_copy(
        update={
            "value": value,
            "unit": unit,
            "number": figure_number(value, unit),
            "redacted": value is None,
            "check": "unchecked",
            "check_reason": None,
        }
    )


def _digit_variants(value: str) -> list[str]:
    m = _ARABIC.match(value)
    if m is None:  # Chinese numerals: change one numeral
        at = next((i for i, ch in enumerate(value) if ch in _CN_NUMERALS), None)
        if at is None:
            return []
        return [value[:at] + c + value[at + 1 :] for c in "三五七九二" if c != value[at]][:3]
    digits, rest = m.groups()
    positions = [i for i, ch in enumerate(digits) if ch.isdigit()]
    significant = [i for i in positions if digits[i] != "0"] or positions
    out = []
    for pos in dict.fromkeys([significant[-1], significant[0]]):  # last significant digit, then the first
        for step in range(1, 10):  # the first replacement that is not a collision is kept by the caller
            new = digits[:pos] + str((int(digits[pos]) + step) % 10) + digits[pos + 1 :]
            if new.lstrip("0") == "" or (new[0] == "0" and len(new) > 1 and new[1] != "."):
                continue
            out.append(f"{pos}:{new}{rest}")
    return out


def _decimal_variants(value: str) -> list[str]:
    m = _ARABIC.match(value)
    if m is None:
        return []
    digits, rest = m.groups()
    whole, _, frac = digits.partition(".")
    raw = whole + frac
    point = len(whole)
    out = []
    for p in (point + 1, point - 1):  # right (x10), left (/10)
        if p <= 0:
            continue
        moved = raw[:p] + ("." + raw[p:] if p < len(raw) else "0" * (p - len(raw)))
        moved = moved.lstrip("0") or "0"
        if moved.startswith("."):
            moved = "0" + moved
        if Decimal(moved) != 0:
            out.append(moved + rest)
    return out


def perturbations(metric: Metric, others: list[Metric]) -> list[tuple[str, Metric]]:
    """Every perturbation of one verified metric, as (type, perturbed metric); collisions not yet removed."""
    out: list[tuple[str, Metric]] = []
    value = metric.value
    if value is None:
        out += [("fill_redacted", _with(metric, f)) for f in _FILLS]
        return out
    by_pos: dict[str, list[str]] = defaultdict(list)
    for v in _digit_variants(value):
        pos, _, new = v.partition(":") if ":" in v else ("cn", "", v)
        by_pos[pos].append(new)
    for pos, candidates in by_pos.items():
        out += [(f"digit#{pos}", _with(metric, c)) for c in candidates]
    out += [("decimal", _with(metric, v)) for v in _decimal_variants(value)]
    if "亿" in value or "万" in value:
        swapped = (
            value.replace("万亿", "亿")
            if "万亿" in value
            else (value.replace("亿", "万") if "亿" in value else value.replace("万", "亿"))
        )
        out.append(("wan_yi", _with(metric, swapped)))
    elif metric.unit[:1] in ("万", "亿"):
        unit = ("亿" if metric.unit[0] == "万" else "万") + metric.unit[1:]
        out.append(("wan_yi", _with(metric, value, unit)))
    elif _ARABIC.match(value) and not any(c in value for c in "千百") and fold_unit(metric.unit) not in PERCENT_UNITS:
        out.append(("scale_added", _with(metric, value + "万")))
    if fold_unit(metric.unit) in PERCENT_UNITS:
        out += [("pct_to_count", _with(metric, value, u)) for u in ("项", "个")]
    q = metric_quantity(metric)
    at = next((i for i, o in enumerate(others) if o.id == metric.id), 0)
    donors = [o for o in others[at + 1 :] + others[:at] if o.value is not None and o.id != metric.id]
    same_unit = [o for o in donors if fold_unit(o.unit) == fold_unit(metric.unit)]
    for o in (same_unit + [o for o in donors if o not in same_unit])[:MOVED_TRIES]:
        oq = metric_quantity(o)
        if oq is not None and q is not None and oq.scaled != q.scaled:
            out.append(("moved", _with(metric, o.value, o.unit)))
    return out


_BASE_YEAR = re.compile(r"(?:比|较|与)\s*((?:19|20)\d\d)\s*年")
NAME_IS_ITS_READING = 0.8


def _bindings_here(metric: Metric, analysis: Analysis) -> list[Binding]:
    text, ev = analysis.clean.text, metric.evidence
    lo = max((text.rfind(ch, 0, ev.start) for ch in "。！？!?；;\n"), default=-1) + 1
    ends = [i for i in (text.find(ch, ev.end) for ch in "。！？!?；;\n") if i >= 0]
    sentence = bind(text, analysis.mentions, lo, min(ends) if ends else len(text))
    return [b for b in sentence if ev.start <= b.mention.start < ev.end and not b.junk and b.name]


def _written(m: NumberMention) -> tuple[str, str]:
    """A source mention as a metric's value and unit (approximation words left out)."""
    text = m.text.replace(m.approx, "", 1) if m.approx else m.text
    unit = m.unit if text.endswith(m.unit) else ""
    value = text[: len(text) - len(unit)] if unit else text
    return value, unit or m.unit


def _with_period(metric: Metric, first: int, last: int) -> Metric:
    label = f"{first}年" if first == last else f"{first}—{last}年"
    return metric.model_copy(
        update={"period": label, "period_start": f"{first}-01", "period_end": f"{last}-12", "check": "unchecked"}
    )


def context_perturbations(metric: Metric, analysis: Analysis) -> list[tuple[str, Metric]]:
    """The issue-12 types (module doc): read off the metric's own sentence."""
    out: list[tuple[str, Metric]] = []
    if metric.value is None or metric.redacted:
        return out
    here = _bindings_here(metric, analysis)
    q = metric_quantity(metric)
    own = next(
        (b for b in here if q is not None and b.mention.scaled == q.scaled and units_compatible(b.mention, q)), None
    )
    if own is not None and name_similarity(metric.name, own.name) >= NAME_IS_ITS_READING:
        rate = fold_unit(own.mention.unit) in PERCENT_UNITS
        for b in here:
            if b is own or b.name == own.name or b.mention.scaled == own.mention.scaled or b.mention.redacted:
                continue
            value, unit = _written(b.mention)
            if units_compatible(b.mention, own.mention, ordinals_apart=False):
                out.append(("swap_evidence", _with(metric, value, unit)))
            elif (fold_unit(b.mention.unit) in PERCENT_UNITS) != rate and b.subject == own.subject:
                out.append(("amount_growth", _with(metric, value, unit)))
    if metric.period_start and metric.period_end:
        first, last = int(metric.period_start[:4]), int(metric.period_end[:4])
        bases = {int(y) for y in _BASE_YEAR.findall(metric.evidence.quote)} - {first}
        out += [("base_year", _with_period(metric, y, y)) for y in sorted(bases)[:1]]
        if first != last:
            out.append(("span_year", _with_period(metric, last, last)))
    return out


def in_evidence(metric: Metric, mentions: list[NumberMention]) -> list[NumberMention]:
    ev = metric.evidence
    return [m for m in mentions if m.end > ev.start and m.start < ev.end]


def indistinguishable(perturbed: Metric, local: list[NumberMention]) -> bool:
    """The perturbed figure is in the metric's own evidence with a compatible unit: nothing to catch."""
    q = metric_quantity(perturbed)
    if perturbed.value is None or q is None or q.scaled is None:
        return False
    return any(
        not m.redacted and (m.scaled == q.scaled or m.high == q.scaled) and units_compatible(m, q, ordinals_apart=False)
        for m in local
    )


# --------------------------------------------------------------------------------------------------
# Run
# --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=10, help="list up to N misses and N false flags")
    args = parser.parse_args(argv)
    print(machine_line())

    sources = summaries()
    used = Counter(label for _, label, *_ in sources)
    print("summaries used: " + ", ".join(f"{n} {label}" for label, n in sorted(used.items())))

    unperturbed = 0
    false_flags: list[tuple[str, str, Metric]] = []
    stale = 0
    generated: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    misses: list[tuple[str, str, Metric, Metric]] = []
    per_source: dict[str, Counter[str]] = defaultdict(Counter)

    for doc, label, summary, analysis in sources:
        mentions, clean_text = analysis.mentions, analysis.clean.text
        base = checked(summary, analysis)
        good = []
        for m in base.metrics:
            unperturbed += 1
            per_source[label]["metrics"] += 1
            if clean_text[m.evidence.start : m.evidence.end] != m.evidence.quote:
                stale += 1  # evidence offsets do not point into today's cleaned text
            if m.check != "verified":
                false_flags.append((doc, label, m))
                per_source[label]["flagged"] += 1
            else:
                good.append(m)
        batch: list[tuple[str, Metric, Metric]] = []
        for m in good:
            local = in_evidence(m, mentions)
            candidates: dict[str, list[Metric]] = defaultdict(list)
            for kind, p in perturbations(m, good):
                candidates[kind].append(p)
            for kind, p in context_perturbations(m, analysis):
                candidates[kind].append(p)
            for kind, ps in candidates.items():
                family = kind.split("#")[0]
                if family in ("digit", "moved"):
                    # Alternatives of one perturbation (another replacement digit, another donor): keep the
                    # first that is not in the evidence already.
                    ps = [next((p for p in ps if not indistinguishable(p, local)), ps[0])]
                for p in ps:
                    if family not in CONTEXT_TYPES and indistinguishable(p, local):
                        skipped[family] += 1
                        continue
                    batch.append((family, m, p.model_copy(update={"id": f"p{len(batch)}"})))
        if not batch:
            continue
        results = checked(summary.model_copy(update={"metrics": [p for _, _, p in batch]}), analysis).metrics
        for (family, original, _), result in zip(batch, results, strict=True):
            generated[family] += 1
            per_source[label]["perturbed"] += 1
            outcomes[family][result.check] += 1
            if result.check != "verified":
                caught[family] += 1
                per_source[label]["caught"] += 1
            else:
                misses.append((doc, family, original, result))

    total = sum(generated.values())
    total_caught = sum(caught.values())
    print(
        f"unperturbed metrics: {unperturbed}; flagged (false flags): {len(false_flags)} "
        f"({len(false_flags) / max(1, unperturbed):.2%}; target <= 1%)"
        + (f"; {stale} with evidence offsets stale against today's cleaned text" if stale else "")
    )
    print(f"perturbed metrics: {total}; caught: {total_caught} ({total_caught / max(1, total):.2%}; target >= 99%)")
    print()
    print(f"{'type':<15}{'generated':>10}{'caught':>8}{'rate':>9}{'not gen.':>10}   outcomes")
    for t in TYPES:
        if not generated[t] and not skipped[t]:
            continue
        rate = caught[t] / generated[t] if generated[t] else float("nan")
        shown = ", ".join(f"{k} {v}" for k, v in outcomes[t].most_common())
        print(f"{t:<15}{generated[t]:>10}{caught[t]:>8}{rate:>9.2%}{skipped[t]:>10}   {shown}")
    print("(not gen. = the perturbed figure is in the metric's own evidence with a compatible unit)")
    if len(per_source) > 1:
        print()
        for label, c in sorted(per_source.items()):
            print(
                f"{label:<16} metrics {c['metrics']}, flagged {c['flagged']}, perturbed {c['perturbed']}, "
                f"caught {c['caught']} ({c['caught'] / max(1, c['perturbed']):.2%})"
            )
    if args.show and misses:
        print()
        print(f"missed (up to {args.show}):")
        for doc, family, original, result in misses[: args.show]:
            print(
                f"  {doc} {family}: {original.name} {original.value}{original.unit} {original.period} -> "
                f"{result.value}{result.unit} {result.period} in {result.evidence.quote!r}: {result.check_reason}"
            )
    if args.show and false_flags:
        print()
        print(f"false flags (up to {args.show}):")
        for doc, label, m in false_flags[: args.show]:
            print(f"  {doc} [{label}] {m.value}{m.unit} {m.check}: {m.check_reason} in {m.evidence.quote!r}")
    print()
    print(
        json.dumps(
            {"perturbed": total, "caught": total_caught, "unperturbed": unperturbed, "false_flags": len(false_flags)},
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
