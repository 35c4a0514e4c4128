"""Constrained output (issue 20): what an endpoint that enforces the schema saves with a careless model.

    python bench/bench_strict.py                 # 40 documents, slips on 30% (form) and 10% (content) of answers
    python bench/bench_strict.py --docs 100 --form 0.5 --content 0.1 --seed 7

The endpoint is ``summarizer.testing.fake_openai.FakeOpenAI`` on 127.0.0.1; the model behind it is scripted and
careless. For every request (first asks and re-asks alike) it means to give the grounded answer ``bench/_common``
builds for the chunk, and independently, with a fixed seed drawn from the request's messages:

* with probability ``--form`` makes one slip of form, one of four alike: prose around the JSON (in tools mode: the
  JSON in the message content instead of a tool call), a key nobody asked for in every item and at the top, every
  item's ``kind`` left out, a metric's ``value`` written as a number (or ``summaries`` as one string);
* with probability ``--content`` makes one slip of content: a metric's figure altered (or an item's quote), which
  the grounding validators catch whatever the mode.

Configurations, each on a fresh cache, the same documents, the same draws (a draw depends on the messages only, so
a first request is the same draw in every mode):

* ``tools``: ``--mode tools`` on an endpoint that enforces nothing (what ``auto`` sent before issue 20);
* ``json``: ``--mode json`` on the same endpoint;
* ``json_schema``: ``--mode auto`` on an endpoint that enforces the strict schema (it starts with json_schema). A
  grammar rules out the slips of form; the model writes what it meant, content slips included (``answer(...,
  constrained=...)``). That is the modelling assumption: forced to write ``kind``, the model writes the kind it
  would have written;
* ``json_schema, pessimistic``: the same, but the endpoint repairs the careless answer itself
  (``fake_openai.conform``): prose and extra keys dropped, a dropped key written empty, a number written as a
  string. An empty ``kind`` becomes the first enum value, and a figure written as a bare number loses its scale
  word (30.95 for 30.95亿) and fails grounding: the lower bound of what enforcement saves.

Tokens are the fake endpoint's usage (``summarizer.tokens.estimate_tokens`` over the messages and the schema as
sent: tools, or response_format).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import random
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import CHUNK_MARK, OVERVIEW_MARK, chunk_answer, machine_line, overview_answer, varied_copies

from summarizer import Summarizer
from summarizer.errors import LLMError
from summarizer.testing import fake_openai as fs

FORM_SLIPS = ("prose", "extra_keys", "dropped_kind", "number_value")


def _draw(body: dict[str, Any], seed: int) -> random.Random:
    blob = json.dumps([seed, body.get("messages", [])], ensure_ascii=False, sort_keys=True)
    return random.Random(hashlib.sha256(blob.encode()).digest())


def _content_slip(answer: dict[str, Any]) -> dict[str, Any]:
    """A figure altered (its last digit + 1), or an item's quote, which grounding catches in any mode."""
    out = copy.deepcopy(answer)
    for item in out.get("items", []):
        for metric in item.get("metrics", []):
            value = metric.get("value")
            if value and value[-1].isdigit():
                metric["value"] = value[:-1] + str((int(value[-1]) + 1) % 10)
                return out
    if out.get("items"):
        out["items"][0]["quote"] = out["items"][0]["quote"] + "等"
    return out


def _form_slip(answer: dict[str, Any], slip: str) -> dict[str, Any] | str:
    out = copy.deepcopy(answer)
    if slip == "prose":
        return "好的，以下是抽取结果：\n```json\n" + json.dumps(out, ensure_ascii=False) + "\n```\n如需调整请告诉我。"
    if slip == "extra_keys":
        out["note"] = "以上内容均摘自原文"
        for item in out.get("items", []):
            item["confidence"] = 0.9
        return out
    if slip == "dropped_kind":
        if not out.get("items"):
            out.pop("summaries", None)
        for item in out.get("items", []):
            item.pop("kind", None)
        return out
    # number_value
    for item in out.get("items", []):
        for metric in item.get("metrics", []):
            try:
                metric["value"] = float(metric["value"])
                return out
            except (TypeError, ValueError):
                continue
    out["summaries"] = "；".join(out.get("summaries", []))
    return out


@dataclass
class Tally:
    requests: int = 0
    form_slips: int = 0
    content_slips: int = 0
    by_slip: dict[str, int] = field(default_factory=dict)


class CarelessModel:
    """``FakeOpenAI`` responder: the meant answer, with slips drawn per request (see the module docstring)."""

    def __init__(self, form: float, content: float, seed: int, *, hint: bool) -> None:
        self.form, self.content, self.seed, self.hint = form, content, seed, hint
        self.tally = Tally()

    def __call__(self, body: dict[str, Any], n: int) -> fs.Behaviour:
        self.tally.requests += 1
        rng = _draw(body, self.seed)
        messages = body.get("messages") or []
        system = str(messages[0].get("content", "")) if messages else ""
        first_user = next((str(m.get("content")) for m in messages if m.get("role") == "user"), "")
        if OVERVIEW_MARK in system:
            meant: dict[str, Any] = overview_answer(first_user)
        else:
            chunk = first_user.partition(CHUNK_MARK)[2] if CHUNK_MARK in first_user else first_user
            meant = chunk_answer(chunk, parts=fs.part_count(body))
            if fs.asks_whole_report(body):
                meant.update(overview_answer("报告开头:\n" + chunk))
            if rng.random() < self.content:
                meant = _content_slip(meant)
                self.tally.content_slips += 1
        written: dict[str, Any] | str = meant
        slip = None
        if rng.random() < self.form:
            slip = FORM_SLIPS[rng.randrange(len(FORM_SLIPS))]
            written = _form_slip(meant, slip)
            self.tally.form_slips += 1
            self.tally.by_slip[slip] = self.tally.by_slip.get(slip, 0) + 1
        constrained = meant if self.hint else None
        if slip == "prose" and body.get("tools"):
            return fs.Behaviour("no_tool_call", payload=written, constrained=constrained)
        return fs.answer(written, constrained=constrained)


def _sent_as(body: dict[str, Any]) -> str:
    if body.get("tools"):
        return "tools"
    kind = (body.get("response_format") or {}).get("type")
    return {"json_schema": "json_schema", "json_object": "json"}.get(kind, "md_json")


CONFIGS: dict[str, tuple[str, fs.Features, bool]] = {
    "tools": ("tools", fs.Features(), True),
    "json": ("json", fs.Features(), True),
    "json_schema": ("auto", fs.Features(json_schema="enforce"), True),
    "json_schema, pessimistic": ("auto", fs.Features(json_schema="enforce"), False),
}


def run(name: str, files: list[Path], args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """One configuration over all documents. Counted from the server's log, so a document that fails (every
    re-ask of one of its calls spent) still counts what it cost."""
    mode, features, hint = CONFIGS[name]
    model = CarelessModel(args.form, args.content, args.seed, hint=hint)
    failed = flagged = 0
    with fs.FakeOpenAI(model, features=features) as server:
        with Summarizer(
            backend="llm",
            base_url=server.base_url,
            api_key="x",
            cache_dir=tmp / name.replace(" ", "_").replace(",", ""),
            mode=mode,
            validation_retries=args.retries,
            concurrency=4,
        ) as s:
            for path in files:
                try:
                    summary = s.summarize(path)
                except LLMError:
                    failed += 1
                    continue
                flagged += sum(m.check != "verified" for m in summary.metrics)
        requests = server.requests
    docs = len(files)
    # A first ask is the plan's messages (system + user); a re-ask adds the bad answer and the error to them.
    first = sum(len(r.body.get("messages") or []) == 2 for r in requests)
    reasks = len(requests) - first
    answered = [r.usage for r in requests if r.usage is not None]
    prompt = sum(u["prompt_tokens"] for u in answered)
    completion = sum(u["completion_tokens"] for u in answered)
    return {
        "name": name,
        "sent_as": ",".join(sorted({_sent_as(r.body) for r in requests})),
        "docs": docs,
        "failed": failed,
        "first": first,
        "requests": len(requests),
        "reasks_per_doc": reasks / docs,
        "reask_share": reasks / first if first else 0.0,
        "prompt_per_doc": prompt / docs,
        "completion_per_doc": completion / docs,
        "form_slips": model.tally.form_slips,
        "content_slips": model.tally.content_slips,
        "by_slip": dict(sorted(model.tally.by_slip.items())),
        "flagged_metrics": flagged,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--form", type=float, default=0.3, help="share of answers with a slip of form")
    parser.add_argument("--content", type=float, default=0.1, help="share of answers with a slip of content")
    parser.add_argument("--retries", type=int, default=2, help="--validation-retries")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--configs", nargs="*", default=list(CONFIGS), choices=list(CONFIGS))
    args = parser.parse_args()
    print(machine_line())
    print(
        f"{args.docs} documents (varied copies of tests/data), validation retries {args.retries}, "
        f"slips: form {args.form:.0%}, content {args.content:.0%} of answers, seed {args.seed}"
    )
    with tempfile.TemporaryDirectory(prefix="bench_strict_") as tmp_:
        tmp = Path(tmp_)
        files = varied_copies(args.docs, tmp / "docs")
        rows = [run(name, files, args, tmp) for name in args.configs]
    header = (
        f"{'configuration':26} {'sent as':12} {'docs':>4} {'failed':>6} {'asks':>5} {'requests':>8} "
        f"{'re-asks/doc':>11} {'re-ask/ask':>10} {'prompt tok/doc':>14} {'compl tok/doc':>13} {'flagged':>7}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['name']:26} {r['sent_as']:12} {r['docs']:>4} {r['failed']:>6} {r['first']:>5} {r['requests']:>8} "
            f"{r['reasks_per_doc']:>11.2f} {r['reask_share']:>10.1%} {r['prompt_per_doc']:>14.0f} "
            f"{r['completion_per_doc']:>13.0f} {r['flagged_metrics']:>7}"
        )
    print("slips drawn (form / content; form by kind):")
    for r in rows:
        print(f"  {r['name']:26} {r['form_slips']:>4} / {r['content_slips']:<4} {r['by_slip']}")
    base = next((r for r in rows if r["name"] == "tools"), None)
    if base is not None:
        for r in rows:
            if r is base or not base["prompt_per_doc"]:
                continue
            total = r["prompt_per_doc"] + r["completion_per_doc"]
            base_total = base["prompt_per_doc"] + base["completion_per_doc"]
            print(
                f"{r['name']} against tools: re-asks per document {r['reasks_per_doc']:.2f} vs "
                f"{base['reasks_per_doc']:.2f}, tokens per document {total:.0f} vs {base_total:.0f} "
                f"({total / base_total - 1:+.1%})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
