"""Scale (issue 6, part 5): a 10,000-document batch against a fast fake endpoint, killed half way, resumed.

    python bench/bench_scale.py                       # 10,000 documents, SIGKILL when index.json lists half done
    python bench/bench_scale.py --docs 2000           # smaller
    python bench/bench_scale.py --keep /tmp/scale     # keep the documents, outputs and cache for inspection

Each document is a small report (~600 characters: a title line and a paragraph of real sentences from the
corpus, different in every document), so it is one chunk: one call, which also writes the overview. The
fake OpenAI-compatible endpoint (no latency) runs in its own process and keys every request by its messages.
The batch runs in a child process through the public API (``Summarizer`` + ``Batch``, JSON output); this
script samples the child's RSS (``/proc/PID/status``) and ``index.json`` every 0.25 s, kills it with SIGKILL
once ``index.json`` counts ``--kill-at`` of the documents done, then runs the same batch again to the end.

Checks: requests received == calls needed (every request key seen once, except requests that were in flight
at the kill, which are listed); every document has its output and is ``ok``/``skipped`` in index.json; RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ServerProcess, child_command, core_reference, corpus, machine_line, proc_status, work_folder

SENTENCE = re.compile(r"[^。！？\n]{12,160}[。！？]")
HEADING = re.compile(r"\s*(?:[一二三四五六七八九十]+[、是]|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、．)）])")
DOC_CHARS = 600
_DONE = re.compile(r'"(done|skipped|failed)": (\d+)')


# --------------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------------


def sentence_pool() -> list[str]:
    from summarizer.analysis import analyze
    from summarizer.load import load_path
    from summarizer.sections import parse_sections

    pool: list[str] = []
    for path in corpus():
        text = analyze(load_path(path)).clean.text
        pool += [s.group().strip() for s in SENTENCE.finditer(text)]
    # Sentences that read as headings (一、…, (二)…, 1.…) would split a document into sections and chunks.
    return [s for s in dict.fromkeys(pool) if not parse_sections(s).sections and not HEADING.match(s)]


def make_docs(n: int, out: Path) -> list[Path]:
    """``n`` small reports: a title naming the document's number, then ~DOC_CHARS of corpus sentences picked
    by a stride that differs per document, so no two documents (and no two chunks) are alike."""
    pool = sentence_pool()
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        parts: list[str] = []
        size = 0
        k = (i * 7919) % len(pool)
        step = 1 + i % 13
        while size < DOC_CHARS:
            s = pool[k % len(pool)]
            parts.append(s)
            size += len(s)
            k += step
        text = f"第{i}号单位2020年上半年工作总结\n" + "".join(parts) + "\n"
        path = out / f"{i:05d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def calls_needed(paths: list[Path]) -> tuple[int, int]:
    """(requests a full run needs, max chunks per doc): a call per non-trivial chunk, plus an overview call
    unless the document is one chunk (whose call writes the overview too)."""
    from summarizer.analysis import analyze
    from summarizer.load import load_path
    from summarizer.plan import is_trivial

    total = most = 0
    for p in paths:
        a = analyze(load_path(p))
        n = sum(not is_trivial(c, a.mentions) for c in a.chunks)
        total += n + (0 if len(a.chunks) == n == 1 else 1)
        most = max(most, len(a.chunks))
    return total, most


# --------------------------------------------------------------------------------------------------
# The batch, in a child process
# --------------------------------------------------------------------------------------------------


def child(docs: Path, out: Path, cache: Path, base_url: str, concurrency: int) -> int:
    from summarizer import Summarizer
    from summarizer.batch import Batch

    files = sorted(docs.glob("*.txt"))
    t0 = time.perf_counter()
    with Summarizer(backend="llm", base_url=base_url, api_key="x", cache_dir=cache, concurrency=concurrency) as s:
        batch = Batch(s, files, out)
        statuses = batch.run()
    wall = time.perf_counter() - t0
    t = os.times()
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": t.user + t.system,
                "ok": sum(st.status == "ok" for st in statuses),
                "skipped": sum(st.status == "skipped" for st in statuses),
                "failed": sum(st.status == "failed" for st in statuses),
                "calls": batch.totals.usage.calls,
                "cache_hits": batch.totals.usage.cache_hits,
                "peak_rss_kb": proc_status().get("VmHWM", 0),
            }
        )
    )
    return 0


def index_counts(out: Path) -> dict[str, int]:
    """done/skipped/failed from the head of index.json (``totals`` is written before the document list)."""
    try:
        with (out / "index.json").open("rb") as fh:
            head = fh.read(600).decode("utf-8", "ignore")
    except OSError:
        return {}
    return {k: int(v) for k, v in _DONE.findall(head)}


def cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def run_batch(args: argparse.Namespace, base: Path, base_url: str, n: int, kill_at: int | None) -> dict[str, Any]:
    cmd = child_command(__file__, base, base_url, str(args.concurrency))
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    samples: list[tuple[float, int, int]] = []  # (seconds, documents finished, RSS kB)
    peak = 0
    cpu = 0.0
    killed = False
    while proc.poll() is None:
        st = proc_status(proc.pid)
        counts = index_counts(base / "out")
        finished = counts.get("done", 0) + counts.get("skipped", 0) + counts.get("failed", 0)
        if st:
            peak = max(peak, st.get("VmHWM", 0))
            samples.append((time.perf_counter() - t0, finished, st.get("VmRSS", 0)))
            cpu = cpu_of(proc.pid) or cpu
        if kill_at is not None and counts.get("done", 0) >= kill_at:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed = True
            break
        time.sleep(0.25)
    wall = time.perf_counter() - t0
    out = proc.stdout.read() if proc.stdout else ""
    report = json.loads(out.strip().splitlines()[-1]) if out.strip() and not killed else {}
    return {
        "wall": wall,
        "killed": killed,
        "samples": samples,
        "peak_rss_kb": report.get("peak_rss_kb", peak),
        "cpu": report.get("cpu", cpu),
        "report": report,
        "index": index_counts(base / "out"),
        "killed_at": time.time() if killed else None,
    }


def rss_table(samples: list[tuple[float, int, int]], n: int) -> list[str]:
    """RSS, and documents per second since the previous row, at every 10% of the documents finished."""
    rows = []
    next_mark = 0
    prev: tuple[float, int] | None = None
    for t, finished, rss in samples:
        if rss and finished >= next_mark * n / 10:
            rate = f"{(finished - prev[1]) / (t - prev[0]):6.1f} docs/s" if prev and t > prev[0] else " " * 13
            rows.append(f"    {t:7.1f} s  {finished:>6} docs  {rate}  RSS {rss / 1024:6.1f} MB")
            next_mark = finished * 10 // n + 1
            prev = (t, finished)
    if samples:
        t, finished, rss = samples[-1]
        rows.append(f"    {t:7.1f} s  {finished:>6} docs  {' ' * 13}  RSS {rss / 1024:6.1f} MB  (last sample)")
    return rows


def check_outputs(base: Path, n: int) -> dict[str, int]:
    index = json.loads((base / "out" / "index.json").read_text(encoding="utf-8"))
    docs = index["documents"]
    status = {d["source"]: d["status"] for d in docs}
    missing_out = sum(1 for d in docs if not all((base / "out" / o).is_file() for o in d.get("outputs", [])))
    return {
        "listed": len(docs),
        "ok_or_skipped": sum(s in ("ok", "skipped") for s in status.values()),
        "failed": sum(s == "failed" for s in status.values()),
        "missing_outputs": missing_out,
        "json_files": sum(1 for _ in (base / "out").glob("*.json")) - 1,  # minus index.json
        "expected": n,
    }


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "_child":
        docs, out, cache, url, conc = sys.argv[2:7]
        return child(Path(docs), Path(out), Path(cache), url, int(conc))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction of documents done at the kill")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    print(machine_line())
    print(core_reference().line())  # every time figure below moves with the machine's speed: read it against this

    with work_folder(args.keep, "bench_scale_") as base:
        t0 = time.perf_counter()
        paths = make_docs(args.docs, base / "docs")
        needed, most_chunks = calls_needed(paths)
        sizes = [p.stat().st_size for p in paths]
        print(
            f"{args.docs} documents, {sum(sizes) / len(sizes):.0f} bytes each on average, at most {most_chunks} "
            f"chunk(s) each; calls needed {needed}; made in {time.perf_counter() - t0:.1f} s"
        )
        with ServerProcess(0.0) as server:
            first = run_batch(args, base, server.base_url, args.docs, kill_at=int(args.docs * args.kill_at))
            at_kill = server.stats()
            print(
                f"run 1: killed={first['killed']} after {first['wall']:.1f} s; index.json: {first['index']}; "
                f"server requests {at_kill.requests}",
                flush=True,
            )
            second = run_batch(args, base, server.base_url, args.docs, kill_at=None)
            end = server.stats()
            print(f"run 2: finished after {second['wall']:.1f} s; {second['report']}", flush=True)
        outputs = check_outputs(base, args.docs)

    kill_time = first["killed_at"] or 0.0
    in_flight = [r for r in end.repeats if r[1] <= kill_time]
    other = [r for r in end.repeats if r[1] > kill_time]
    print()
    print(f"documents: {args.docs}; concurrency {args.concurrency}; fast fake server (no latency), separate process")
    print(
        f"run 1 (killed with SIGKILL at {first['index'].get('done', 0)} done): {first['wall']:.1f} s wall, "
        f"{first['cpu']:.1f} s CPU, peak RSS {first['peak_rss_kb'] / 1024:.1f} MB, "
        f"server requests {at_kill.requests}"
    )
    print(
        f"run 2 (resume to the end): {second['wall']:.1f} s wall, {second['cpu']:.1f} s CPU, "
        f"peak RSS {second['peak_rss_kb'] / 1024:.1f} MB, server requests {end.requests - at_kill.requests}, "
        f"ok {second['report'].get('ok')}, skipped {second['report'].get('skipped')}, "
        f"failed {second['report'].get('failed')}, cache hits {second['report'].get('cache_hits')}"
    )
    print(
        f"requests: total {end.requests}, distinct {end.distinct}, calls needed {needed}; sent twice: "
        f"{len(end.repeats)} ({len(in_flight)} first sent before the kill"
        + (f", all within {max(kill_time - r[1] for r in in_flight) * 1000:.0f} ms before it" if in_flight else "")
        + f"; {len(other)} otherwise)"
    )
    print(f"outputs: {outputs}")
    ok = (
        end.distinct == needed
        and not other
        and outputs["ok_or_skipped"] == args.docs
        and outputs["missing_outputs"] == 0
        and end.requests - len(in_flight) == needed
    )
    print(f"resume correct (every call sent once, except those in flight at the kill; every document done): {ok}")
    for label, r in (("run 1", first), ("run 2", second)):
        print(f"  RSS over {label}:")
        print("\n".join(rss_table(r["samples"], args.docs)))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
