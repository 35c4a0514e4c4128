"""Cleaning on pages never seen: generated noisy report pages with ground truth (issue 11).

    python bench/bench_clean.py                       # 1,000 documents per vocabulary half, seed 11
    python bench/bench_clean.py --docs 2000 --seed 3 --show 5

Documents come from ``summarizer.testing.noise``: stretches of the clean corpus and of the national reports
dressed as scraped pages (site headers, navigation, breadcrumbs, download-site metadata, file names, page
lists, download notes, disclaimers, copyright and ICP lines, share bars, related articles, ads, page-break
markers, pinyin glosses, traditional script, full-width characters, repeated and glued titles). Scores,
trafilatura-style:

* body recall: share of the body segments (sentences and headings, 6+ characters) found in the output;
* chrome removed: share of the injected chrome items of which nothing specific survives;
* split words rejoined: share of the words, numbers and headings split by a page break that read
  contiguously again.

``dev`` draws the made-up vocabulary from one half of each list, ``holdout`` from the other half, which no
rule names. Per rule: how many removals, how many characters, and how many *false* removals (removed text
that holds body text no chrome item holds), with examples, so a false removal is traceable to its rule.
The real corpus is checked too: each golden cleaned text must come out unchanged.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.clean import Removal, clean  # noqa: E402
from summarizer.load import load_path  # noqa: E402
from summarizer.testing.noise import NoisyDoc, Score, make_corpus, norm, score_doc  # noqa: E402

TARGETS = {"body recall": 0.995, "chrome removed": 0.98, "split words rejoined": 0.98}
_GLOSS_RE = re.compile(r"\([a-zA-Z\u00c0-\u024f\u1e3e\u1e3f' ]{1,40}[1-5]?\)")
WINDOW = 8


def machine() -> str:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = "?"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{time.strftime('%Y-%m-%d %H:%M')}, commit {commit or '?'}, {cpu}, nproc={os.cpu_count()}, "
        f"load {load:.1f}, python {platform.python_version()}"
    )


class RuleStats:
    def __init__(self) -> None:
        self.removals: Counter[str] = Counter()
        self.chars: Counter[str] = Counter()
        self.false: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = defaultdict(list)
        self.kinds: dict[str, Counter[str]] = defaultdict(Counter)  # chrome kind -> rule that took it

    def add(self, doc: NoisyDoc, trace: list[Removal], show: int) -> None:
        body = norm(doc.body_text)
        chrome = norm("\n".join(c.text for c in doc.chrome) + doc.title)
        normalized = [norm(_GLOSS_RE.sub("", r.text)) for r in trace]
        for r, text in zip(trace, normalized, strict=True):
            self.removals[r.rule] += 1
            self.chars[r.rule] += len(r.text)
            windows = [text[i : i + WINDOW] for i in range(0, max(1, len(text) - WINDOW + 1), WINDOW // 2)]
            if any(len(w) == WINDOW and w in body and w not in chrome for w in windows):
                self.false[r.rule] += 1
                if len(self.examples[r.rule]) < show:
                    self.examples[r.rule].append(r.text[:120].replace("\n", "⏎"))
        for item in doc.chrome:
            key = norm(item.text)
            pairs = list(zip(trace, normalized, strict=True))
            rule = next((r.rule for r, text in pairs if key and key == text), None)
            rule = rule or next((r.rule for r, text in pairs if key and key in text), None)
            if rule is None:  # partly removed, or removed piece by piece: the rule holding most of it
                rule = next((r.rule for r, text in pairs if text and text in key), "-")
            self.kinds[item.kind][rule] += 1


def run_part(part: str, docs: int, seed: int, show: int) -> tuple[list[NoisyDoc], Score, RuleStats, float]:
    corpus = make_corpus(docs, seed, part)  # type: ignore[arg-type]
    total = Score()
    stats = RuleStats()
    size = 0
    seconds = 0.0
    for i, doc in enumerate(corpus):
        trace: list[Removal] = []
        t0 = time.perf_counter()
        cleaned = clean(doc.text, trace=trace).text
        seconds += time.perf_counter() - t0
        size += len(doc.text.encode("utf-8"))
        total.add(i, doc, score_doc(doc, cleaned))
        stats.add(doc, trace, show)
    return corpus, total, stats, size / 1e6 / seconds if seconds else 0.0


def report(part: str, sc: Score, stats: RuleStats, rate: float, show: int, corpus: list[NoisyDoc]) -> bool:
    print(f"\n== {part}: {sc.docs} documents, clean (with trace) {rate:.1f} MB/s")
    figures = {
        "body recall": (sc.body_recall, f"{sc.body_kept}/{sc.body_total}"),
        "chrome removed": (sc.chrome_share, f"{sc.chrome_removed}/{sc.chrome_total}"),
        "split words rejoined": (sc.split_share, f"{sc.splits_joined}/{sc.splits_total}"),
    }
    ok = True
    for name, (value, counts) in figures.items():
        met = value >= TARGETS[name]
        ok &= met
        print(f"{name:<22}{value:8.2%}  ({counts}; target >= {TARGETS[name]:.1%}) {'met' if met else 'NOT MET'}")
    print(f"{'title once, own line':<22}{sc.titles_ok / sc.docs:8.2%}  ({sc.titles_ok}/{sc.docs})")
    print("\nchrome kind        injected  removed   by rule (top 3)")
    for kind, (n, removed) in sorted(sc.by_kind.items()):
        rules = ", ".join(f"{r} {c}" for r, c in stats.kinds[kind].most_common(3))
        print(f"  {kind:<16}{n:>9}{removed / n:9.2%}   {rules}")
    print("split kind         splits   joined")
    for kind, (n, joined) in sorted(sc.by_split.items()):
        print(f"  {kind:<16}{n:>9}{joined / n:9.2%}")
    print("\nrule                    removals     chars  false removals")
    for rule, n in stats.removals.most_common():
        print(f"  {rule:<22}{n:>9}{stats.chars[rule]:>10}{stats.false[rule]:>10}")
        for example in stats.examples.get(rule, []):
            print(f"      false: {example}")
    if show:
        for label, items in (
            ("missed body", [(i, s) for i, s in sc.missed_body]),
            ("kept chrome", [(i, f"{c.kind}: {c.text}") for i, c in sc.kept_chrome]),
            ("not rejoined", [(i, f"{x.kind}: {x.joined}") for i, x in sc.unjoined]),
        ):
            for i, what in items[:show]:
                print(f"  {label} (doc {i}, from {corpus[i].source}): {what[:100]}")
    return ok


def golden_check() -> bool:
    stems = sorted(p.stem for p in (ROOT / "golden" / "clean").glob("*.txt"))
    same = 0
    for stem in stems:
        expected = (ROOT / "golden" / "clean" / f"{stem}.txt").read_text(encoding="utf-8")
        if clean(load_path(ROOT / "tests" / "data" / f"{stem}.txt").text).text + "\n" == expected:
            same += 1
        else:
            print(f"  golden differs: {stem}")
    print(f"\nreal corpus: {same}/{len(stems)} golden cleaned texts unchanged")
    return same == len(stems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000, help="documents per vocabulary half (default 1000)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--parts", nargs="+", default=["dev", "holdout"], choices=["dev", "holdout"])
    parser.add_argument("--show", type=int, default=3, help="examples of misses and false removals to print")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import core_reference

    print(core_reference().line())
    print(f"command: python bench/bench_clean.py --docs {args.docs} --seed {args.seed}")
    ok = True
    for part in args.parts:
        corpus, sc, stats, rate = run_part(part, args.docs, args.seed, args.show)
        ok &= report(part, sc, stats, rate, args.show, corpus)
    ok &= golden_check()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
