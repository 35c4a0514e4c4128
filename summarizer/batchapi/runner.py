"""A corpus through a provider's batch API (or exported to, and imported from, OpenAI-format batch files), in
rounds, resumable at every phase; then assembled exactly as a synchronous batch.

A round:

1. **plan**: every document is planned (``plan.py``) and each request it needs next is decided from the
   result cache and the ledger: answered (a cached answer, or a kept one), to send (never asked; asked and
   rejected: its re-ask, built by ``llm/client.reask_messages``; asked and not answered: again), or failed. A
   document's overview request is built once all its chunk answers are in, so it goes in the round after
   them. The requests are written as JSONL shards of whole documents, each within ``max_requests`` and
   ``max_bytes``; ``custom_id`` is the answer's cache key, a key already planned in the round is not
   written twice.
2. **submit**: each shard is uploaded (``purpose=batch``) and a batch created on it; an upload refused for
   its size splits the shard in two.
3. **poll** every batch until it ends (completed, failed, expired, cancelled), backing off.
4. **download** its output and error files into the work folder (``OUT/.batchapi/``).
5. **ingest**: every answer is judged by the synchronous path's own validation (``wire.Judge``); accepted
   ones go to the result cache, rejected ones are re-asked next round (at most ``validation_retries``
   times; then an ungrounded but well-formed answer is kept for verification to flag, as the synchronous
   path keeps it), and requests without an answer (an error line, expired, missing, an unreadable line) are
   sent again next round (at most ``transport_retries`` times more).

When a round plans nothing, every document is **assembled** by ``batch.Batch`` with a backend that reads the
answers back (``LedgerBackend``): merge, verify, render and ``index.json`` as in any batch, and each summary's
usage is what its requests cost over the rounds, at the batch rates.

Every step is recorded before the next begins (``store.py``), and the two calls that are not idempotent are
looked up before they are repeated (``provider.py``), so a run killed at any point resumes where it stopped,
sending nothing twice and losing nothing downloaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, ValidationError

from ..cache import ResultCache
from ..config import AUTO_MODES
from ..cost import batch_price_for, estimate_cost
from ..errors import InputError, LLMError, SummarizerError
from ..extract import ChunkResult, ChunkStep, OverviewStep
from ..fingerprint import DEFAULT_BASE_URL, endpoint_id
from ..llm.client import _FALLBACK, _FEATURE_WORDS, _UNSUPPORTED_WORDS, ModeName, reask_messages
from ..models import ChunkExtraction, OverviewDraft, ReportExtraction, Usage
from ..plan import DocumentPlan, Request, request_for
from ..workers import collector_for_batch
from .store import (
    TERMINAL,
    Attempt,
    Ledger,
    Round,
    RunState,
    Shard,
    StateFile,
    dumps,
    iter_lines,
    read_line,
)
from .wire import MODE_REJECTED, BodyBuilder, Judge, Verdict, usage_of

if TYPE_CHECKING:
    from ..api import Summarizer
    from ..batch import DocStatus
    from .provider import Provider

log = logging.getLogger("summarizer.batchapi")

WORK_DIR = ".batchapi"
OPENAI_MAX_REQUESTS = 50_000  # OpenAI's limits per batch input file
OPENAI_MAX_BYTES = 200 * 1000 * 1000
_CUSTOM_ID_RE = re.compile(rb'"custom_id"\s*:\s*"([^"]+)"')


@dataclass(frozen=True)
class BatchApiOptions:
    """How a batch API run sends its requests (none of these changes an answer)."""

    max_requests: int = OPENAI_MAX_REQUESTS  # requests per JSONL file (one provider batch)
    max_bytes: int = OPENAI_MAX_BYTES  # bytes per JSONL file
    endpoint: str = "/v1/chat/completions"  # the url of each request line and of the batch
    window: str = "24h"  # completion_window
    poll_initial: float = 10.0  # seconds between status checks, growing 1.5x while nothing changes
    poll_max: float = 300.0
    formats: tuple[str, ...] = ("json",)  # output formats of the assembled documents


@dataclass
class Event:
    """What a run reports as it goes (``on_event``): a phase's step done, or a status check."""

    kind: str  # planned | uploaded | created | polled | downloaded | ingested | exported | imported | assembling | done
    round: int
    message: str
    shard: str | None = None
    total: int = 0  # requests of the round
    completed: int = 0  # answered by the provider so far (the batches' request counts)
    failed: int = 0
    statuses: dict[str, int] = field(default_factory=dict)  # batches of the round by provider status


@dataclass
class Report:
    """The outcome of one invocation: what phase the run is in and what it cost so far."""

    phase: str  # done | exported | waiting | cancelled
    rounds: int
    message: str
    statuses: list[DocStatus] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    cost_usd: float | None = None
    running: int = 0  # batches still running at the provider


def _doc_count(n: int) -> str:
    return f"{n} document{'' if n == 1 else 's'}"


class BatchApiRun:
    """One corpus, one output folder, one resumable batch API run; see the module docstring."""

    def __init__(
        self,
        summarizer: Summarizer,
        files: list[Path],
        out: Path,
        *,
        root: Path | None = None,
        options: BatchApiOptions | None = None,
        on_event: Callable[[Event], None] | None = None,
        provider: Provider | None = None,
        wait: bool = False,
    ) -> None:
        """``wait``: when another run writes into ``out``, wait for it instead of stopping (``batch.OutLock``)."""
        if not summarizer.spec.capabilities.supports_batch:
            raise InputError(
                f"--batch-api needs a model endpoint (--backend llm with --base-url/--api-key), not the "
                f"{summarizer.backend} backend"
            )
        settings = summarizer.settings
        if not settings.use_cache:
            raise InputError("--batch-api feeds every answer back through the result cache: drop --no-cache")
        self.summarizer = summarizer
        self.settings = settings
        self.files = files
        self.out = out
        self.root = root
        self.options = options or BatchApiOptions()
        self.on_event = on_event or (lambda _e: None)
        self.wait = wait
        self.work = out / WORK_DIR
        # auto starts with its first mode and falls back between rounds (``_fall_back``), as a client does
        # between requests; the state file keeps the mode the run is in.
        self.first_mode: ModeName = cast(ModeName, AUTO_MODES[0]) if settings.mode == "auto" else settings.mode
        self._provider = provider
        self.sleep: Callable[[float], None] = time.sleep
        self._state_file = StateFile(self.work / "state.json")
        self.state: RunState | None = None
        self._ledger: Ledger | None = None
        # Answers are read as stored (--refresh decides only whether a request is sent in the first place).
        self.cache = ResultCache(settings.cache_dir)
        self._bodies: dict[str, BodyBuilder] = {}
        self._judges: dict[str, Judge] = {}

    # -- lifecycle --------------------------------------------------------------------------------
    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None
        for judge in self._judges.values():
            judge.close()
        if self._provider is not None:
            self._provider.close()
        self.cache.close()

    def __enter__(self) -> BatchApiRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            self._ledger = Ledger(self.work / "ledger.sqlite")
        return self._ledger

    @property
    def provider(self) -> Provider:
        if self._provider is None:
            from .provider import Provider

            self._provider = Provider(self.settings, endpoint=self.options.endpoint, window=self.options.window)
        return self._provider

    @property
    def mode(self) -> ModeName:
        """The mode requests are sent in now (auto's fallbacks move it on between rounds)."""
        return cast(ModeName, self.state.mode) if self.state is not None else self.first_mode

    def bodies(self, mode: ModeName) -> BodyBuilder:
        if mode not in self._bodies:
            self._bodies[mode] = BodyBuilder(self.settings, mode)
        return self._bodies[mode]

    def judge(self, mode: ModeName) -> Judge:
        if mode not in self._judges:
            self._judges[mode] = Judge(self.settings, mode)
        return self._judges[mode]

    def _round_mode(self, number: int) -> str:
        state = self.open_state()
        return state.rounds[number - 1].mode if 0 < number <= len(state.rounds) else state.mode

    # -- state --------------------------------------------------------------------------------------
    def _files_hash(self) -> str:
        return hashlib.sha256("\n".join(str(f) for f in self.files).encode("utf-8")).hexdigest()[:16]

    def _answers_id(self) -> str:
        return self.summarizer.fingerprint.settings_id({})

    def open_state(self) -> RunState:
        """The run's state: resumed when the work folder holds this run, started afresh otherwise (a
        finished run over other files or settings is set aside; an unfinished one is refused)."""
        if self.state is not None:
            return self.state
        state = self._state_file.load() if self._state_file.path.exists() else None
        if state is not None and (state.files != self._files_hash() or state.answers != self._answers_id()):
            what = "files" if state.files != self._files_hash() else "model, endpoint or answer settings"
            running = any(s.status in ("submitted", "creating") for r in state.rounds for s in r.shards)
            if not state.assembled or running:
                raise InputError(
                    f"{self.work}: an unfinished batch API run over other {what} (run {state.run_id}); finish it "
                    f"with the same inputs and settings, cancel it with --batch-cancel, or remove {self.work}"
                )
            self.close_ledger()
            shutil.move(str(self.work), str(self.work.with_name(f"{WORK_DIR}-{state.run_id}")))
            state = None
        if state is None:
            state = RunState(
                run_id=secrets.token_hex(6),
                created_at=time.time(),
                answers=self._answers_id(),
                files=self._files_hash(),
                documents=len(self.files),
                model=self.settings.model,
                endpoint=endpoint_id(self.settings.base_url or DEFAULT_BASE_URL),
                mode=self.first_mode,
            )
            self.work.mkdir(parents=True, exist_ok=True)
            self._state_file.save(state)
        self.state = state
        return state

    def close_ledger(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None

    def save(self, phase: str | None = None) -> None:
        assert self.state is not None
        if phase is not None:
            self.state.phase = phase
        self._state_file.save(self.state)

    # -- deciding a request's next step ---------------------------------------------------------------
    def _decide(self, request: Request, round_no: int) -> tuple[str, Any]:
        """("answered", value) | ("send", messages) | ("failed", reason) for a request, before round ``round_no``."""
        history = self.ledger.history(request.key, before=round_no)
        if history:
            last = history[-1]
            if last.outcome == "accepted":
                value = request.cached(self.cache)
                if value is not None:
                    return "answered", value
                return "send", request.messages  # accepted once, since dropped from the cache: ask again
            if last.outcome == "kept":
                return "answered", _unchecked(request, last.value or "")
            if last.outcome == "failed":
                return "failed", last.reason
            # The last rejection in the mode the run is in now: after a fallback the request starts over, as a
            # client's does ("a format problem, not a content one").
            rejected = [a for a in history if a.outcome == "rejected" and self._round_mode(a.round) == self.mode]
            if rejected:
                return "send", reask_messages(request.messages, rejected[-1].answer, rejected[-1].reason)
            return "send", request.messages
        if not self.settings.refresh:
            value = request.cached(self.cache)
            if value is not None:
                return "answered", value
        return "send", request.messages

    def _frontier(self, plan: DocumentPlan, round_no: int) -> Iterator[tuple[Request, str, Any]]:
        """The document's requests that round ``round_no`` can decide: every chunk request, and the overview
        request once every chunk is answered; each with its decision."""
        fingerprint = self.summarizer.fingerprint
        results: list[ChunkResult] = []
        complete = True
        for step in plan.chunks:
            if step.skip:
                results.append(ChunkResult.skipped(step.chunk))
                continue
            request = request_for(step, fingerprint)
            decision, detail = self._decide(request, round_no)
            yield request, decision, detail
            if decision == "answered":
                results.append(_chunk_result(step, detail))
            else:
                complete = False
        if complete and not plan.whole:
            overview = plan.overview(results)
            assert overview is not None
            request = request_for(overview, fingerprint)
            decision, detail = self._decide(request, round_no)
            yield request, decision, detail

    def _plans(
        self, first: int = 0, last: int | None = None, *, skip_done: bool = False
    ) -> Iterator[tuple[int, DocumentPlan]]:
        """(index, plan) of every loadable document in ``files[first:last+1]``; one that cannot be loaded or
        analysed is left to the assembly, which reports it. ``skip_done``: leave out the documents the ledger
        knows to need nothing more (unless their text changed since), without analysing them."""
        from ..load import load_path

        end = len(self.files) - 1 if last is None else last
        done = self.ledger.done_documents() if skip_done else {}
        limits = self.settings.load_limits()
        for index in range(first, end + 1):
            try:
                document = load_path(self.files[index], limits)
                if done.get(index) == document.sha256:
                    continue
                plan = self.summarizer.plan(document)
            except SummarizerError:
                continue
            yield index, plan

    def _settle(self, index: int, plan: DocumentPlan, round_no: int) -> bool:
        """Record the document as needing nothing more when no request of it is left to send before round
        ``round_no`` (the next round skips it without analysing it again); True when so."""
        if any(decision == "send" for _r, decision, _d in self._frontier(plan, round_no)):
            return False
        self.ledger.mark_done(index, plan.analysis.document.sha256)
        return True

    def _fall_back(self) -> None:
        """In ``auto``: when the last round's answers say the endpoint does not take the mode it was sent in
        (an HTTP 400 naming the mode's feature, an answer not in the mode's shape), the next rounds use the
        next of ``AUTO_MODES``, as a client falls back once between requests; the rejected requests are sent
        again in it."""
        state = self.open_state()
        if self.settings.mode != "auto" or not state.rounds:
            return
        last = state.rounds[-1]
        if last.mode != state.mode or not self.ledger.mode_rejections(last.number):
            return
        nxt = _FALLBACK.get(state.mode)
        if nxt is None:
            return
        log.warning(
            "endpoint %s rejected %s mode in round %d's batch; the next rounds use %s mode",
            state.endpoint,
            state.mode,
            last.number,
            nxt,
        )
        state.mode = nxt
        self.save()

    # -- 1. plan ------------------------------------------------------------------------------------
    def plan_round(self, via: str) -> Round | None:
        """Plan the next round and write its shards; None when nothing is left to send."""
        state = self.open_state()
        number = len(state.rounds) + 1
        folder = self.work / f"round-{number}"
        if folder.exists():  # a plan cut short by a kill: made again from scratch
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        self.ledger.forget_plan(number)
        self._fall_back()
        writer = _ShardWriter(folder, number, self.options)
        planned = 0
        for index, plan in self._plans(skip_done=True):
            lines: list[tuple[str, bytes]] = []
            for request, decision, detail in self._frontier(plan, number):
                if decision != "send":
                    continue
                body = self.bodies(self.mode).body(detail, request.response_model)
                line = dumps({"custom_id": request.key, "method": "POST", "url": self.options.endpoint, "body": body})
                lines.append((request.key, (line + "\n").encode("utf-8")))
            if not lines:
                self.ledger.mark_done(index, plan.analysis.document.sha256)
                continue
            shard = writer.shard_for(index, lines)
            for key, data in lines:
                if self.ledger.plan(key, number, shard):
                    writer.write(data)
                    planned += 1
        shards = writer.close()
        self.ledger.commit()
        if not shards:
            shutil.rmtree(folder)
            return None
        rnd = Round(number=number, via=via, mode=self.mode, requests=planned, shards=shards)  # type: ignore[arg-type]
        state.rounds.append(rnd)
        self.save("submitting" if via == "api" else "exported")
        self.on_event(
            Event("planned", number, f"round {number}: {planned} requests in {len(shards)} file(s)", total=planned)
        )
        return rnd

    # -- 2. submit ----------------------------------------------------------------------------------
    def _filename(self, rnd: Round, shard: Shard) -> str:
        assert self.state is not None
        return f"summarizer-{self.state.run_id}-r{rnd.number}-{shard.name}-{shard.sha256[:12]}.jsonl"

    def submit(self, rnd: Round) -> None:
        assert self.state is not None
        i = 0
        while i < len(rnd.shards):
            shard = rnd.shards[i]
            if shard.status in ("planned", "uploading") and not self._upload(rnd, shard):
                continue  # split in two: the halves are now at i and i + 1
            if shard.status in ("uploaded", "creating"):
                self._create(rnd, shard)
            i += 1

    def _upload(self, rnd: Round, shard: Shard) -> bool:
        from .provider import UploadTooLarge

        path = self.work / shard.path
        name = self._filename(rnd, shard)
        found = self.provider.find_file(name, shard.bytes) if shard.status == "uploading" else None
        if found is None:
            shard.status = "uploading"
            self.save()
            try:
                found = self.provider.upload(path, name)
            except UploadTooLarge as exc:
                self._split(rnd, shard, str(exc))
                return False
        shard.file_id = found
        shard.status = "uploaded"
        self.save()
        self.on_event(Event("uploaded", rnd.number, f"uploaded {shard.name} ({shard.requests} requests)", shard.name))
        return True

    def _split(self, rnd: Round, shard: Shard, reason: str) -> None:
        """An upload refused for its size: the shard becomes two, each half of its lines."""
        path = self.work / shard.path
        lines = path.read_bytes().splitlines(keepends=True)
        if len(lines) < 2:
            raise LLMError(f"batch API: one request is larger than the endpoint accepts ({reason})")
        log.warning("%s refused for its size (%s): split in two", shard.name, reason)
        halves = []
        for suffix, part in (("a", lines[: len(lines) // 2]), ("b", lines[len(lines) // 2 :])):
            rel = str(Path(shard.path).with_name(f"{Path(shard.path).stem}{suffix}.jsonl"))
            data = b"".join(part)
            write_atomic_bytes(self.work / rel, data)
            half = Shard(
                name=shard.name + suffix,
                path=rel,
                requests=len(part),
                bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                docs=shard.docs,
            )
            keys = [m.group(1).decode() for m in (_CUSTOM_ID_RE.search(x) for x in part) if m]
            self.ledger.move_planned(rnd.number, keys, half.name)
            halves.append(half)
        self.ledger.commit()
        at = rnd.shards.index(shard)
        rnd.shards[at : at + 1] = halves
        self.save()
        path.unlink(missing_ok=True)

    def _create(self, rnd: Round, shard: Shard) -> None:
        assert self.state is not None and shard.file_id is not None
        batch = self.provider.find_batch(shard.file_id, self.state.created_at) if shard.status == "creating" else None
        if batch is None:
            shard.status = "creating"
            self.save()
            metadata = {"summarizer_run": self.state.run_id, "round": str(rnd.number), "shard": shard.name}
            batch = self.provider.create(shard.file_id, metadata)
        shard.batch_id = str(batch["id"])
        shard.status = "submitted"
        self._update(shard, batch)
        self.save("polling")
        self.on_event(Event("created", rnd.number, f"created batch {shard.batch_id} for {shard.name}", shard.name))

    # -- 3. poll ------------------------------------------------------------------------------------
    @staticmethod
    def _update(shard: Shard, batch: dict[str, Any]) -> bool:
        """Fold a retrieved batch into its shard; True when anything changed."""
        counts = batch.get("request_counts") or {}
        errors = (batch.get("errors") or {}).get("data") or []
        before = (shard.batch_status, dict(shard.counts))
        shard.batch_status = batch.get("status")
        shard.counts = {k: int(v) for k, v in counts.items() if isinstance(v, int)}
        shard.output_file_id = batch.get("output_file_id") or shard.output_file_id
        shard.error_file_id = batch.get("error_file_id") or shard.error_file_id
        shard.errors = [f"{e.get('code')}: {e.get('message')}" for e in errors if isinstance(e, dict)][:10]
        if shard.batch_status in TERMINAL:
            shard.status = "ended"
        return before != (shard.batch_status, shard.counts)

    def _progress(self, rnd: Round, kind: str, message: str) -> Event:
        statuses: dict[str, int] = {}
        completed = failed = 0
        for s in rnd.shards:
            key = s.batch_status or s.status
            statuses[key] = statuses.get(key, 0) + 1
            completed += s.counts.get("completed", 0)
            failed += s.counts.get("failed", 0)
        return Event(
            kind, rnd.number, message, total=rnd.requests, completed=completed, failed=failed, statuses=statuses
        )

    def poll(self, rnd: Round) -> None:
        interval = self.options.poll_initial
        while True:
            waiting = [s for s in rnd.shards if s.status == "submitted"]
            changed = False
            for shard in waiting:
                assert shard.batch_id is not None
                changed |= self._update(shard, self.provider.retrieve(shard.batch_id))
            if changed:
                self.save()
            self.on_event(self._progress(rnd, "polled", f"round {rnd.number}: polled"))
            if all(s.status != "submitted" for s in rnd.shards):
                return
            self.sleep(interval)
            interval = self.options.poll_initial if changed else min(interval * 1.5, self.options.poll_max)

    # -- 4. download --------------------------------------------------------------------------------
    def download(self, rnd: Round) -> None:
        for shard in rnd.shards:
            if shard.status != "ended":
                continue
            downloads = []
            stem = Path(shard.path).stem
            # The error file first: when a request has a line in both, the output file's line wins.
            for kind, file_id in (("errors", shard.error_file_id), ("output", shard.output_file_id)):
                if file_id is None:
                    continue
                rel = str(Path(shard.path).with_name(f"{stem}.{kind}.jsonl"))
                self.provider.download(file_id, self.work / rel)
                downloads.append(rel)
            shard.downloads = downloads
            shard.status = "downloaded"
            self.save("ingesting")
            self.on_event(Event("downloaded", rnd.number, f"downloaded {shard.name}", shard.name))

    # -- 5. ingest ----------------------------------------------------------------------------------
    def ingest(self, rnd: Round) -> None:
        for shard in rnd.shards:
            if shard.status == "ingested":
                continue
            if self.ledger.is_ingested(rnd.number, shard.name):  # killed between the ledger and the state file
                shard.status = "ingested"
                self.save()
                continue
            if rnd.via == "api":
                if shard.status != "downloaded":
                    continue
                for rel in shard.downloads:
                    self._index(self.work / rel, rel, rnd.number)
            self._ingest_shard(rnd, shard)
        if all(s.status == "ingested" for s in rnd.shards):
            rnd.ingested = True
            self.save()

    def _index(self, path: Path, name: str, round_no: int) -> int:
        """Where each custom_id's result line is (SQLite, so memory stays flat); the lines that name none."""
        unreadable = 0
        for offset, line in iter_lines(path):
            match = _CUSTOM_ID_RE.search(line)
            if match is None:
                unreadable += 1
                continue
            self.ledger.index_result(match.group(1).decode("utf-8", "replace"), round_no, name, offset)
        if unreadable:
            log.warning("%s: %d line(s) name no custom_id; their requests are sent again", name, unreadable)
        return unreadable

    def _missing_reason(self, shard: Shard) -> str:
        status = shard.batch_status
        if status == "failed":
            return "the batch failed" + (f" ({'; '.join(shard.errors[:2])})" if shard.errors else "")
        if status in ("expired", "cancelled"):
            return f"the batch was {status} before this request ran"
        return "no result line for this request"

    def _ingest_shard(self, rnd: Round, shard: Shard) -> None:
        ledger = self.ledger
        tally: dict[str, int] = {}
        for index, plan in self._plans(*shard.docs):
            # Planned in this shard, whatever the cache says now: a shard half ingested before a kill has
            # stored some answers already, and they must be recorded (and their usage kept) all the same.
            judged = 0
            for request, _decision, _detail in self._frontier(plan, rnd.number):
                if ledger.planned_shard(request.key, rnd.number) != shard.name:
                    continue
                attempt = self._judge_one(request, rnd, shard)
                ledger.record(attempt)
                tally[attempt.outcome] = tally.get(attempt.outcome, 0) + 1
                judged += 1
            if judged:
                self._settle(index, plan, rnd.number + 1)
        ledger.mark_ingested(rnd.number, shard.name)
        # The ledger says "accepted" only of answers the cache holds: the cache commits its writes in groups
        # (cache module doc), so they are committed first; a kill between the two asks nothing again.
        self.cache.flush()
        ledger.commit()
        shard.status = "ingested"
        self.save()
        summary = ", ".join(f"{n} {k}" for k, n in sorted(tally.items())) or "nothing"
        self.on_event(Event("ingested", rnd.number, f"ingested {shard.name}: {summary}", shard.name))

    def _result_line(self, request: Request, round_no: int) -> tuple[dict[str, Any] | None, str]:
        """(the result line, "") or (None, why there is none)."""
        where = self.ledger.result(request.key, round_no)
        if where is None:
            return None, ""
        name, offset = where
        path = Path(name) if os.path.isabs(name) else self.work / name
        raw = read_line(path, offset)
        try:
            line = json.loads(raw)
        except ValueError:
            return None, "the result line is not valid JSON"
        return (line, "") if isinstance(line, dict) else (None, "the result line is not a JSON object")

    def _judge_one(self, request: Request, rnd: Round, shard: Shard) -> Attempt:
        history = self.ledger.history(request.key, before=rnd.number)
        reasks = sum(a.outcome == "rejected" for a in history)
        errors = sum(a.outcome == "error" for a in history)
        line, problem = self._result_line(request, rnd.number)
        tokens = usage_of(None)
        if line is None:
            verdict = Verdict("error", reason=problem or self._missing_reason(shard))
        else:
            response = line.get("response") if isinstance(line.get("response"), dict) else None
            body = response.get("body") if response else None
            status = response.get("status_code") if response else None
            tokens = usage_of(body)
            mode = cast(ModeName, rnd.mode)
            if status == 200 and isinstance(body, dict):
                judge = self.judge(mode)
                verdict = judge.judge(request.messages, request.response_model, request.grounding, request.label, body)
            else:
                reason = _line_error(line, status)
                if _line_rejects_mode(status, reason, mode):
                    reason = f"{MODE_REJECTED}{reason}"
                verdict = Verdict("error", reason=reason)
        base = Attempt(request.key, rnd.number, "error", tokens.prompt, tokens.cached, tokens.completion)
        if verdict.outcome == "accepted":
            assert verdict.value is not None
            request.store(self.cache, verdict.value, rnd.mode)
            return replace(base, outcome="accepted")
        if verdict.outcome == "rejected":
            if reasks < self.settings.validation_retries:
                return replace(base, outcome="rejected", answer=verdict.answer_text, reason=verdict.reason)
            if verdict.unchecked is not None:
                log.warning(
                    "%s: answer still not grounded after %d re-ask(s) (%s); kept for verification to flag",
                    request.label,
                    reasks,
                    " ".join(verdict.reason.split())[:300],
                )
                return replace(base, outcome="kept", reason=verdict.reason, value=verdict.unchecked.model_dump_json())
            return replace(base, outcome="failed", reason=f"no valid answer after {reasks} re-ask(s): {verdict.reason}")
        if errors < self.settings.transport_retries:
            return replace(base, reason=verdict.reason)
        return replace(base, outcome="failed", reason=f"no answer after {errors + 1} round(s): {verdict.reason}")

    # -- export and import ----------------------------------------------------------------------------
    def export(self, rnd: Round, target: Path) -> None:
        """The round's requests as one OpenAI-format batch file (for ``vllm run-batch`` or any engine)."""
        tmp = target.with_name(f".{target.name}.part")
        target.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as out:
            for shard in rnd.shards:
                with (self.work / shard.path).open("rb") as src:
                    shutil.copyfileobj(src, out)
        tmp.replace(target)
        rnd.exported = str(target.resolve())
        self.save("exported")
        self.on_event(
            Event(
                "exported",
                rnd.number,
                f"round {rnd.number}: {rnd.requests} requests written to {target}",
                total=rnd.requests,
            )
        )

    def import_results(self, rnd: Round, results: Path) -> None:
        """Read results (OpenAI's batch output format, as ``vllm run-batch`` writes it; a file, or a folder of
        ``*.json``/``*.jsonl`` files as Ray Data writes them) back as the round's answers, then ingest them like
        downloaded ones."""
        if results.is_dir():
            files = sorted(p for p in results.iterdir() if p.suffix in (".json", ".jsonl") and p.is_file())
        elif results.is_file():
            files = [results]
        else:
            raise InputError(f"{results}: no such results file or folder")
        if not files:
            raise InputError(f"{results}: no .json or .jsonl files in this folder")
        resolved = str(results.resolve())
        if rnd.imported != resolved:
            self.ledger.forget_results(rnd.number)
            for path in files:
                self._index(path, str(path.resolve()), rnd.number)
            self.ledger.commit()
            rnd.imported = resolved
            self.save("ingesting")
        self.on_event(Event("imported", rnd.number, f"round {rnd.number}: reading results from {results}"))
        self.ingest(rnd)

    # -- cancel ---------------------------------------------------------------------------------------
    def running(self) -> list[Shard]:
        state = self.state or (self._state_file.load() if self._state_file.path.exists() else None)
        if state is None:
            return []
        return [s for r in state.rounds for s in r.shards if s.status in ("submitted", "creating")]

    def cancel(self) -> int:
        """Cancel every batch of the run still running at the provider; its answers so far are kept and the
        rest is sent again by a later run without --batch-cancel."""
        from ..batch import OutLock

        with OutLock(self.out, wait=self.wait):
            return self._cancel()

    def _cancel(self) -> int:
        self.open_state()
        n = 0
        for rnd in self.state.rounds if self.state else []:
            for shard in rnd.shards:
                if shard.status == "creating" and shard.file_id is not None:
                    found = self.provider.find_batch(shard.file_id, self.state.created_at if self.state else 0.0)
                    if found is None:
                        shard.status = "uploaded"
                        continue
                    shard.batch_id = str(found["id"])
                    shard.status = "submitted"
                if shard.status == "submitted" and shard.batch_id is not None:
                    self._update(shard, self.provider.cancel(shard.batch_id))
                    n += 1
        self.save("cancelled")
        return n

    # -- the run --------------------------------------------------------------------------------------
    def _pending_round(self, via: str) -> Round | None:
        state = self.open_state()
        rnd = state.current
        if rnd is not None and not rnd.ingested:
            if rnd.via != via:
                if rnd.via == "file":
                    raise InputError(
                        f"round {rnd.number} was exported to {rnd.exported}: read its results back with "
                        "--batch-import FILE"
                    )
                raise InputError(
                    f"round {rnd.number} was sent to the batch API: resume it with --batch-api, or cancel it with "
                    "--batch-cancel"
                )
            return rnd
        return None

    def run(self, *, export: Path | None = None, results: Path | None = None) -> Report:
        """Online (neither argument): every round through the provider, then the assembly. With ``results``:
        read the exported round's results back first. With ``export``: write the next round's requests there
        and stop. Either way, a run with nothing left to send is assembled.

        One run at a time per output folder: the rounds hold ``OUT/.summarize.lock`` (``batch.OutLock``), and
        the assembly takes it again through ``batch.Batch``."""
        from ..batch import OutLock

        self.out.mkdir(parents=True, exist_ok=True)
        with OutLock(self.out, wait=self.wait), collector_for_batch():
            report = self._rounds(export, results)
        return report if report is not None else self.assemble()

    def _rounds(self, export: Path | None, results: Path | None) -> Report | None:
        """Every round up to the assembly; a report when the run stops before it (an export, a wait)."""
        via = "file" if (export is not None or results is not None) else "api"
        rnd = self._pending_round(via)
        if results is not None:
            if rnd is None:
                raise InputError(
                    f"{results}: no exported round is waiting for results (export one with --batch-export)"
                )
            self.import_results(rnd, results)
            rnd = None
        while True:
            if rnd is None:
                rnd = self.plan_round(via)
                if rnd is None:
                    break
            if via == "file":
                if export is not None:
                    self.export(rnd, export)
                    return self._report(
                        "exported",
                        f"round {rnd.number}: {rnd.requests} requests in {export}; run "
                        f"them (e.g. vllm run-batch -i {export} -o RESULTS --model {self.settings.model})"
                        " and read the results back with --batch-import RESULTS",
                    )
                return self._report(
                    "waiting",
                    f"round {rnd.number} needs {rnd.requests} more requests: write them with --batch-export FILE",
                )
            self.submit(rnd)
            self.poll(rnd)
            self.download(rnd)
            self.ingest(rnd)
            rnd = None
        return None

    # -- the assembly ---------------------------------------------------------------------------------
    def assemble(self) -> Report:
        from ..api import Summarizer
        from ..batch import Batch

        state = self.open_state()
        self.save("assembling")
        self.on_event(Event("assembling", len(state.rounds), f"assembling {_doc_count(len(self.files))}"))
        settings = self.settings
        price = batch_price_for(settings.model, settings.prices)
        prices = dict(settings.prices)
        if price is not None and settings.model not in prices:
            if price.cached_prompt is None:
                prices[settings.model] = (price.prompt, price.completion)
            else:
                prices[settings.model] = (price.prompt, price.completion, price.cached_prompt)
        assembler = Summarizer(settings.with_overrides(prices=prices) if prices else settings)
        backend = LedgerBackend(assembler.fingerprint, self.cache, self.ledger)
        assembler.use_backend(backend)
        try:
            batch = Batch(assembler, self.files, self.out, root=self.root, formats=self.options.formats, wait=self.wait)
            statuses = batch.run()
        finally:
            assembler.close()
        state.assembled = True
        self.save("done")
        report = self._report("done", f"{len(statuses)} documents assembled")
        report.statuses = statuses
        self.on_event(Event("done", len(state.rounds), report.message))
        return report

    def _report(self, phase: str, message: str) -> Report:
        """Where the run stands, with what every request of it cost so far (the ledger: failed requests and
        re-asks included), at the batch rates."""
        state = self.open_state()
        totals = self.ledger.totals()
        settings = self.settings
        cost = estimate_cost(
            settings.model,
            totals["prompt_tokens"],
            totals["completion_tokens"],
            settings.prices,
            cached_tokens=totals["cached_tokens"],
            batch=True,
        )
        return Report(phase, len(state.rounds), message, totals=totals, cost_usd=cost, running=len(self.running()))


# --------------------------------------------------------------------------------------------------
# Assembly backend
# --------------------------------------------------------------------------------------------------


class LedgerBackend:
    """Answers a document's steps from the run: each request's answer from the cache (or the ledger, for a
    kept one), and its usage from the ledger (what its requests cost over the rounds; a request the run did
    not send is a cache hit, as in a synchronous run)."""

    def __init__(self, fingerprint: Any, cache: ResultCache, ledger: Ledger) -> None:
        self.fingerprint = fingerprint
        self.cache = cache
        self.ledger = ledger

    def call(self, request: Request) -> tuple[BaseModel, Usage]:
        history = self.ledger.history(request.key)
        if not history:
            cached = request.cached(self.cache)
            if cached is None:
                raise LLMError(f"{request.label}: not answered by the batch API run (rerun it to send the request)")
            return cached, Usage(cache_hits=1)
        last = history[-1]
        if last.outcome == "failed":
            raise LLMError(f"{request.label}: {last.reason} [batch API]")
        value: BaseModel | None
        if last.outcome == "kept":
            value = _unchecked(request, last.value or "")
        elif last.outcome == "accepted":
            value = request.cached(self.cache)
        else:
            value = None
        if value is None:
            raise LLMError(f"{request.label}: not answered yet by the batch API run (rerun it to resume)")
        spent = self.ledger.spent(request.key)
        usage = Usage(
            calls=1,
            attempts=spent.attempts,
            prompt_tokens=spent.prompt,
            cached_tokens=spent.cached,
            completion_tokens=spent.completion,
        )
        return value, usage

    def extract(self, step: ChunkStep) -> ChunkResult:
        request = request_for(step, self.fingerprint)
        value, usage = self.call(request)
        assert isinstance(value, ChunkExtraction)
        result = _chunk_result(step, value, usage)
        history = self.ledger.history(request.key)
        if history and history[-1].outcome == "kept":  # not cached, so neither is a summary built from it
            result = replace(result, grounded=False)
        return result

    def overview(self, step: OverviewStep) -> tuple[OverviewDraft, Usage]:
        value, usage = self.call(request_for(step, self.fingerprint))
        assert isinstance(value, OverviewDraft)
        return value, usage

    def close(self) -> None:
        return None


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _chunk_result(step: ChunkStep, value: Any, usage: Usage | None = None) -> ChunkResult:
    assert isinstance(value, ChunkExtraction)
    overview = value.draft() if isinstance(value, ReportExtraction) else None
    return ChunkResult(step.chunk, value, usage or Usage(), overview)


def _unchecked(request: Request, value: str) -> BaseModel:
    """A kept (ungrounded, well-formed) answer, validated without its grounding as the synchronous path keeps it."""
    try:
        return request.response_model.model_validate_json(value)
    except ValidationError as exc:  # pragma: no cover - it was valid when kept
        raise LLMError(f"{request.label}: a kept answer no longer validates ({exc.error_count()} errors)") from exc


def _line_error(line: dict[str, Any], status: Any) -> str:
    """Why a result line carries no answer, in one line."""
    error = line.get("error")
    response = line.get("response")
    body = response.get("body") if isinstance(response, dict) else None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
    if isinstance(error, dict):
        text = str(error.get("message") or error.get("code") or error)
        code = error.get("code")
        if code and str(code) not in text:
            text = f"{code}: {text}"
    else:
        text = str(error) if error else "no response body"
    return f"HTTP {status}: {text}"[:500] if status else text[:500]


def _line_rejects_mode(status: Any, text: str, mode: str) -> bool:
    """Does an error line say the endpoint does not take ``mode``? ``llm/client._rejects_mode``'s rule, on
    the line's status and message."""
    words = _FEATURE_WORDS.get(mode, ())
    lowered = text.lower()
    if not any(w in lowered for w in words):
        return False
    if status in (400, 422):
        return True
    return status in (500, 501) and any(w in lowered for w in _UNSUPPORTED_WORDS)


def write_atomic_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


class _ShardWriter:
    """Writes a round's request lines into shards of whole documents within the limits."""

    def __init__(self, folder: Path, round_no: int, options: BatchApiOptions) -> None:
        self.folder = folder
        self.round_no = round_no
        self.options = options
        self.shards: list[Shard] = []
        self._fh: Any = None
        self._hash: Any = None
        self._name = ""
        self._rel = ""
        self._count = 0
        self._bytes = 0
        self._docs: tuple[int, int] = (0, 0)

    def shard_for(self, index: int, lines: list[tuple[str, bytes]]) -> str:
        """The shard a document's lines go to: the open one while they fit, else a new one."""
        size = sum(len(d) for _k, d in lines)
        fits = self._count + len(lines) <= self.options.max_requests and self._bytes + size <= self.options.max_bytes
        if self._fh is None or (self._count and not fits):
            self._open(index)
        self._docs = (self._docs[0], index)
        return self._name

    def write(self, data: bytes) -> None:
        self._fh.write(data)
        self._hash.update(data)
        self._count += 1
        self._bytes += len(data)

    def _open(self, index: int) -> None:
        self._finish()
        n = len(self.shards) + 1
        self._name = f"s{n:03d}"
        self._rel = f"round-{self.round_no}/{self._name}.jsonl"
        self._fh = (self.folder / f"{self._name}.jsonl").open("wb")
        self._hash = hashlib.sha256()
        self._count = self._bytes = 0
        self._docs = (index, index)

    def _finish(self) -> None:
        if self._fh is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self._fh = None
        if self._count:
            self.shards.append(
                Shard(
                    name=self._name,
                    path=self._rel,
                    requests=self._count,
                    bytes=self._bytes,
                    sha256=self._hash.hexdigest(),
                    docs=self._docs,
                )
            )
        else:
            (self.folder / f"{self._name}.jsonl").unlink(missing_ok=True)

    def close(self) -> list[Shard]:
        self._finish()
        return self.shards


__all__ = ["BatchApiOptions", "BatchApiRun", "Event", "LedgerBackend", "Report"]
