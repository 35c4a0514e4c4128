"""Large corpora through a provider's batch API (OpenAI's Batch API and the providers that serve it: Azure
OpenAI, Qwen/DashScope…), or through OpenAI-format batch files for ``vllm run-batch`` and other engines:
resumable at every phase, every answer validated and every document verified exactly as a synchronous run.

    from summarizer import Summarizer
    from summarizer.batchapi import BatchApiRun

    with Summarizer(backend="llm", base_url=..., api_key=..., model="gpt-4.1-mini") as s:
        with BatchApiRun(s, files, Path("out")) as run:
            report = run.run()                      # or run.run(export=Path("r1.jsonl")), run.cancel()

``runner.py`` has the rounds and phases, ``store.py`` the state file and the ledger, ``provider.py`` the Files
and Batches endpoints, ``wire.py`` the request bodies and the judging of answers, ``command.py`` the CLI side.
"""

from __future__ import annotations

from .runner import BatchApiOptions, BatchApiRun, Event, LedgerBackend, Report

__all__ = ["BatchApiOptions", "BatchApiRun", "Event", "LedgerBackend", "Report"]
