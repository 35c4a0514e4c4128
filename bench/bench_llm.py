"""LLM-bound benchmarks (issue 6, parts 1-3): throughput under latency, the cache, token cost.

    python bench/bench_llm.py throughput    # parts 1 + 2: 200 varied documents at concurrency 1, 4, 16, then again
    python bench/bench_llm.py memory --docs 2000    # issue 19: RSS while the batch runs, and its end step
    python bench/bench_llm.py endstep --docs 2000 --part across   # issue 19: a batch's end step alone, fresh process
    python bench/bench_llm.py stages        # issue 19: thread CPU per pipeline stage, serially (where the CPU goes)
    python bench/bench_llm.py tokens        # part 3: prompt tokens sent per document / tokens of its cleaned text
                                            # (the recorded corpus requests; --source fake --budgets N for others)

Everything goes through the public path users run: ``Summarizer(backend="llm", base_url=..., api_key="x",
cache_dir=..., concurrency=N)`` and ``Batch``. The endpoint is ``summarizer.testing.fake_openai.FakeOpenAI`` on
127.0.0.1 answering a valid, grounded ``ChunkExtraction`` / ``OverviewDraft`` (see ``bench/_common.py``)
after a fixed latency. For ``throughput`` it runs in a separate process, so this process's CPU time is the
pipeline's alone (everything but waiting on the endpoint: load, clean, chunking, numbers, the openai /
instructor / httpx client stack, validation, cache, merge, verify, rendering, the batch index).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    CHUNK_MARK,
    OVERVIEW_MARK,
    Responder,
    ServerProcess,
    core_reference,
    corpus,
    cpu_seconds,
    estimate_tokens,
    load_average,
    machine_line,
    proc_status,
    reset_peak_rss,
    varied_copies,
)

from summarizer import Summarizer
from summarizer.analysis import analyze
from summarizer.batch import Batch
from summarizer.chunks import DEFAULT_BUDGET
from summarizer.config import Settings
from summarizer.load import load_path
from summarizer.testing import fake_openai as fs
from summarizer.workers import collector_for_batch

# --------------------------------------------------------------------------------------------------
# Parts 1 + 2: throughput under latency, then the same batch again
# --------------------------------------------------------------------------------------------------


def _batch(
    server: ServerProcess, files: list[Path], out: Path, cache: Path, concurrency: int, **settings: Any
) -> dict[str, Any]:
    """One batch run, timed: wall, this process's CPU, requests the server received, this run's peak RSS."""
    before = server.stats()
    reset = reset_peak_rss()
    cpu0, t0, m0 = cpu_seconds(), time.perf_counter(), time.monotonic()
    with Summarizer(
        backend="llm", base_url=server.base_url, api_key="x", cache_dir=cache, concurrency=concurrency, **settings
    ) as s:
        batch = Batch(s, files, out)
        statuses = batch.run()
    wall, cpu, m1 = time.perf_counter() - t0, cpu_seconds() - cpu0, time.monotonic()
    after = server.stats()
    phases = timeline(server.arrivals(before.requests), m0, m1, server.latency, concurrency)
    failed = [st for st in statuses if st.status == "failed"]
    if failed:
        print(f"  !! {len(failed)} failed, e.g. {failed[0].source}: {failed[0].reason}")
    return {
        "docs": len(files),
        "wall": wall,
        "cpu": cpu,
        "requests": after.requests - before.requests,
        "server_cpu": after.cpu - before.cpu,
        "ok": sum(st.status == "ok" for st in statuses),
        "skipped": sum(st.status == "skipped" for st in statuses),
        "failed": len(failed),
        "calls": batch.totals.usage.calls,
        "cache_hits": batch.totals.usage.cache_hits,
        "prompt_tokens": batch.totals.usage.prompt_tokens,
        "peak_rss_mb": proc_status().get("VmHWM", 0) / 1024 if reset else float("nan"),
        **phases,
    }


def timeline(arrivals: list[float], start: float, end: float, latency: float, concurrency: int) -> dict[str, float]:
    """Where a run's wall time went beyond the ideal, from the server's arrival times (each request is in flight
    for exactly ``latency`` after it arrives). wall - ideal = ``head`` (before the first request) + ``gaps``
    (free slots, in slot-seconds / concurrency, up to the last moment ``concurrency`` requests were in flight)
    + ``tail`` (the same from then to the last answer: the batch running out of work) + ``end`` (after the last
    answer: the last documents' merge/verify/write, metrics.csv). ``mean_in_flight``: before the tail."""
    if not arrivals or not latency:
        return {"head": 0.0, "gaps": 0.0, "tail": 0.0, "end": 0.0, "mean_in_flight": 0.0}
    first, last_answer = min(arrivals), max(arrivals) + latency
    events = sorted([(t, 1) for t in arrivals] + [(t + latency, -1) for t in arrivals])
    level, full_until = 0, first
    for t, step in events:
        level += step
        if level >= concurrency:
            full_until = t

    def busy(lo: float, hi: float) -> float:
        return sum(max(0.0, min(t + latency, hi) - max(t, lo)) for t in arrivals)

    return {
        "head": first - start,
        "gaps": (full_until - first) - busy(first, full_until) / concurrency,
        "tail": (last_answer - full_until) - busy(full_until, last_answer) / concurrency,
        "end": max(0.0, end - last_answer),
        "mean_in_flight": busy(first, full_until) / (full_until - first) if full_until > first else 0.0,
    }


def core_per_doc(files: list[Path], warm: list[Path]) -> float:
    """CPU seconds per document of the deterministic core (load+clean+sections+chunks+numbers) on these
    documents, single thread: what the LLM path's CPU per document is divided by."""
    for f in warm:
        analyze(load_path(f))
    # Under the collector setting a batch runs with (``workers.collector_for_batch``), as the LLM path it is
    # compared with: the ratio is then the pipeline's work over the core's, not the collector's setting.
    with collector_for_batch():
        cpu0 = cpu_seconds()
        for f in files:
            analyze(load_path(f))
        return (cpu_seconds() - cpu0) / len(files)


def _core_loop(conn: Any, files: list[Path], warm: list[Path]) -> None:
    """The child side of ``CoreDuring``: the core over ``files`` again and again until told to stop, then its
    CPU seconds and the documents it analysed."""
    for f in warm:
        analyze(load_path(f))
    conn.send("ready")
    docs = 0
    with collector_for_batch():
        cpu0 = cpu_seconds()
        while not conn.poll():
            for f in files:
                analyze(load_path(f))
                docs += 1
                if conn.poll():
                    break
        cpu = cpu_seconds() - cpu0
    conn.recv()
    conn.send((cpu, docs))


class CoreDuring:
    """The core measured in a child process for exactly as long as the batch runs, so that both figures come from
    the same minutes of this machine: measured alone before and after, the core moved by up to 70% between the
    two ends of one repetition (8.1 and 13.9 ms/doc) while the batch's own figure, averaged over its 30 s, held
    steady. The child takes one core; the batch process needs ~0.4 of one at concurrency 16 and the fake server
    ~0.2, so on 2 cores neither waits for the other, but they do share caches and memory bandwidth, which slows
    both alike."""

    def __init__(self, files: list[Path], warm: list[Path]) -> None:
        ctx = mp.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_core_loop, args=(child, files, warm), daemon=True)
        self.per_doc = float("nan")

    def __enter__(self) -> CoreDuring:
        self._proc.start()
        self._conn.recv()  # warmed up
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        cpu, docs = self._conn.recv()
        self._proc.join(timeout=10)
        self.per_doc = cpu / max(1, docs)


def _spread(values: list[float], fmt: str = "{:.3f}") -> str:
    """min / median / max of repeated runs."""
    if len(values) == 1:
        return fmt.format(values[0])
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def throughput(args: argparse.Namespace) -> int:
    print(machine_line())
    reference = core_reference(args.core_mb)
    print(reference.line())
    latency = args.latency
    top = max(args.concurrency)
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench_llm_") as tmp_:
        tmp = Path(tmp_)
        files = varied_copies(args.docs, tmp / "docs")
        warm = varied_copies(2, tmp / "warm", start=args.docs)  # copies numbered after the batch: never shared
        with ServerProcess(latency, keep_alive=not args.new_connections) as server:
            # Warm-up on documents outside the batch: imports (openai, instructor, pyarrow for metrics.parquet),
            # templates compiled (the dashboard), first connections; none of it recurs in a long-running process.
            with Summarizer(
                backend="llm", base_url=server.base_url, api_key="x", cache_dir=tmp / "warm_cache", concurrency=4
            ) as s:
                Batch(s, warm, tmp / "warm_out").run()
            print(
                f"documents: {len(files)} varied copies of {len(corpus())} corpus reports; "
                f"latency {latency * 1000:.0f} ms; fake server in a separate process, "
                f"{'a new connection per request' if args.new_connections else 'connections kept alive'}; "
                f"{args.repeat} repetition(s)"
            )
            for rep in range(args.repeat):
                # The core is measured right before and right after the batch runs and the mean is the divisor:
                # this machine's speed drifts by tens of per cent within minutes (other sessions' work), and a
                # core measured at one end only moved the ratio by as much as the pipeline's own changes.
                before = core_per_doc(files, warm)
                run: dict[str, Any] = {"rows": []}
                for c in args.concurrency:
                    n = args.serial_docs if c == 1 and args.serial_docs else len(files)
                    with CoreDuring(files, warm) as during:
                        r = _batch(server, files[:n], tmp / f"out{rep}_c{c}", tmp / f"cache{rep}_c{c}", c)
                    r["core_during"] = during.per_doc
                    r["concurrency"] = c
                    r["ideal"] = r["requests"] * latency / c
                    run["rows"].append(r)
                after = core_per_doc(files, warm)
                run["core"], run["core_ends"] = (before + after) / 2, (before, after)
                for r in run["rows"]:
                    print(
                        f"  run {rep + 1} concurrency {r['concurrency']:>2}: {r['docs']} docs, {r['requests']} "
                        f"requests, wall {r['wall']:.1f} s, ideal {r['ideal']:.1f} s, wall/ideal "
                        f"{r['wall'] / r['ideal']:.3f}, cpu {1000 * r['cpu'] / r['docs']:.1f} ms/doc = "
                        f"{r['cpu'] / r['docs'] / run['core']:.2f}x core ({1000 * run['core']:.1f} ms/doc: "
                        f"{1000 * before:.1f} before, {1000 * after:.1f} after) = "
                        f"{r['cpu'] / r['docs'] / r['core_during']:.2f}x the core measured during the batch "
                        f"({1000 * r['core_during']:.1f} ms/doc), peak RSS {r['peak_rss_mb']:.0f} MB, "
                        f"load {load_average()}",
                        flush=True,
                    )
                out, cache = tmp / f"out{rep}_c{top}", tmp / f"cache{rep}_c{top}"
                # Part 2a: the same command again (same output folder): index.json says every document is done.
                run["again"] = _batch(server, files, out, cache, top)
                # Part 2b: same documents, new output folder: every summary from the document cache.
                run["cached"] = _batch(server, files, tmp / f"out{rep}_docs", cache, top)
                # Part 2c: the same with the document cache off: every answer from the call cache, the rest redone.
                run["calls"] = _batch(server, files, tmp / f"out{rep}_calls", cache, top, document_cache=False)
                runs.append(run)
        after = core_reference(args.core_mb)
        print(after.line().replace("in this run", "at the end of this run"))

    last = runs[-1]
    print()
    print(
        f"Part 1: {len(files)} documents, latency {latency * 1000:.0f} ms; ideal = requests x latency / concurrency; "
        f"core = load+clean+sections+chunks+numbers on the same documents, measured alone right before and right "
        f"after the batch in the same repetition (their mean); core during = the same measured in a child process "
        f"while the batch runs (CoreDuring)"
    )
    print(
        f"{'run':>3} {'conc':>4} {'docs':>5} {'requests':>8} {'req/doc':>7} {'wall s':>7} {'ideal s':>7} "
        f"{'wall/ideal':>10} {'in flight':>9} {'cpu ms/doc':>10} {'core ms/doc':>11} {'cpu/core':>8} "
        f"{'core during':>11} {'cpu/during':>10} {'cpu ms/req':>10} {'peak RSS MB':>11} {'failed':>6}"
    )
    for i, run in enumerate(runs, 1):
        for r in run["rows"]:
            print(
                f"{i:>3} {r['concurrency']:>4} {r['docs']:>5} {r['requests']:>8} {r['requests'] / r['docs']:>7.2f} "
                f"{r['wall']:>7.1f} {r['ideal']:>7.1f} {r['wall'] / r['ideal']:>10.3f} "
                f"{r['requests'] * latency / r['wall']:>9.1f} {1000 * r['cpu'] / r['docs']:>10.1f} "
                f"{1000 * run['core']:>11.1f} {r['cpu'] / r['docs'] / run['core']:>8.2f} "
                f"{1000 * r['core_during']:>11.1f} {r['cpu'] / r['docs'] / r['core_during']:>10.2f} "
                f"{1000 * r['cpu'] / max(1, r['requests']):>10.2f} {r['peak_rss_mb']:>11.0f} {r['failed']:>6}"
            )
    for c in args.concurrency:
        rows = [next(r for r in run["rows"] if r["concurrency"] == c) for run in runs]
        ratios = [r["cpu"] / r["docs"] / run["core"] for r, run in zip(rows, runs, strict=True)]
        during = [r["cpu"] / r["docs"] / r["core_during"] for r in rows]
        print(
            f"concurrency {c:>2}, min / median / max over {len(runs)} run(s): wall/ideal "
            f"{_spread([r['wall'] / r['ideal'] for r in rows])}; cpu/core {_spread(ratios, '{:.2f}')}, "
            f"with the core measured during the batch {_spread(during, '{:.2f}')} (targets at {top}: <= 1.10 and <= 4)"
        )
    print("wall - ideal, from the server's arrival times (see timeline()), last run:")
    for r in last["rows"]:
        print(
            f"  concurrency {r['concurrency']:>2}: {r['wall'] - r['ideal']:+6.2f} s = head {r['head']:.2f} + gaps "
            f"{r['gaps']:.2f} (mean {r['mean_in_flight']:.2f} in flight) + tail {r['tail']:.2f} + end {r['end']:.2f}"
        )
    first = next(r for r in last["rows"] if r["concurrency"] == top)
    print(
        f"pipeline CPU per document, last run (this process; the server's own CPU, {first['server_cpu']:.1f} s at "
        f"concurrency {top}, is not in it): first run {1000 * first['cpu'] / first['docs']:.1f} ms/doc; "
        f"call cache only (no HTTP) {1000 * last['calls']['cpu'] / last['calls']['docs']:.1f} ms/doc -> client "
        f"stack ~{1000 * (first['cpu'] - last['calls']['cpu']) / first['requests']:.2f} ms/request; document "
        f"cache {1000 * last['cached']['cpu'] / last['cached']['docs']:.1f} ms/doc; core "
        f"{1000 * last['core']:.1f} ms/doc"
    )
    print()
    print(f"Part 2: the same {len(files)} documents again at concurrency {top}, with the first run's cache")
    for label, key in (
        ("same --out (index.json skip)", "again"),
        ("new --out, document cache", "cached"),
        ("new --out, call cache only", "calls"),
    ):
        speed = [run["rows"][-1]["wall"] / run[key]["wall"] for run in runs]
        r = last[key]
        print(
            f"  {label:<30} wall {r['wall']:.2f} s, cpu {1000 * r['cpu'] / r['docs']:.1f} ms/doc "
            f"({r['cpu'] / r['docs'] / last['core']:.2f}x core), requests {r['requests']}, cache hits "
            f"{r['cache_hits']}, skipped {r['skipped']}, ok {r['ok']}; speed-up over the first run "
            f"x{_spread(speed, '{:.0f}')} (min / median / max)"
        )
    return 0


# --------------------------------------------------------------------------------------------------
# Memory (issue 19): RSS while a batch runs, and what its end step (metrics table, cross-report outputs) adds
# --------------------------------------------------------------------------------------------------


def _rss_kb() -> int:
    return proc_status().get("VmRSS", 0)


def memory(args: argparse.Namespace) -> int:
    """One batch of ``--docs`` varied copies in this process after a warm-up batch (imports, pyarrow, the
    templates: nothing the end step loads once is counted as growth), RSS sampled every 0.25 s. The end step
    (``Batch.write_metrics_table`` with the cross-report outputs) is timed and its peak read on its own (VmHWM
    reset just before it), so what it adds over the processing part is measured, not inferred."""
    print(machine_line())
    print(core_reference(args.core_mb).line())
    with tempfile.TemporaryDirectory(prefix="bench_mem_") as tmp_:
        tmp = Path(tmp_)
        files = varied_copies(args.docs, tmp / "docs")
        warm = varied_copies(2, tmp / "warm", start=args.docs)
        with ServerProcess(args.latency) as server:
            with Summarizer(backend="llm", base_url=server.base_url, api_key="x", cache_dir=tmp / "wc") as s:
                Batch(s, warm, tmp / "warm_out").run()
            url, conc = server.base_url, args.concurrency
            with Summarizer(backend="llm", base_url=url, api_key="x", cache_dir=tmp / "cache", concurrency=conc) as s:
                batch = Batch(s, files, tmp / "out")
                samples: list[tuple[float, int, int]] = []
                stop = threading.Event()
                end: dict[str, float] = {}
                table = batch.write_metrics_table

                def sample() -> None:
                    while not stop.wait(0.25):
                        samples.append((time.perf_counter() - t0, len(batch.statuses), _rss_kb()))

                def end_step(*a: Any, **k: Any) -> Path | None:
                    end["peak_before"] = proc_status().get("VmHWM", 0)
                    end["rss_before"] = _rss_kb()
                    reset_peak_rss()
                    cpu0, w0 = cpu_seconds(), time.perf_counter()
                    try:
                        return table(*a, **k)
                    finally:
                        end["cpu"], end["wall"] = cpu_seconds() - cpu0, time.perf_counter() - w0
                        end["peak"] = proc_status().get("VmHWM", 0)

                batch.write_metrics_table = end_step  # type: ignore[method-assign]
                reset_peak_rss()
                start_kb = _rss_kb()
                t0 = time.perf_counter()
                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
                statuses = batch.run()
                stop.set()
                sampler.join()
                wall = time.perf_counter() - t0
        ok = sum(st.status == "ok" for st in statuses)
    print(
        f"{args.docs} varied copies, concurrency {args.concurrency}, latency {args.latency * 1000:.0f} ms; "
        f"{ok} ok; {wall:.1f} s; load {load_average()}"
    )
    print(f"  RSS at the start (after a warm-up batch): {start_kb / 1024:.1f} MB")
    mark = 1
    for t, done, kb in samples:
        if done >= mark * args.docs / 10:
            print(f"  {t:6.1f} s {done:>6} docs  RSS {kb / 1024:6.1f} MB")
            while done >= mark * args.docs / 10:
                mark += 1
    print(
        f"  processing: peak RSS {end['peak_before'] / 1024:.1f} MB; end step: RSS {end['rss_before'] / 1024:.1f} MB "
        f"before it, peak {end['peak'] / 1024:.1f} MB during it (+{(end['peak'] - end['rss_before']) / 1024:.1f} MB), "
        f"{end['wall']:.2f} s wall, {end['cpu']:.2f} s CPU"
    )
    return 0


def _offline_batch(docs: int, base: Path) -> None:
    """``docs`` varied copies summarized by the offline backend into ``base/out`` (a child's work: the process
    that measures the end step starts without it)."""
    files = varied_copies(docs, base / "docs")
    with Summarizer(backend="offline") as s:
        Batch(s, files, base / "out").run()


def endstep(args: argparse.Namespace) -> int:
    """A batch's end step alone (``--part``: the metrics table, the cross-report outputs, or both as the batch
    runs them), in a fresh process on a finished batch of ``--docs`` varied copies (the offline backend's
    summaries: more metrics per document than the fake endpoint's answers). pyarrow is imported first, so its
    own ~30 MB is not counted; RSS before the step and its peak (VmHWM reset just before it)."""
    import json
    import multiprocessing

    from summarizer.batch import DocStatus

    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="bench_end_") as tmp_:
        base = Path(tmp_)
        child = multiprocessing.get_context("spawn").Process(target=_offline_batch, args=(args.docs, base))
        child.start()
        child.join()
        with contextlib.suppress(ImportError):  # imported before the step: its import is not the step's growth
            import pyarrow.parquet  # noqa: F401
        from summarizer.render import dashboard  # noqa: F401  (the same for jinja and the dashboard's template)

        files = sorted((base / "docs").glob("*.txt"))
        with Summarizer(backend="offline") as s:
            batch = Batch(s, files, base / "out")
            entries = json.loads((base / "out" / "index.json").read_text(encoding="utf-8"))["documents"]
            batch.statuses = {e["source"]: DocStatus(**e) for e in entries}
            rss0 = _rss_kb()
            reset_peak_rss()
            cpu0 = cpu_seconds()
            if args.part == "both":
                batch.write_metrics_table(also=batch._write_across)
            elif args.part == "table":
                batch.write_metrics_table()
            else:
                batch.write_across_reports()
            cpu, peak = cpu_seconds() - cpu0, proc_status().get("VmHWM", 0)
    print(
        f"{len(files)} documents, end step part {args.part}: RSS {rss0 / 1024:.1f} MB before it, peak "
        f"{peak / 1024:.1f} MB during it (+{(peak - rss0) / 1024:.1f} MB), {cpu:.2f} s CPU"
    )
    return 0


# --------------------------------------------------------------------------------------------------
# Stages (issue 19): where the LLM path's CPU per document goes, without a profiler's distortion
# --------------------------------------------------------------------------------------------------


class _Inline:
    """A chunk pool that runs each step at once in the calling thread: every stage's thread CPU is then the
    document's own, not another thread's."""

    def submit(self, fn: Any, *args: Any) -> Any:
        from concurrent.futures import Future

        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:
            future.set_exception(exc)
        return future

    def shutdown(self, **_: Any) -> None:
        pass


def stages(args: argparse.Namespace) -> int:
    """Thread CPU per stage of ``Summarizer.run`` + JSON rendering, document after document in this thread
    (chunk steps inline), against the fake endpoint in another process, no latency. Each stage is wrapped by
    a timer (thread CPU, so waiting on the endpoint costs nothing); nested stages are indented."""
    import summarizer.api as api
    from summarizer import cache as cache_mod
    from summarizer import summaries as summaries_mod
    from summarizer.llm import client as client_mod
    from summarizer.render import render

    spent: dict[str, float] = defaultdict(float)

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*a: Any, **k: Any) -> Any:
            t = time.thread_time()
            try:
                return fn(*a, **k)
            finally:
                spent[name] += time.thread_time() - t

        return wrapper

    patches = [
        (api.Summarizer, "_chunk_pool", lambda self: _Inline()),
        (api, "analyze", timed("core (analyze)", api.analyze)),
        (api, "merge", timed("merge", api.merge)),
        (api, "verify", timed("verify", api.verify)),
        (client_mod.LLMClient, "complete", timed("client: complete", client_mod.LLMClient.complete)),
        (client_mod.LLMClient, "_post", timed("  HTTP (_post)", client_mod.LLMClient._post)),
        (client_mod.LLMClient, "_read", staticmethod(timed("  parse + validate (_read)", client_mod.LLMClient._read))),
        (cache_mod.ResultCache, "set", timed("call cache: write", cache_mod.ResultCache.set)),
        (cache_mod.ResultCache, "get", timed("call cache: read", cache_mod.ResultCache.get)),
        (summaries_mod.SummaryCache, "put", timed("document cache: write", summaries_mod.SummaryCache.put)),
    ]
    for owner, name, value in patches:
        setattr(owner, name, value)
    print(machine_line())
    print(core_reference(args.core_mb).line())
    with tempfile.TemporaryDirectory(prefix="bench_stages_") as tmp_:
        tmp = Path(tmp_)
        files = varied_copies(args.docs, tmp / "docs")
        warm = varied_copies(2, tmp / "warm", start=args.docs)
        # The collector as a batch sets it (``workers.collector_for_batch``): otherwise the few full collections
        # of a run land in whichever stage is running, and move its figure by milliseconds per document.
        with ServerProcess(0.0) as server, collector_for_batch():
            for label, batch in (("warm", warm), ("run", files)):
                spent.clear()
                with Summarizer(
                    backend="llm", base_url=server.base_url, api_key="x", cache_dir=tmp / label, concurrency=1
                ) as s:
                    requests0, t0 = server.stats().requests, time.thread_time()
                    for f in batch:
                        result = s.run(load_path(f))
                        t = time.thread_time()
                        render(result, "json")
                        spent["render JSON"] += time.thread_time() - t
                    total = time.thread_time() - t0
                    requests = server.stats().requests - requests0
    n = len(files)
    core = spent["core (analyze)"]
    print(f"{n} documents, {requests} requests, serially: {1000 * total / n:.1f} ms/doc = {total / core:.2f}x the core")
    for name, sec in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<28} {1000 * sec / n:7.2f} ms/doc {1000 * sec / requests:7.3f} ms/request")
    return 0


# --------------------------------------------------------------------------------------------------
# Part 3: token cost
# --------------------------------------------------------------------------------------------------

# How tokens are counted: the project's offline rule (summarizer/tokens.py), or a real BPE vocabulary when
# the optional package bpe-openai is installed (pip install bpe-openai: it embeds OpenAI's cl100k/o200k
# vocabularies, so nothing is downloaded at run time).
TOKENIZER: dict[str, Any] = {
    "name": "summarizer.tokens.estimate_tokens (1 per CJK char/punctuation, 1 per other punctuation, "
    "1 per started 4 ASCII letters/digits; whitespace free)",
    "count": estimate_tokens,
}


def use_tokenizer(name: str) -> None:
    if name == "estimate":
        return
    import bpe_openai  # optional: only for --tokenizer o200k_base / cl100k_base

    encoding = bpe_openai.get_encoding(name)
    TOKENIZER["name"] = f"{name} (bpe-openai {bpe_openai.__version__}, exact BPE counts)"
    TOKENIZER["count"] = lambda text: len(encoding.encode(text)) if text else 0


def count_tokens(text: str) -> int:
    return int(TOKENIZER["count"](text))


PER_MESSAGE = 3  # chat-format tokens around each message, plus PER_REQUEST to prime the reply
PER_REQUEST = 3  # (OpenAI's published rule for gpt-3.5/4-class chat models)


def _tok_json(obj: Any) -> int:
    return count_tokens(json.dumps(obj, ensure_ascii=False)) if obj else 0


def request_parts(body: dict[str, Any]) -> dict[str, int]:
    """Prompt tokens of one request body, split by where they come from (``ov_*``: the overview call)."""
    messages = body.get("messages") or []
    system = messages[0]["content"] if messages else ""
    user = messages[-1]["content"] if messages else ""
    parts = {
        "system": count_tokens(system),
        "schema": _tok_json(body.get("tools"))
        + _tok_json(body.get("tool_choice"))
        + _tok_json(body.get("response_format")),
        "framing": PER_REQUEST
        + PER_MESSAGE * len(messages)
        + sum(count_tokens(m.get("content") or "") for m in messages[1:-1]),  # re-asks, if any
    }
    if OVERVIEW_MARK in system:
        parts["user"] = count_tokens(user)
        return {f"ov_{k}": v for k, v in parts.items()}
    head, _, chunk = user.partition(CHUNK_MARK)
    parts["chunk"] = count_tokens(chunk)
    parts["breadcrumb"] = count_tokens(head)
    return parts


PART_LABELS = {
    "chunk": "extraction: chunk text",
    "schema": "extraction: schema (response_format, or tools + tool_choice)",
    "system": "extraction: system prompt",
    "breadcrumb": "extraction: 部分 lines + 片段 label",
    "framing": "extraction: per-message framing",
    "ov_user": "overview: user message",
    "ov_schema": "overview: schema (response_format, or tools + tool_choice)",
    "ov_system": "overview: system prompt",
    "ov_framing": "overview: per-message framing",
}
CASSETTES = Path(__file__).resolve().parent.parent / "tests" / "cassettes" / "corpus"


def doc_costs(path: Path, bodies: list[dict[str, Any]], budget: int) -> dict[str, Any]:
    """One document's token bill: what its requests sent, against the tokens of its cleaned text."""
    analysis = analyze(load_path(path), Settings(chunk_budget=budget))
    parts: dict[str, int] = defaultdict(int)
    for body in bodies:
        for k, v in request_parts(body).items():
            parts[k] += v
    clean_text = analysis.clean.text
    extraction = [b for b in bodies if OVERVIEW_MARK not in b["messages"][0]["content"]]
    return {
        "doc": path.stem,
        "raw_chars": len(analysis.document.text),
        "clean_chars": len(clean_text),
        "clean_tokens": count_tokens(clean_text),
        "requests": len(bodies),
        "extractions": len(extraction),
        "sent": sum(parts.values()),
        "overview_total": sum(v for k, v in parts.items() if k.startswith("ov_")),
        "fixed_each": (parts["schema"] + parts["system"] + parts["breadcrumb"] + parts["framing"])
        / max(1, len(extraction)),
        "parts": dict(parts),
    }


def cost_from_cassettes(folder: Path) -> dict[str, Any]:
    """The requests recorded for the corpus: what the pipeline sends when the model answers as the authored
    answers do (so the overview call reads summaries of realistic length)."""
    by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in sorted(folder.glob("*.json")):
        cassette = json.loads(f.read_text(encoding="utf-8"))
        doc = cassette["label"].split(" chunk ")[0].removesuffix(" overview")
        by_doc[doc].append(cassette["request"]["body"])
    root = folder.parents[2]
    docs = [doc_costs(root / doc, bodies, DEFAULT_BUDGET) for doc, bodies in sorted(by_doc.items())]
    return {"budget": DEFAULT_BUDGET, "source": f"recorded requests in {folder.relative_to(root)}", "docs": docs}


def cost_from_fake(budget: int) -> dict[str, Any]:
    """Every corpus report through the pipeline (fresh cache) against the in-process fake endpoint, answered
    by ``_common.Responder``; every request body the server received is counted."""
    responder = Responder(keep_bodies=True)
    per_doc = []
    with fs.FakeOpenAI(responder) as server, tempfile.TemporaryDirectory(prefix="bench_tok_") as tmp:
        for path in corpus():
            seen = len(server.requests)
            with Summarizer(
                backend="llm",
                base_url=server.base_url,
                api_key="x",
                cache_dir=Path(tmp) / path.stem,
                concurrency=4,
                chunk_budget=budget,
            ) as s:
                s.run(path)
            per_doc.append(doc_costs(path, [r.body for r in server.requests[seen:]], budget))
    return {"budget": budget, "source": "fake endpoint answering as bench/_common.py does", "docs": per_doc}


def tokens(args: argparse.Namespace) -> int:
    print(machine_line())
    print(f"token rule: {TOKENIZER['name']}")
    print(
        f"sent = system + user message contents + schema JSON as sent (response_format, or tools + tool_choice) + "
        f"{PER_MESSAGE}/message + "
        f"{PER_REQUEST}/request"
    )
    if args.source == "cassettes":
        results = [cost_from_cassettes(CASSETTES)]
    else:
        results = [cost_from_fake(b) for b in args.budgets]
    for res in results:
        docs = res["docs"]
        print()
        print(f"chunk budget {res['budget']}, {res['source']}:")
        print(
            f"{'document':<28}{'raw ch':>8}{'clean ch':>9}{'clean/raw':>10}{'clean tok':>10}{'reqs':>5}"
            f"{'fixed/req':>10}{'overview':>9}{'sent tok':>9}{'ratio':>7}"
        )
        for d in docs:
            print(
                f"{d['doc']:<28}{d['raw_chars']:>8}{d['clean_chars']:>9}{d['clean_chars'] / d['raw_chars']:>10.3f}"
                f"{d['clean_tokens']:>10}{d['requests']:>5}{d['fixed_each']:>10.0f}{d['overview_total']:>9}"
                f"{d['sent']:>9}{d['sent'] / d['clean_tokens']:>7.2f}"
            )
        tot = {k: sum(d[k] for d in docs) for k in ("raw_chars", "clean_chars", "clean_tokens", "requests", "sent")}
        print(
            f"{'corpus':<28}{tot['raw_chars']:>8}{tot['clean_chars']:>9}{tot['clean_chars'] / tot['raw_chars']:>10.3f}"
            f"{tot['clean_tokens']:>10}{tot['requests']:>5}{'':>10}{'':>9}{tot['sent']:>9}"
            f"{tot['sent'] / tot['clean_tokens']:>7.2f}"
        )
        ratios = [d["sent"] / d["clean_tokens"] for d in docs]
        print(
            f"ratio: corpus {tot['sent'] / tot['clean_tokens']:.2f} (target <= 1.6); per document "
            f"{min(ratios):.2f}-{max(ratios):.2f}, median {statistics.median(ratios):.2f}"
        )
        parts: dict[str, int] = defaultdict(int)
        for d in docs:
            for k, v in d["parts"].items():
                parts[k] += v
        print("where the sent tokens go (corpus), in tokens per clean-text token:")
        for k, label in PART_LABELS.items():
            print(
                f"  {label:<40}{parts.get(k, 0):>8}  {parts.get(k, 0) / tot['clean_tokens']:.3f}  "
                f"({parts.get(k, 0) / tot['sent']:.0%} of sent)"
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("throughput", help="parts 1 and 2")
    t.add_argument("--docs", type=int, default=200)
    t.add_argument("--latency", type=float, default=0.3, help="seconds per answer (default 0.3)")
    t.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    t.add_argument("--repeat", type=int, default=1, help="repetitions (fresh caches each); min/median/max reported")
    t.add_argument("--core-mb", type=float, default=10.0, help="MB of the bench_core reference run (default 10)")
    t.add_argument(
        "--serial-docs",
        type=int,
        default=50,
        help="documents for the concurrency-1 run (default 50: 200 would take ~10 min; 0 = --docs)",
    )
    t.add_argument(
        "--new-connections",
        action="store_true",
        help="the fake endpoint closes each connection after one answer (HTTP/1.0); by default it keeps them alive, "
        "as real endpoints do",
    )
    m = sub.add_parser("memory", help="issue 19: RSS while a batch runs, and its end step")
    m.add_argument("--docs", type=int, default=200)
    m.add_argument("--latency", type=float, default=0.05, help="seconds per answer (default 0.05)")
    m.add_argument("--concurrency", type=int, default=16)
    m.add_argument("--core-mb", type=float, default=10.0, help="MB of the bench_core reference run (default 10)")
    e = sub.add_parser("endstep", help="issue 19: a batch's end step alone, in a fresh process")
    e.add_argument("--docs", type=int, default=200)
    e.add_argument("--part", choices=["both", "table", "across"], default="both")
    g = sub.add_parser("stages", help="issue 19: thread CPU per pipeline stage, serially")
    g.add_argument("--docs", type=int, default=40)
    g.add_argument("--core-mb", type=float, default=10.0, help="MB of the bench_core reference run (default 10)")
    k = sub.add_parser("tokens", help="part 3")
    k.add_argument(
        "--source",
        choices=["cassettes", "fake"],
        default="cassettes",
        help="cassettes: the recorded corpus requests (budget 1500); fake: run the pipeline against the fake "
        "endpoint at each --budgets",
    )
    k.add_argument("--budgets", type=int, nargs="+", default=[1500], help="chunk budgets (with --source fake)")
    k.add_argument(
        "--tokenizer",
        choices=["estimate", "o200k_base", "cl100k_base"],
        default="estimate",
        help="token counting (o200k_base/cl100k_base need: pip install bpe-openai)",
    )
    args = parser.parse_args(argv)
    if args.cmd == "tokens":
        use_tokenizer(args.tokenizer)
    commands = {"throughput": throughput, "memory": memory, "endstep": endstep, "stages": stages, "tokens": tokens}
    return commands[args.cmd](args)


if __name__ == "__main__":
    raise SystemExit(main())
