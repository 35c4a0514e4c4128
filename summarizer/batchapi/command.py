"""``summarize DIR --out OUT --batch-api`` (and ``--batch-export``, ``--batch-import``, ``--batch-cancel``):
the batch API run behind a progress bar, its closing lines and exit code. No pipeline logic lives here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..safety import safe_error
from .runner import BatchApiOptions, BatchApiRun, Event, Report

if TYPE_CHECKING:
    from ..api import Summarizer


def _err(message: str) -> None:
    click.echo(f"summarize: {message}", err=True)


def _cost(report: Report, model: str) -> str:
    if report.cost_usd is None:
        return f"cost unknown ({model}'s batch price is not known: --price {model}=IN,OUT[,CACHED])"
    return f"${report.cost_usd:.4f} at {model}'s batch rates"


def closing_line(report: Report, model: str) -> str:
    t = report.totals
    prompt, cached = t.get("prompt_tokens", 0), t.get("cached_tokens", 0)
    share = f" ({cached / prompt:.0%} from the provider's prefix cache)" if prompt else ""
    outcomes = (
        ", ".join(f"{t[k]} {k}" for k in ("accepted", "rejected", "kept", "error", "failed") if t.get(k))
        or "no answers yet"
    )
    return (
        f"batch API: {report.rounds} round(s), {outcomes}; {prompt} prompt{share} + "
        f"{t.get('completion_tokens', 0)} completion tokens, {_cost(report, model)}"
    )


def run_command(
    summarizer: Summarizer,
    files: list[Path],
    root: Path | None,
    out: Path,
    formats: tuple[str, ...],
    *,
    options: BatchApiOptions,
    cancel: bool,
    export: Path | None,
    results: Path | None,
    quiet: bool,
    progress: bool,
    strict: bool,
    wait: bool = False,
) -> int:
    """The exit code of one invocation (see ``cli.py``): 0, 1 under --strict, 2 when a document failed."""
    options = BatchApiOptions(**{**vars(options), "formats": formats})
    with BatchApiRun(summarizer, files, out, root=root, options=options, wait=wait) as run:
        if cancel:
            _cancel(run, quiet)
            return 0
        try:
            report = _run(run, export, results, quiet=quiet, progress=progress)
        except KeyboardInterrupt:
            _interrupted(run)
            sys.exit(130)
    model = summarizer.settings.model
    if not quiet:
        _err(closing_line(report, model))
        if report.phase != "done":
            _err(report.message)
    if report.phase != "done":
        return 0
    if not quiet:
        _summary(report, model, out)
    from ..batch import exit_code

    return exit_code(report.statuses, strict=strict)


def _cancel(run: BatchApiRun, quiet: bool) -> None:
    """Cancel the run's batches at the provider; the answers already in are kept for a rerun."""
    n = run.cancel()
    if not quiet:
        _err(
            f"cancelled {n} running batch(es); answers so far are kept: rerun without --batch-cancel to send "
            f"the rest, or remove {run.work} to forget the run"
        )


def _run(run: BatchApiRun, export: Path | None, results: Path | None, *, quiet: bool, progress: bool) -> Report:
    """The run, behind a progress bar on a terminal, else with its events as lines on stderr."""
    if progress and sys.stderr.isatty():
        return _with_progress(run, export, results)
    run.on_event = (lambda e: _err(e.message)) if not quiet else (lambda _e: None)
    return run.run(export=export, results=results)


def _interrupted(run: BatchApiRun) -> None:
    """What an interrupted run left behind, and how to go on."""
    running = len(run.running())
    if running:
        _err(
            f"interrupted: {running} batch(es) keep running at the provider; rerun the same command to "
            "resume (nothing is sent twice), or add --batch-cancel to cancel them"
        )
    else:
        _err("interrupted; rerun the same command to resume (nothing is sent twice)")


def _summary(report: Report, model: str, out: Path) -> None:
    """The finished run's counts and cost, then each failed document's reason."""
    failed = [s for s in report.statuses if s.status == "failed"]
    done = sum(s.status == "ok" for s in report.statuses)
    skipped = sum(s.status == "skipped" for s in report.statuses)
    _err(
        f"{done} done, {skipped} already done, {len(failed)} failed of {len(report.statuses)} · "
        f"{_cost(report, model)} · {out}/index.json"
    )
    for s in failed:
        _err(f"failed: {safe_error(s.reason or '')}")


def _with_progress(run: BatchApiRun, export: Path | None, results: Path | None) -> Report:
    from ..cli import progress_bar

    with progress_bar("batch API") as bar:
        task = bar.add_task("requests", total=None, detail="")

        def update(e: Event) -> None:
            if e.kind == "polled":
                statuses = ", ".join(f"{n} {s}" for s, n in sorted(e.statuses.items()))
                bar.update(
                    task,
                    total=e.total,
                    completed=e.completed + e.failed,
                    detail=f"round {e.round} · batches: {statuses} · failed {e.failed}",
                )
            elif e.kind == "planned":
                bar.update(task, total=e.total, completed=0, detail=e.message)
            else:
                bar.update(task, detail=e.message)
                if e.kind in ("ingested", "exported", "assembling", "done"):
                    bar.console.print(f"summarize: {e.message}", style="dim")

        run.on_event = update
        return run.run(export=export, results=results)


def options_from(opts: dict[str, Any]) -> BatchApiOptions:
    """The batch options of the CLI (popped from ``opts``)."""
    return BatchApiOptions(
        max_requests=opts.pop("batch_max_requests"),
        max_bytes=int(opts.pop("batch_max_mb") * 1000 * 1000),
        endpoint=opts.pop("batch_endpoint"),
        poll_initial=opts.pop("batch_poll"),
    )
