"""Core throughput: load + clean + sections + chunks + numbers over a generated ~10 MB corpus.

    python bench/bench_core.py            # 10 MB, default chunk budget
    python bench/bench_core.py --mb 50

The corpus is copies of ``tests/data/*.txt`` written to a temporary directory, so the figure covers real
file reads and decoding. Throughput is MB/s of *raw input bytes*, single process (the steps are pure
functions; a caller wanting more parallelises over files). No network, no LLM.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
STEPS = ("load", "clean", "sections", "chunks", "numbers")


def build_corpus(target_bytes: int, out: Path) -> list[Path]:
    sources = sorted(DATA.glob("*.txt"))
    if not sources:
        raise SystemExit(f"no corpus documents in {DATA}")
    paths: list[Path] = []
    total = 0
    i = 0
    while total < target_bytes:
        src = sources[i % len(sources)]
        dst = out / f"{i:05d}_{src.name}"
        shutil.copyfile(src, dst)
        paths.append(dst)
        total += dst.stat().st_size
        i += 1
    return paths


def numbers_step() -> tuple[Callable[[str], Any] | None, str]:
    """``find_numbers`` if it is implemented, else None and why."""
    try:
        from summarizer.numbers import find_numbers
    except ImportError as exc:  # pragma: no cover - depends on the tree's state
        return None, f"numbers skipped: cannot import ({exc})"
    try:
        find_numbers("完成投资1.2万元，增长5%。")
    except NotImplementedError:
        return None, "numbers skipped: find_numbers raises NotImplementedError"
    return find_numbers, ""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run(paths: list[Path], budget: int | None) -> tuple[dict[str, float], int, int, str]:
    from summarizer.chunks import DEFAULT_BUDGET, make_chunks
    from summarizer.clean import clean
    from summarizer.load import load_path
    from summarizer.sections import parse_sections

    find_numbers, note = numbers_step()
    chunk_budget = budget or DEFAULT_BUDGET
    seconds = dict.fromkeys(STEPS, 0.0)
    n_chunks = 0
    n_numbers = 0
    clock = time.perf_counter
    for path in paths:
        t0 = clock()
        doc = load_path(path)
        t1 = clock()
        ct = clean(doc.text)
        t2 = clock()
        outline = parse_sections(ct.text)
        t3 = clock()
        chunks = make_chunks(ct.text, outline, budget=chunk_budget)
        t4 = clock()
        if find_numbers is not None:
            n_numbers += len(find_numbers(ct.text))
        t5 = clock()
        seconds["load"] += t1 - t0
        seconds["clean"] += t2 - t1
        seconds["sections"] += t3 - t2
        seconds["chunks"] += t4 - t3
        seconds["numbers"] += t5 - t4
        n_chunks += len(chunks)
    return seconds, n_chunks, n_numbers, note


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0, help="corpus size in MB of raw input (default 10)")
    parser.add_argument("--budget", type=int, default=None, help="chunk budget in characters")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="bench_core_") as tmp:
        paths = build_corpus(int(args.mb * 1_000_000), Path(tmp))
        raw_bytes = sum(p.stat().st_size for p in paths)
        run(paths[:5], args.budget)  # warm-up: imports, regex compilation, OpenCC dictionaries
        seconds, n_chunks, n_numbers, note = run(paths, args.budget)

    mb = raw_bytes / 1_000_000
    total = sum(seconds.values())
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "unknown"
    print(f"machine: {cpu_model()}, nproc={os.cpu_count()}, python {platform.python_version()}, load average {load}")
    print(f"corpus: {len(paths)} files, {mb:.2f} MB raw; {n_chunks} chunks, {n_numbers} numbers")
    print(f"{'step':<10}{'seconds':>10}{'MB/s':>10}{'share':>8}")
    for step in STEPS:
        s = seconds[step]
        rate = f"{mb / s:10.1f}" if s > 0 else f"{'-':>10}"
        print(f"{step:<10}{s:10.3f}{rate}{(s / total if total else 0):8.0%}")
    print(f"{'total':<10}{total:10.3f}{mb / total:10.2f}")
    if note:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
