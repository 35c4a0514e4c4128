"""Shared pieces of the LLM benchmarks (issue 6): machine info, a valid-answer responder for the fake
OpenAI-compatible server, that server in a separate process, corpus variation, RSS probes.

Nothing here talks to any address but 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import multiprocessing as mp
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from summarizer.numbers import NumberMention, find_numbers  # noqa: E402
from summarizer.testing import fake_openai as fs  # noqa: E402
from summarizer.tokens import estimate_tokens  # noqa: E402

OVERVIEW_MARK = "摘要助手"  # only the overview system prompt has it
CHUNK_MARK = fs.CHUNK_MARK  # the chunk follows this in the extraction call's user message
MAX_ITEMS = 4  # items the fake model returns per chunk (a real model returns a handful)
FIGURE_KINDS = frozenset({"count", "money", "percent", "percent_point"})


# --------------------------------------------------------------------------------------------------
# Machine
# --------------------------------------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def commit() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "summarizer", "prompts"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (other processes' work: on a shared machine every time figure
    moves with it)."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def machine_line() -> str:
    return (
        f"date {_dt.datetime.now().strftime('%Y-%m-%d %H:%M')}, commit {commit()}, {cpu_model()}, "
        f"nproc={os.cpu_count()}, python {platform.python_version()}, load average {load_average()}"
    )


@dataclass
class CoreReference:
    """``bench_core.py`` run inside another benchmark: the machine's speed at that moment. Every time figure of
    a run is printed next to it (or as a ratio to it), so a slow or busy machine is told from a regression."""

    mb_per_s: float
    seconds: float
    mb: float

    def line(self) -> str:
        return (
            f"reference: bench_core {self.mb_per_s:.2f} MB/s in this run ({self.mb:.1f} MB, {self.seconds:.2f} s; "
            f"6.6 MB/s on the idle machine of 2026-11-22)"
        )


def core_reference(mb: float = 10.0) -> CoreReference:
    """The deterministic core (load, clean, sections, chunks, numbers) over ``mb`` MB of corpus copies, timed the
    way ``bench_core.py`` times it (after a warm-up of five files)."""
    import tempfile

    from bench_core import build_corpus, run

    with tempfile.TemporaryDirectory(prefix="bench_ref_") as tmp:
        paths = build_corpus(int(mb * 1_000_000), Path(tmp))
        raw = sum(p.stat().st_size for p in paths) / 1_000_000
        run(paths[:5], None)
        seconds, *_ = run(paths, None)
    total = sum(seconds.values())
    return CoreReference(raw / total, total, raw)


def reset_peak_rss() -> bool:
    """Start this process's peak RSS (VmHWM) over from its current RSS (Linux: /proc/self/clear_refs), so the
    peak of one part of a run can be read on its own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


# --------------------------------------------------------------------------------------------------
# The fake model: a valid, grounded answer for any chunk
# --------------------------------------------------------------------------------------------------

_SENTENCE_RE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]*")
_WRITTEN_RE = re.compile(r"\d[\d.,]*((?:[万亿]|千(?![瓦米克伏])|百(?!分))*)")


def _sentences(text: str) -> list[str]:
    return [s.group().strip() for s in _SENTENCE_RE.finditer(text) if len(s.group().strip()) >= 8]


def _metric_for(sentence: str) -> dict[str, Any] | None:
    """The first figure of a sentence as the extraction schema wants it (value with its scale word)."""
    for m in find_numbers(sentence):
        if m.kind not in FIGURE_KINDS:
            continue
        if m.redacted:
            return _figure(sentence, m, None)
        if m.numeral != "arabic" or m.value is None:
            continue
        written = _WRITTEN_RE.search(m.text)
        if written is None:
            continue
        value = written.group(0)
        if "," in value:
            continue
        return _figure(sentence, m, value)
    return None


def _figure(sentence: str, m: NumberMention, value: str | None) -> dict[str, Any]:
    """A metric of the extraction schema for figure M of SENTENCE: named by the words before it, quoting the
    whole sentence."""
    return {
        "name": sentence[: max(1, min(12, m.start))],
        "value": value,
        "unit": m.unit,
        "kind": "result",
        "quote": sentence,
    }


def chunk_answer(chunk: str, parts: int = 1) -> dict[str, Any]:
    """A ``ChunkExtraction`` grounded in ``chunk``: a summary per part, up to ``MAX_ITEMS`` items from its
    first sentences (those with a figure first, each with that figure as a metric), quotes verbatim."""
    sentences = _sentences(chunk)
    scored = [(s, _metric_for(s)) for s in sentences[: 3 * MAX_ITEMS]]
    chosen = ([x for x in scored if x[1]] + [x for x in scored if not x[1]])[:MAX_ITEMS]  # figures first
    items = [
        {"text": s[:40], "kind": "measure", "quote": s, "metrics": [metric] if metric else []} for s, metric in chosen
    ]
    summary = sentences[0][:60] if sentences else chunk.strip()[:60]
    return {"summaries": [summary] * parts, "items": items}


def overview_answer(user: str) -> dict[str, Any]:
    head = user.split("报告开头:\n", 1)[-1].split("\n\n各部分要点", 1)[0]
    lines = [ln.strip() for ln in head.splitlines() if ln.strip()]
    sentences = _sentences(head)
    return {
        "title": lines[0][:40] if lines else None,
        "organization": None,
        "period": None,
        "overview": sentences[0][:80] if sentences else "本报告总结了上半年工作。",
    }


def request_key(body: dict[str, Any]) -> str:
    """What makes a request the same request: its messages and the response model it asks for."""
    name = fs.response_name(body) or ""
    blob = json.dumps([name, body.get("messages", [])], ensure_ascii=False, sort_keys=True)
    return hashlib.sha1(blob.encode()).hexdigest()


class Responder:
    """``FakeOpenAI`` responder: a valid answer for every request, and a tally of what was asked.

    Runs inside the server's lock (``FakeOpenAI._next``), so the tally needs no lock of its own.
    """

    def __init__(self, keep_bodies: bool = False) -> None:
        self.keep_bodies = keep_bodies
        self.first_seen: dict[str, float] = {}  # request key -> time.time() of its first arrival
        self.repeats: list[tuple[str, float, float]] = []  # (key, first arrival, this arrival)
        self.bodies: list[dict[str, Any]] = []
        self.count = 0

    def __call__(self, body: dict[str, Any], n: int) -> fs.Behaviour:
        self.count += 1
        now = time.time()
        key = request_key(body)
        if key in self.first_seen:
            self.repeats.append((key, self.first_seen[key], now))
        else:
            self.first_seen[key] = now
        if self.keep_bodies:
            self.bodies.append(body)
        messages = body.get("messages") or []
        system = messages[0].get("content", "") if messages else ""
        user = messages[-1].get("content", "") if messages else ""
        if OVERVIEW_MARK in system:
            return fs.answer(overview_answer(user))
        chunk = user.partition(CHUNK_MARK)[2] if CHUNK_MARK in user else user
        answer = chunk_answer(chunk, parts=fs.part_count(body))
        if fs.asks_whole_report(body):  # a one-chunk report: the overview comes with the chunk
            answer.update(overview_answer("报告开头:\n" + chunk))
        return fs.answer(answer)


class LeanFakeOpenAI(fs.FakeOpenAI):
    """``FakeOpenAI`` that forgets request bodies and headers once answered (a 20,000-request run would
    otherwise hold every body in memory); the responder keeps the tally the benchmarks need."""

    def _next(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, fs.Behaviour]:
        n, behaviour = super()._next(body, headers)
        with self._lock:
            rec = self._requests[n]
            self._requests[n] = fs.RecordedRequest(rec.n, {}, {}, rec.received_at, fs.Behaviour(rec.behaviour.kind))
        return n, behaviour


# --------------------------------------------------------------------------------------------------
# The server in its own process, so the client process's CPU time is the pipeline's alone
# --------------------------------------------------------------------------------------------------


def serve_over_pipe(conn: Connection, server: fs.FakeOpenAI, answer: Callable[[Any], Any]) -> None:
    """The child side of a PipeServer: start SERVER, send its ``base_url``, then ``answer(message)`` for each
    message until "stop"; the server and the pipe close however the loop ends."""
    server.start()
    conn.send(server.base_url)
    try:
        while (message := conn.recv()) != "stop":
            conn.send(answer(message))
    finally:
        server.close()
        conn.close()


def _serve(conn: Connection, latency: float, keep_alive: bool = True) -> None:
    responder = Responder()
    server = LeanFakeOpenAI(responder, latency=latency, keep_alive=keep_alive)

    def answer(cmd: Any) -> Any:
        if isinstance(cmd, tuple) and cmd[0] == "arrivals":
            with server._lock:
                return [r.received_at for r in server._requests[cmd[1] :]]
        if cmd != "stats":
            raise ValueError(f"unknown message {cmd!r}")
        with server._lock:
            reqs = list(server._requests)
            repeats = list(responder.repeats)
            distinct = len(responder.first_seen)
        usage = [r.usage for r in reqs if r.usage]
        cpu = os.times()
        return {
            "requests": len(reqs),
            "distinct": distinct,
            "repeats": repeats,
            "prompt_tokens": sum(u["prompt_tokens"] for u in usage),
            "completion_tokens": sum(u["completion_tokens"] for u in usage),
            "cpu": cpu.user + cpu.system,
        }

    serve_over_pipe(conn, server, answer)


@dataclass
class ServerStats:
    requests: int
    distinct: int
    repeats: list[tuple[str, float, float]]
    prompt_tokens: int
    completion_tokens: int
    cpu: float


_Server = TypeVar("_Server", bound="PipeServer")


class PipeServer:
    """A fake endpoint in a forked child process that runs ``target(conn, *args)``: the child sends its
    ``base_url`` first, then answers each message ``ask`` sends, until "stop". One process per server keeps its
    CPU out of the benchmarked process's figures."""

    def __init__(self, target: Callable[..., None], args: tuple[Any, ...], name: str) -> None:
        ctx = mp.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=target, args=(child, *args), daemon=True, name=name)
        self._proc.start()
        child.close()
        self.base_url: str = self._conn.recv()
        self._lock = threading.Lock()

    def ask(self, message: Any) -> Any:
        """The child's answer to MESSAGE (one question at a time: the pipe is shared by threads)."""
        with self._lock:
            self._conn.send(message)
            return self._conn.recv()

    def close(self) -> None:
        with contextlib.suppress(OSError, BrokenPipeError):
            self._conn.send("stop")
        self._proc.join(timeout=10)
        if self._proc.is_alive():
            self._proc.kill()

    def __enter__(self: _Server) -> _Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ServerProcess(PipeServer):
    """The fake endpoint in a child process (fork): ``base_url``, ``stats()``, ``close()``.

    ``keep_alive`` (default): HTTP/1.1 connections reused request after request, as OpenAI, DeepSeek, vLLM and
    Ollama keep them; off, a new connection per request (HTTP/1.0), what every benchmark before 2026-11-30 measured
    (bench/README.md gives both where it matters)."""

    def __init__(self, latency: float = 0.0, *, keep_alive: bool = True) -> None:
        super().__init__(_serve, (latency, keep_alive), "fake-openai")
        self.latency = latency

    def stats(self) -> ServerStats:
        return ServerStats(**self.ask("stats"))

    def arrivals(self, start: int = 0) -> list[float]:
        """``time.monotonic()`` (system-wide clock) at which requests ``start``, ``start + 1``... arrived."""
        result: list[float] = self.ask(("arrivals", start))
        return result


def child_command(script: str, base: Path, url: str, *rest: str) -> list[str]:
    """SCRIPT's ``_child`` mode over BASE/docs into BASE/out with BASE/cache, against URL: the run under
    measure in a fresh process, so its RSS and CPU are its own."""
    folders = [str(base / "docs"), str(base / "out"), str(base / "cache")]
    return [sys.executable, script, "_child", *folders, url, *rest]


@contextlib.contextmanager
def work_folder(keep: Path | None, prefix: str) -> Iterator[Path]:
    """The folder a benchmark works in: KEEP (made if missing, left in place to look at) or, without it, a
    temporary folder removed at the end."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


# --------------------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------------------


def corpus() -> list[Path]:
    paths = sorted(DATA.glob("*.txt"))
    if not paths:
        raise SystemExit(f"no corpus documents in {DATA}")
    return paths


_SPLIT_AT = re.compile(r"[，,]")


def vary(text: str, tag: str) -> str:
    """``text`` with ``tag`` after every full stop and after the first comma of every paragraph of 8+
    characters (before its last character when it has no comma). The chunker may cut a chunk down to one
    sentence, so a tag per paragraph is not enough: this way every chunk of every copy differs and
    nothing is a cache hit."""
    out = []
    for line in text.split("\n"):
        if len(line.strip()) >= 8:
            m = _SPLIT_AT.search(line)
            at = m.end() if m else len(line.rstrip()) - 1
            line = (line[:at] + tag + line[at:]).replace("。", "。" + tag)
        out.append(line)
    return "\n".join(out)


def varied_copies(n: int, out: Path, *, start: int = 0) -> list[Path]:
    """``n`` copies of the corpus, round robin, each paragraph tagged with the copy's number."""
    sources = [(p.stem, p.read_text(encoding="utf-8")) for p in corpus()]
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        stem, text = sources[i % len(sources)]
        path = out / f"{i:05d}_{stem}.txt"
        path.write_text(vary(text, f"〔{i}〕"), encoding="utf-8")
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------------
# Process probes
# --------------------------------------------------------------------------------------------------


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS / VmHWM (peak RSS) in kB from /proc; empty when the process is gone."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(rest.split()[0])
    except (OSError, ValueError):
        pass
    return out


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def fmt_s(x: float) -> str:
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


__all__ = [
    "ROOT",
    "CoreReference",
    "PipeServer",
    "Responder",
    "ServerProcess",
    "child_command",
    "chunk_answer",
    "core_reference",
    "corpus",
    "cpu_seconds",
    "estimate_tokens",
    "machine_line",
    "proc_status",
    "request_key",
    "reset_peak_rss",
    "serve_over_pipe",
    "varied_copies",
    "work_folder",
]
