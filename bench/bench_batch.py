"""The batch API (issue 15): a corpus through the fake batch endpoint, killed once in every phase, and what the
provider's prefix cache can take off the bill.

    python bench/bench_batch.py scale                    # 10,000 documents, a SIGKILL in every phase, then the end
    python bench/bench_batch.py scale --docs 2000        # smaller (the memory comparison)
    python bench/bench_batch.py prefix --tokenizer o200k_base   # cacheable prefix share and billed-token ratio

``scale``: the documents are bench_scale.py's (one chunk each: one request, which writes the overview too).
``FakeBatchOpenAI`` runs in its own process, answering every batch line as ``_common.Responder`` answers a chat
request (and simulating a prefix cache of 64-token blocks, so cached tokens flow through usage). The run is a
child process (``BatchApiRun``, the public API) that SIGKILLs itself right after the first event of the phase
under test (planned: shards written, nothing uploaded; uploaded; created; polled while a batch is
in_progress; downloaded; ingested: one shard judged and stored, the others not), and once more from this
script half way through the assembly; then a last run to the end. Checks: every request answered exactly once
by the server (none twice across all kills), every document ``ok``, and the summaries identical to a
synchronous run's (``batch.Batch`` against a chat endpoint answering the same way) apart from ``usage``.
Peak RSS of every child is read from ``/proc``.

``prefix``: the recorded requests of the corpus (``tests/cassettes/corpus``, tools mode), or the pipeline's
requests at other chunk budgets (``--source fake``), each as the token sequence a provider caches: the tool
schema, the system prompt, the user message. The cacheable prefix of a request is what it shares with every
other request asking for the same response model (system prompt and schema, and for a one-chunk report the
first sentence of its user message); the first request of each kind is counted as a miss. Each provider's
rules are applied: OpenAI caches nothing below 1,024 tokens and then in 128-token steps; DeepSeek in 64-token
units; Qwen/DashScope's implicit cache from 256 tokens; vLLM's automatic prefix caching in 16-token blocks.
Billed input = uncached prompt tokens + cached ones at the provider's cached rate (its discount stated in the
table), over the tokens of the cleaned texts; "all hits" counts the first request of each kind as a hit too (the
limit over a large corpus of documents like these). ``--worked-example on`` (issue 15): the extraction requests
carry the worked example in their system message (recorded requests: rendered by ``prompts.extract_system``;
``--source fake``: the setting, with ``--model gpt-5-mini`` for auto to turn it on).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    ROOT,
    PipeServer,
    Responder,
    ServerProcess,
    child_command,
    machine_line,
    proc_status,
    serve_over_pipe,
    work_folder,
)

PHASES = ["planned", "uploaded", "created", "polled", "downloaded", "ingested", "assembling"]


# --------------------------------------------------------------------------------------------------
# The fake batch endpoint in its own process
# --------------------------------------------------------------------------------------------------


def _serve(conn: Connection) -> None:
    from summarizer.testing.fake_batch import FakeBatchOpenAI, PrefixCache

    responder = Responder()
    server = FakeBatchOpenAI(responder, keep_bodies=False, prefix_cache=PrefixCache(min_tokens=64, block=64))

    def stats(cmd: Any) -> dict[str, int]:
        if cmd != "stats":
            raise ValueError(f"unknown message {cmd!r}")
        with server._lock:
            posts: dict[str, int] = defaultdict(int)
            for method, path in server.calls:
                if method == "POST":
                    posts[path.rsplit("/", 1)[-1] if "cancel" in path else path] += 1
            return {
                "requests": len(server._requests),
                "distinct": len(responder.first_seen),
                "repeats": len(responder.repeats),
                "uploads": posts["/v1/files"],
                "batches": posts["/v1/batches"],
            }

    serve_over_pipe(conn, server, stats)


class BatchServer(PipeServer):
    """The fake Batch API in a child process: ``base_url``, ``stats()``, ``close()``."""

    def __init__(self) -> None:
        super().__init__(_serve, (), "fake-batch")

    def stats(self) -> dict[str, int]:
        result: dict[str, int] = self.ask("stats")
        return result


# --------------------------------------------------------------------------------------------------
# The run, in a child process
# --------------------------------------------------------------------------------------------------


def child(docs: Path, out: Path, cache: Path, base_url: str, kill: str, max_requests: int) -> int:
    from summarizer import Summarizer
    from summarizer.batchapi import BatchApiOptions, BatchApiRun, Event

    def hook(event: Event) -> None:
        if event.kind == kill and (kill != "polled" or event.statuses.get("in_progress")):
            print(json.dumps({"killed": kill, "peak_rss_kb": proc_status().get("VmHWM", 0), **rss_split()}), flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    files = sorted(docs.glob("*.txt"))
    options = BatchApiOptions(max_requests=max_requests, poll_initial=0.2, poll_max=1.0)
    t0 = time.perf_counter()
    with (
        Summarizer(backend="llm", base_url=base_url, api_key="x", cache_dir=cache, concurrency=8) as s,
        BatchApiRun(s, files, out, options=options, on_event=hook) as run,
    ):
        report = run.run()
    t = os.times()
    print(
        json.dumps(
            {
                "wall": time.perf_counter() - t0,
                "cpu": t.user + t.system,
                "phase": report.phase,
                "rounds": report.rounds,
                "ok": sum(st.status == "ok" for st in report.statuses),
                "skipped": sum(st.status == "skipped" for st in report.statuses),
                "failed": sum(st.status == "failed" for st in report.statuses),
                "totals": report.totals,
                "cost_usd": report.cost_usd,
                "peak_rss_kb": proc_status().get("VmHWM", 0),
                **rss_split(),
            }
        ),
        flush=True,
    )
    return 0


def rss_split() -> dict[str, int]:
    """RssAnon (the heap) and RssFile (mapped files: the result cache's SQLite memory map, libraries) in kB."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("RssAnon", "RssFile"):
                out[key] = int(rest.split()[0])
    return out


def sync_child(docs: Path, out: Path, cache: Path, base_url: str) -> int:
    from summarizer import Summarizer
    from summarizer.batch import Batch

    t0 = time.perf_counter()
    with Summarizer(backend="llm", base_url=base_url, api_key="x", cache_dir=cache, concurrency=8) as s:
        statuses = Batch(s, sorted(docs.glob("*.txt")), out).run()
    print(
        json.dumps(
            {
                "wall": time.perf_counter() - t0,
                "ok": sum(st.status == "ok" for st in statuses),
                "peak_rss_kb": proc_status().get("VmHWM", 0),
                **rss_split(),
            }
        ),
        flush=True,
    )
    return 0


@dataclass
class Run:
    phase: str
    wall: float
    peak_rss_kb: int
    report: dict[str, Any]
    killed: bool


def journal_lines(out: Path) -> int:
    try:
        with (out / ".index.journal.jsonl").open("rb") as fh:
            return sum(1 for _ in fh)
    except OSError:
        return 0


def state_phase(out: Path) -> str:
    try:
        return str(json.loads((out / ".batchapi" / "state.json").read_text(encoding="utf-8")).get("phase"))
    except (OSError, ValueError):
        return ""


def run_child(args: argparse.Namespace, base: Path, url: str, kill: str) -> Run:
    cmd = child_command(__file__, base, url, kill if kill != "assembling" else "-", str(args.max_requests))
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak = 0
    killed = False
    while proc.poll() is None:
        st = proc_status(proc.pid)
        peak = max(peak, st.get("VmHWM", 0))
        if (
            kill == "assembling"
            and state_phase(base / "out") == "assembling"
            and (journal_lines(base / "out") >= args.docs // 2)
        ):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed = True
            break
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    lines = (proc.stdout.read() if proc.stdout else "").strip().splitlines()
    report = json.loads(lines[-1]) if lines else {}
    killed = killed or "killed" in report
    return Run(kill or "end", wall, max(peak, report.get("peak_rss_kb", 0)), report, killed)


def compare(base: Path) -> tuple[int, int, list[str]]:
    """(documents compared, identical apart from usage, the first few that differ)."""
    same = total = 0
    differ: list[str] = []
    for f in sorted((base / "sync").glob("*.json")):
        if f.name == "index.json":
            continue
        total += 1
        a = json.loads(f.read_text(encoding="utf-8"))
        try:
            b = json.loads((base / "out" / f.name).read_text(encoding="utf-8"))
        except OSError:
            differ.append(f.name)
            continue
        a.pop("usage")
        b.pop("usage")
        if a == b:
            same += 1
        elif len(differ) < 5:
            differ.append(f.name)
    return total, same, differ


def print_run(number: int, kill: str, run: Run, stats: dict[str, int]) -> None:
    """One line per child run as it ends, so a long scale run shows its progress."""
    what = f"killed in phase {kill}" if run.killed else f"ran to the end ({run.report.get('phase')})"
    split = (
        f" (at its end: heap {run.report['RssAnon'] / 1024:.0f} MB, mapped files {run.report['RssFile'] / 1024:.0f} MB)"
        if "RssAnon" in run.report
        else ""
    )
    print(
        f"run {number}: {what} after {run.wall:.1f} s, peak RSS {run.peak_rss_kb / 1024:.0f} MB{split}; "
        f"server: {stats}",
        flush=True,
    )


def scale(args: argparse.Namespace) -> int:
    from bench_scale import calls_needed, make_docs

    print(machine_line())
    with work_folder(args.keep, "bench_batch_") as base:
        t0 = time.perf_counter()
        paths = make_docs(args.docs, base / "docs")
        needed, most = calls_needed(paths)
        print(
            f"{args.docs} documents (at most {most} chunk each), {needed} requests needed; made in "
            f"{time.perf_counter() - t0:.1f} s; {args.max_requests} requests per batch file",
            flush=True,
        )
        with BatchServer() as server:
            runs: list[Run] = []
            for kill in [*(PHASES if not args.no_kills else []), ""]:
                run = run_child(args, base, server.base_url, kill)
                runs.append(run)
                print_run(len(runs), kill, run, server.stats())
            end = server.stats()
        final = runs[-1].report
        # The synchronous path over the same documents, against a chat endpoint answering the same way.
        with ServerProcess(0.0) as chat:
            cmd = [
                sys.executable,
                __file__,
                "_sync",
                str(base / "docs"),
                str(base / "sync"),
                str(base / "cache-sync"),
                chat.base_url,
            ]
            sync = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()[-1])
        total, same, differ = compare(base)

    print()
    kills = [r for r in runs if r.killed]
    print(f"{len(kills)} kills ({', '.join(r.phase for r in kills)}), then a run to the end")
    print(
        f"final run: {final.get('wall', 0):.1f} s wall, {final.get('cpu', 0):.1f} s CPU, rounds {final.get('rounds')}, "
        f"ok {final.get('ok')}, skipped {final.get('skipped')}, failed {final.get('failed')}"
    )
    totals = final.get("totals", {})
    print(f"ledger: {totals}; cost ${final.get('cost_usd')} at gpt-4o-mini batch rates")
    print(
        f"server: requests answered {end['requests']}, distinct {end['distinct']}, answered twice {end['repeats']}, "
        f"needed {needed}; uploads {end['uploads']}, batches created {end['batches']}"
    )
    print(f"peak RSS per run: {', '.join(f'{r.phase} {r.peak_rss_kb / 1024:.0f} MB' for r in runs)}")
    print(
        f"synchronous run: {sync['wall']:.1f} s, ok {sync['ok']}, peak RSS {sync['peak_rss_kb'] / 1024:.0f} MB "
        f"(at its end: heap {sync.get('RssAnon', 0) / 1024:.0f} MB, "
        f"mapped files {sync.get('RssFile', 0) / 1024:.0f} MB)"
    )
    print(
        f"summaries identical to the synchronous run's apart from usage: {same} of {total}"
        + (f" (differ: {differ})" if differ else "")
    )
    ok = (
        end["repeats"] == 0
        and end["distinct"] == needed == end["requests"]
        and final.get("ok", 0) + final.get("skipped", 0) == args.docs
        and same == total == args.docs
    )
    print(f"every request answered once, every document ok, same summaries: {ok}")
    return 0 if ok else 1


# --------------------------------------------------------------------------------------------------
# Prefix caching
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    name: str
    min_tokens: int  # nothing is cached below this many prefix tokens
    block: int  # cached tokens come in steps of this size
    discount: float  # share of the input price a cached token saves
    note: str

    def cached(self, prefix: int) -> int:
        if prefix < max(self.min_tokens, 1):
            return 0
        return prefix // self.block * self.block


PROFILES = [
    Profile(
        "OpenAI gpt-4.1-mini", 1024, 128, 0.75, "cached input $0.10 of $0.40; 1,024-token minimum, 128-token steps"
    ),
    Profile("OpenAI gpt-4o-mini", 1024, 128, 0.50, "cached input $0.075 of $0.15"),
    Profile("OpenAI gpt-5-mini", 1024, 128, 0.90, "cached input $0.025 of $0.25 (GPT-5 family); 1,024-token minimum"),
    Profile("DeepSeek deepseek-chat", 64, 64, 0.74, "cache hit $0.07 of $0.27; 64-token units"),
    Profile(
        "Qwen qwen-plus (implicit)", 256, 1, 0.80, "implicit cache hits at 20% of the input price; 256-token minimum"
    ),
    Profile("vLLM prefix caching", 0, 16, 1.00, "self-hosted: not billed; the share of prefill compute skipped"),
]


def request_tokens(body: dict[str, Any], encode: Any) -> list[Any]:
    """The request as one token sequence, in the order a provider builds the prompt: tool schema (or
    response_format), then each message."""
    seq: list[Any] = []
    schema = {k: body[k] for k in ("tools", "tool_choice", "response_format") if k in body}
    seq += encode(json.dumps(schema, ensure_ascii=False) if schema else "")
    for m in body.get("messages") or []:
        seq += ["<m>", "<m>", "<m>"]  # the 3 framing tokens of a message (bench_llm.py's rule)
        seq += encode(m.get("content") or "")
    return [*seq, "<r>", "<r>", "<r>"]


def common_prefix(a: list[Any], b: list[Any]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def prefix(args: argparse.Namespace) -> int:
    import bench_llm

    bench_llm.use_tokenizer(args.tokenizer)
    encoder: Any
    if args.tokenizer == "estimate":
        import re

        token_re = re.compile(r"[A-Za-z0-9]{1,4}|\S")
        encoder = token_re.findall
    else:
        import bpe_openai

        enc = bpe_openai.get_encoding(args.tokenizer)
        encoder = enc.encode
    print(machine_line())
    print(f"token rule: {bench_llm.TOKENIZER['name']}")
    if args.source == "cassettes":
        results = [bench_llm.cost_from_cassettes(bench_llm.CASSETTES)]
    else:
        results = [_fake_corpus(b, args) for b in args.budgets]
    print(f"worked example: {_example_note(args)}")
    for res in results:
        bodies = _bodies(res, args)
        clean = sum(d["clean_tokens"] for d in res["docs"])
        groups: dict[str, list[list[Any]]] = defaultdict(list)
        for body in bodies:
            name = _model_name(body)
            groups[name].append(request_tokens(body, encoder))
        prompt = sum(len(t) for g in groups.values() for t in g)
        rows = []
        shared_total = 0
        firsts = 0
        for name, seqs in groups.items():
            static = len(seqs[0])
            for s in seqs[1:]:
                static = min(static, common_prefix(seqs[0], s))
            shared_total += static * (len(seqs) - 1)
            firsts += 1
            rows.append((name, len(seqs), static, sum(len(s) for s in seqs) / len(seqs)))
        print()
        mode = "as recorded" if args.source == "cassettes" else f"--mode {args.mode} --model {args.model}"
        print(
            f"chunk budget {res['budget']}, {res['source']} ({mode}): {len(bodies)} requests, {prompt} prompt tokens, "
            f"{clean} clean-text tokens (sent / clean {prompt / clean:.2f})"
        )
        for name, n, static, mean in rows:
            print(f"  {name:<18} {n:>4} requests, static prefix {static:>5} tokens of {mean:>7.0f} on average")
        print(
            f"  cacheable prefix share: {shared_total / prompt:.1%} of prompt tokens (the first request of each "
            f"of the {firsts} kinds counted as a miss)"
        )
        print(
            f"  {'provider':<28}{'cached/req':>11}{'cached share':>13}{'billed input':>13}{'billed/clean':>13}"
            f"{'all hits':>9}  assumed"
        )
        for p in PROFILES:
            cached = every = 0
            for seqs in groups.values():
                static = len(seqs[0])
                for s in seqs[1:]:
                    static = min(static, common_prefix(seqs[0], s))
                cached += p.cached(static) * (len(seqs) - 1)
                every += p.cached(static) * len(seqs)
            billed = prompt - cached * p.discount
            per_req = cached / max(1, len(bodies) - firsts)
            # "all hits": the first request of each kind a hit too, as over a large corpus of such documents
            print(
                f"  {p.name:<28}{per_req:>11.0f}{cached / prompt:>13.1%}{billed:>13.0f}{billed / clean:>13.2f}"
                f"{(prompt - every * p.discount) / clean:>9.2f}  {p.discount:.0%} off cached input: {p.note}"
            )
    return 0


def _model_name(body: dict[str, Any]) -> str:
    from _common import OVERVIEW_MARK

    from summarizer.testing.fake_openai import response_name

    name = response_name(body)
    if name is not None:
        return name
    return "OverviewDraft" if OVERVIEW_MARK in body["messages"][0]["content"] else "extraction"


def _fake_corpus(budget: int, args: argparse.Namespace) -> dict[str, Any]:
    """The corpus reports (``--docs N``: N varied copies of them, ``_common.varied_copies``: each paragraph
    tagged with its copy's number, so no two chunks are alike; a corpus where the first request of each kind,
    the one miss, weighs what it weighs over N documents instead of five) through the pipeline against the
    fake endpoint: the bodies it sent and the tokens of every document's cleaned text, from one run."""
    import bench_llm
    from _common import corpus, varied_copies

    from summarizer import Summarizer
    from summarizer.analysis import analyze
    from summarizer.config import Settings
    from summarizer.load import load_path
    from summarizer.testing import fake_openai as fs

    responder = Responder(keep_bodies=True)
    with fs.FakeOpenAI(responder) as server, tempfile.TemporaryDirectory(prefix="bench_prefix_") as tmp:
        files = varied_copies(args.docs, Path(tmp) / "docs") if args.docs else corpus()
        settings = {"chunk_budget": budget, "mode": args.mode, "model": args.model}
        with Summarizer(
            backend="llm", base_url=server.base_url, api_key="x", cache_dir=Path(tmp) / "cache", concurrency=4,
            worked_example=args.worked_example, **settings,
        ) as s:
            for path in files:
                s.run(path)
        clean = sum(
            bench_llm.count_tokens(analyze(load_path(f), Settings(chunk_budget=budget)).clean.text) for f in files
        )
        source = f"{args.docs} varied copies of the corpus reports" if args.docs else "the corpus reports"
        return {
            "budget": budget,
            "source": f"{source}, fake endpoint answering as bench/_common.py does",
            "docs": [{"clean_tokens": clean}],
            "bodies": [r.body for r in server.requests],
        }


def _bodies(res: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    """The request bodies behind a result: the fake run's own, or the recorded ones read again (bench_llm's
    cassette result keeps token counts only)."""
    if "bodies" in res:
        return list(res["bodies"])
    import bench_llm

    bodies = [
        json.loads(f.read_text(encoding="utf-8"))["request"]["body"] for f in sorted(bench_llm.CASSETTES.glob("*.json"))
    ]
    return [_with_example(b) for b in bodies] if args.worked_example == "on" else bodies


def _example_note(args: argparse.Namespace) -> str:
    if args.source == "fake":
        return f"--worked-example {args.worked_example} for --model {args.model} (the pipeline builds the bodies)"
    if args.worked_example == "on":
        return "on: the recorded extraction requests with the system message the code renders with the example"
    return "as recorded (off: the recording model gpt-4o-mini resolves auto to off)"


def _with_example(body: dict[str, Any]) -> dict[str, Any]:
    """A recorded extraction request as it is sent with the worked example: its system message replaced by
    the one ``prompts.extract_system`` renders with it (the code's own function, not a copy of its text)."""
    from summarizer.prompts import extract_system

    messages = body["messages"]
    if messages[0]["content"] != extract_system(False):
        return body  # the overview request, which never carries it
    return {**body, "messages": [{**messages[0], "content": extract_system(True)}, *messages[1:]]}


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "_child":
        docs, out, cache, url, kill, max_requests = sys.argv[2:8]
        return child(Path(docs), Path(out), Path(cache), url, kill, int(max_requests))
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "_sync":
        docs, out, cache, url = sys.argv[2:6]
        return sync_child(Path(docs), Path(out), Path(cache), url)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("scale")
    p.add_argument("--docs", type=int, default=10_000)
    p.add_argument("--max-requests", type=int, default=2_500, help="requests per batch file")
    p.add_argument("--no-kills", action="store_true", help="one run to the end, no kills")
    p.add_argument("--keep", type=Path, default=None)
    p.set_defaults(fn=scale)
    q = sub.add_parser("prefix")
    q.add_argument("--tokenizer", default="estimate", choices=["estimate", "o200k_base", "cl100k_base"])
    q.add_argument("--source", default="cassettes", choices=["cassettes", "fake"])
    q.add_argument("--budgets", type=int, nargs="+", default=[1500, 3000])
    q.add_argument("--mode", default="auto", help="with --source fake: the mode the requests are sent in")
    q.add_argument("--model", default="gpt-4o-mini", help="with --source fake: the model the requests name")
    q.add_argument(
        "--docs",
        type=int,
        default=0,
        help="with --source fake: N varied copies of the corpus reports instead of the five reports once",
    )
    q.add_argument(
        "--worked-example",
        default="auto",
        choices=["auto", "on", "off"],
        help="the extraction prompt's worked example: with --source fake the setting; for the recorded requests "
        "'on' renders their system message with it (auto/off: as recorded)",
    )
    q.set_defaults(fn=prefix)
    args = parser.parse_args(argv)
    return int(args.fn(args))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
