"""What a batch API run remembers, so that it can be killed at any moment and resumed: the state file (rounds,
shards, file and batch ids, phases: ``OUT/.batchapi/state.json``, JSON, replaced atomically) and the ledger
(``OUT/.batchapi/ledger.sqlite``: one row per request and round, what came back and what it cost).

Why two: the state file is small and for people too (``jq .rounds[].shards[].batch_id``); the ledger holds a
row per request, 100,000s of them, looked up by key, so it is SQLite (stdlib, transactions, flat memory).
Ingesting a shard's answers and marking the shard ingested is one ledger transaction; the state file is
written after it, and on resume the ledger's mark is the one believed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

STATE_VERSION = 1

ShardStatus = Literal[
    "planned",  # its JSONL file is written
    "uploading",  # an upload was started: on resume, look for the file before uploading again
    "uploaded",  # file_id known
    "creating",  # a batch create was started: on resume, look for the batch before creating again
    "submitted",  # batch_id known; polled until the provider says it ended
    "ended",  # completed, failed, expired or cancelled
    "downloaded",  # output and error files are on disk
    "ingested",  # every answer judged, stored or queued for the next round
]
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})


class Shard(BaseModel):
    """One JSONL file of requests: one provider batch (or part of an exported file)."""

    name: str
    path: str  # relative to the work folder
    requests: int
    bytes: int
    sha256: str
    docs: tuple[int, int]  # first and last index into the run's files whose requests it holds
    status: ShardStatus = "planned"
    file_id: str | None = None
    batch_id: str | None = None
    batch_status: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    output_file_id: str | None = None
    error_file_id: str | None = None
    downloads: list[str] = Field(default_factory=list)  # relative paths of the downloaded output/error files
    errors: list[str] = Field(default_factory=list)  # batch-level errors the provider reported


class Round(BaseModel):
    number: int
    via: Literal["api", "file"]  # sent through the provider's batch API, or exported and imported as files
    mode: str  # the mode its requests were sent in (auto moves on to the next mode between rounds)
    requests: int
    shards: list[Shard]
    exported: str | None = None  # the file the requests were written to (via file)
    imported: str | None = None  # the results file read back (via file)
    ingested: bool = False


class RunState(BaseModel):
    version: int = STATE_VERSION
    run_id: str
    created_at: float
    answers: str  # the answer fingerprint (what every request key depends on)
    files: str  # hash of the run's file list, in order
    documents: int
    model: str
    endpoint: str
    mode: str
    rounds: list[Round] = Field(default_factory=list)
    phase: str = "planning"  # for people: planning, submitting, polling, ingesting, assembling, done, cancelled
    assembled: bool = False

    @property
    def current(self) -> Round | None:
        return self.rounds[-1] if self.rounds else None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a kill leaves the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> RunState | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return RunState.model_validate_json(text)

    def save(self, state: RunState) -> None:
        write_atomic(self.path, state.model_dump_json(indent=1) + "\n")


# --------------------------------------------------------------------------------------------------
# The ledger
# --------------------------------------------------------------------------------------------------

Outcome = Literal["accepted", "rejected", "kept", "error", "failed"]


@dataclass(frozen=True)
class Attempt:
    """One request's fate in one round.

    ``accepted``: validated and in the result cache. ``rejected``: re-asked next round with ``answer`` and
    ``reason``. ``kept``: still ungrounded after the last re-ask but well-formed: ``value`` (JSON) is used, as
    the synchronous path keeps it, and never cached. ``error``: no answer (an HTTP error, expired, a line
    missing or unreadable): sent again next round. ``failed``: no answer after the last retry or re-ask.
    """

    key: str
    round: int
    outcome: Outcome
    prompt: int = 0
    cached: int = 0
    completion: int = 0
    answer: str | None = None
    reason: str = ""
    value: str | None = None


@dataclass(frozen=True)
class Spent:
    """What a request cost over every round of this run (its attempts)."""

    attempts: int = 0
    prompt: int = 0
    cached: int = 0
    completion: int = 0


_SCHEMA = """
CREATE TABLE IF NOT EXISTS planned(key TEXT NOT NULL, round INTEGER NOT NULL, shard TEXT NOT NULL,
                                   PRIMARY KEY(key, round));
CREATE TABLE IF NOT EXISTS results(key TEXT NOT NULL, round INTEGER NOT NULL, file TEXT NOT NULL,
                                   offset INTEGER NOT NULL, PRIMARY KEY(key, round));
CREATE TABLE IF NOT EXISTS attempts(key TEXT NOT NULL, round INTEGER NOT NULL, outcome TEXT NOT NULL,
                                    prompt INTEGER NOT NULL, cached INTEGER NOT NULL, completion INTEGER NOT NULL,
                                    answer TEXT, reason TEXT NOT NULL, value TEXT, PRIMARY KEY(key, round));
CREATE TABLE IF NOT EXISTS ingested(round INTEGER NOT NULL, shard TEXT NOT NULL, PRIMARY KEY(round, shard));
CREATE TABLE IF NOT EXISTS done(doc INTEGER PRIMARY KEY, sha256 TEXT NOT NULL);
"""


class Ledger:
    """Thread-safe (one connection behind a lock): the assembly reads it from several threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level="DEFERRED")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._db.commit()
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def commit(self) -> None:
        with self._lock:
            self._db.commit()

    def rollback(self) -> None:
        with self._lock:
            self._db.rollback()

    # -- planning ---------------------------------------------------------------------------------
    def forget_plan(self, round_no: int) -> None:
        """A round is planned all at once: a plan cut short by a kill is dropped and made again."""
        with self._lock:
            self._db.execute("DELETE FROM planned WHERE round = ?", (round_no,))
            self._db.execute("DELETE FROM results WHERE round = ?", (round_no,))

    def plan(self, key: str, round_no: int, shard: str) -> bool:
        """Put ``key`` in ``shard`` of the round; False when the round already holds it (a duplicate request)."""
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO planned(key, round, shard) VALUES (?, ?, ?)", (key, round_no, shard)
            )
            return cur.rowcount == 1

    def planned_shard(self, key: str, round_no: int) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT shard FROM planned WHERE key = ? AND round = ?", (key, round_no)).fetchone()
        return row[0] if row else None

    def move_planned(self, round_no: int, keys: list[str], shard: str) -> None:
        """Keys re-homed into another shard (an upload refused for size splits its shard)."""
        with self._lock:
            self._db.executemany(
                "UPDATE planned SET shard = ? WHERE key = ? AND round = ?", [(shard, k, round_no) for k in keys]
            )

    # -- results ----------------------------------------------------------------------------------
    def index_result(self, key: str, round_no: int, file: str, offset: int) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO results(key, round, file, offset) VALUES (?, ?, ?, ?)",
                (key, round_no, file, offset),
            )

    def forget_results(self, round_no: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM results WHERE round = ?", (round_no,))

    def result(self, key: str, round_no: int) -> tuple[str, int] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT file, offset FROM results WHERE key = ? AND round = ?", (key, round_no)
            ).fetchone()
        return (row[0], row[1]) if row else None

    # -- attempts ---------------------------------------------------------------------------------
    def record(self, a: Attempt) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO attempts"
                "(key, round, outcome, prompt, cached, completion, answer, reason, value)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (a.key, a.round, a.outcome, a.prompt, a.cached, a.completion, a.answer, a.reason, a.value),
            )

    def history(self, key: str, before: int | None = None) -> list[Attempt]:
        """The request's attempts in round order (those before round ``before`` only, when given)."""
        sql = (
            "SELECT key, round, outcome, prompt, cached, completion, answer, reason, value FROM attempts WHERE key = ?"
        )
        args: tuple[object, ...] = (key,)
        if before is not None:
            sql += " AND round < ?"
            args += (before,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY round", args).fetchall()
        return [Attempt(*row) for row in rows]

    def spent(self, key: str) -> Spent:
        with self._lock:
            row = self._db.execute(
                "SELECT count(*), coalesce(sum(prompt), 0), coalesce(sum(cached), 0), coalesce(sum(completion), 0)"
                " FROM attempts WHERE key = ?",
                (key,),
            ).fetchone()
        return Spent(*row)

    def mode_rejections(self, round_no: int) -> int:
        """Requests of the round whose answer said the endpoint does not take the mode they were sent in."""
        with self._lock:
            row = self._db.execute(
                "SELECT count(*) FROM attempts"
                " WHERE round = ? AND outcome = 'error' AND reason LIKE 'mode rejected: %'",
                (round_no,),
            ).fetchone()
        return int(row[0])

    def totals(self) -> dict[str, int]:
        """The run's attempts by outcome and its tokens."""
        with self._lock:
            rows = self._db.execute(
                "SELECT outcome, count(*), sum(prompt), sum(cached), sum(completion) FROM attempts GROUP BY outcome"
            ).fetchall()
        out = {"prompt_tokens": 0, "cached_tokens": 0, "completion_tokens": 0}
        for outcome, n, prompt, cached, completion in rows:
            out[outcome] = n
            out["prompt_tokens"] += prompt or 0
            out["cached_tokens"] += cached or 0
            out["completion_tokens"] += completion or 0
        return out

    # -- documents --------------------------------------------------------------------------------
    def mark_done(self, doc: int, sha256: str) -> None:
        """The document (index into the run's files) needs no request any more, while its text is ``sha256``."""
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO done(doc, sha256) VALUES (?, ?)", (doc, sha256))

    def done_documents(self) -> dict[int, str]:
        with self._lock:
            return dict(self._db.execute("SELECT doc, sha256 FROM done").fetchall())

    # -- shards -----------------------------------------------------------------------------------
    def mark_ingested(self, round_no: int, shard: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO ingested(round, shard) VALUES (?, ?)", (round_no, shard))

    def is_ingested(self, round_no: int, shard: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT 1 FROM ingested WHERE round = ? AND shard = ?", (round_no, shard)).fetchone()
        return row is not None


def read_line(path: Path, offset: int) -> bytes:
    """One JSONL line of ``path`` starting at ``offset`` (without its newline)."""
    with path.open("rb") as fh:
        fh.seek(offset)
        return fh.readline().rstrip(b"\r\n")


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(offset, line) for every non-blank line of a JSONL file, streamed."""
    offset = 0
    with path.open("rb") as fh:
        for raw in fh:
            line = raw.rstrip(b"\r\n")
            if line.strip():
                yield offset, line
            offset += len(raw)


def now() -> float:
    return time.time()


def dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
