"""The ``summarize`` command: flags -> Settings -> api. No pipeline logic lives here.

Only click, the backend registry, the format table and the stage names are imported at the top: ``--help``
and a usage error need nothing more, and each path imports what it runs (an offline run never loads openai).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import backends
from .errors import InputError, LoadError, SummarizerError
from .render import FORMATS
from .safety import RedactingFilter, safe_error
from .stages import STAGES

if TYPE_CHECKING:
    from rich.progress import Progress

    from .api import Summarizer
    from .batch import Batch, BatchTotals
    from .config import Settings
    from .load import Document, LoadLimits

EXAMPLES = """
\b
Examples:
  summarize report.txt                         # JSON summary to stdout (offline backend if no endpoint)
  summarize report.txt --format md             # Markdown
  summarize report.docx --format html > r.html # self-contained HTML report with clickable evidence
  summarize report.pdf --format md             # PDF with a text layer: evidence carries its page (第N页)
  summarize reports/ --out out/                # batch: one file per report + index.json + metrics.csv
  summarize reports/ --out out/ --batch-api    # the same through the endpoint's batch API: half the price
  summarize report.txt --stage sections        # inspect one step: clean | sections | chunks | numbers
  cat report.txt | summarize -                 # from stdin
\b
  OPENAI_BASE_URL=http://127.0.0.1:11434/v1 SUMMARIZER_MODEL=qwen2.5 summarize report.txt   # schema enforced
  summarize report.txt --backend replay --cassettes tests/cassettes/corpus   # recorded run, no key
\b
Exit codes: 0 ok, 1 verification failed under --strict, 2 bad input or usage, 3 the LLM endpoint failed.
"""


def _parse_price(values: tuple[str, ...]) -> dict[str, tuple[float, ...]]:
    prices = {}
    for v in values:
        try:
            model, rest = v.split("=", 1)
            rates = tuple(float(x) for x in rest.split(","))
            if len(rates) not in (2, 3):
                raise ValueError(rest)
            prices[model.strip()] = rates
        except ValueError as exc:
            raise click.BadParameter(
                f"{v!r}: expected MODEL=PROMPT_PRICE,COMPLETION_PRICE[,CACHED_PROMPT_PRICE] (USD per 1M tokens)"
            ) from exc
    return prices


def _err(message: str) -> None:
    click.echo(f"summarize: {message}", err=True)


# Options that become Settings, shared by the summarize and eval commands.
SETTINGS_OPTIONS: tuple[Callable[[Any], Any], ...] = (
    click.option(
        "--backend",
        type=click.Choice([backends.AUTO, *backends.names()]),
        default=None,
        help=f"{backends.AUTO} (default): {backends.auto_rule()}.",
    ),
    click.option("--base-url", help="OpenAI-compatible endpoint [env OPENAI_BASE_URL]."),
    click.option("--model", help="Model name [env SUMMARIZER_MODEL]."),
    click.option("--api-key", help="API key [env OPENAI_API_KEY]. Never logged, cached or recorded."),
    click.option(
        "--mode",
        type=click.Choice(["auto", "json_schema", "tools_strict", "tools", "json", "md_json"]),
        default=None,
        help="How answers are asked for (instructor's mode names). auto (default): json_schema (the endpoint "
        "enforces the schema), falling back once per endpoint to tools, json, md_json when it is rejected or "
        "not enforced.",
    ),
    click.option("--cassettes", type=click.Path(file_okay=False, path_type=Path), help="Replay recorded responses."),
    click.option(
        "--record",
        "record_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Record the endpoint's responses as cassettes here.",
    ),
    click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Result cache folder."),
    click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache."),
    click.option("--refresh", is_flag=True, help="Ignore cached results (and overwrite them)."),
    click.option("--concurrency", type=click.IntRange(1, 256), default=None, help="Calls in flight (default 4)."),
    click.option(
        "--chunk-size",
        type=click.IntRange(200, 100_000),
        default=None,
        help="Most characters per chunk (default 1500). Chunks fill it across sections; larger means fewer requests.",
    ),
    click.option(
        "--worked-example",
        type=click.Choice(["auto", "on", "off"]),
        default=None,
        help="A worked example in the extraction prompt, so the fixed prefix reaches OpenAI's 1,024-token cache "
        "minimum; auto: only where that is cheaper (GPT-5 family) [env SUMMARIZER_WORKED_EXAMPLE].",
    ),
    click.option("--timeout", type=float, default=None, help="Seconds per request (default 60)."),
    click.option("--retries", type=click.IntRange(0, 20), default=None, help="Extra attempts on transient errors."),
    click.option(
        "--validation-retries", type=click.IntRange(0, 10), default=None, help="Re-asks after invalid answers."
    ),
    click.option("--keep-traditional", is_flag=True, help="Do not convert traditional to simplified characters."),
    click.option(
        "--max-input-mb", type=click.FloatRange(min=0, min_open=True), help="Refuse larger input files (default 100)."
    ),
    click.option("--max-pages", type=click.IntRange(min=1), help="Refuse PDFs with more pages (default 1000)."),
    click.option(
        "--max-unpacked-mb",
        type=click.FloatRange(min=0, min_open=True),
        help="Refuse .docx/PDF content that inflates to more, or converted .doc text (default 200).",
    ),
    click.option(
        "--max-text-mb",
        type=click.FloatRange(min=0, min_open=True),
        help="Refuse a document whose text is larger (default 10; 10 MB of text takes about 30 s offline).",
    ),
)


def settings_options(command: Any) -> Any:
    for option in reversed(SETTINGS_OPTIONS):
        command = option(command)
    return command


def settings_from(opts: dict[str, Any]) -> Settings:
    """Settings from the shared options (None means not given: the environment or the default applies),
    validated together with the environment's: a bad value is one line (SettingsError), exit 2."""
    from .config import Settings

    return Settings.from_env(
        backend=opts.pop("backend"),
        base_url=opts.pop("base_url"),
        model=opts.pop("model"),
        api_key=opts.pop("api_key"),
        mode=opts.pop("mode"),
        cassettes=opts.pop("cassettes"),
        record_dir=opts.pop("record_dir"),
        cache_dir=opts.pop("cache_dir"),
        use_cache=False if opts.pop("no_cache") else None,
        refresh=True if opts.pop("refresh") else None,
        concurrency=opts.pop("concurrency"),
        chunk_budget=opts.pop("chunk_size"),
        worked_example=opts.pop("worked_example"),
        timeout=opts.pop("timeout"),
        transport_retries=opts.pop("retries"),
        validation_retries=opts.pop("validation_retries"),
        to_simplified=False if opts.pop("keep_traditional") else None,
        drop_unverified=True if opts.pop("drop_unverified", False) else None,
        prices=_parse_price(opts.pop("price", ())) or None,
        max_input_mb=opts.pop("max_input_mb"),
        max_pages=opts.pop("max_pages"),
        max_unpacked_mb=opts.pop("max_unpacked_mb"),
        max_text_mb=opts.pop("max_text_mb"),
    )


@click.command(epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.argument("inputs", nargs=-1, required=True, metavar="FILE|DIR|-")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), help="Write one file per input here.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*FORMATS, "text"]),
    default=None,
    help="Output format (default json; 'text' only with --stage).",
)
@click.option("--stage", type=click.Choice(STAGES), help="Print one deterministic step's result and stop.")
@settings_options
@click.option("--strict", is_flag=True, help="Exit 1 when any summary number is not grounded in the source.")
@click.option("--drop-unverified", is_flag=True, help="Drop unverified metrics and flagged items from the output.")
@click.option("--dry-run", is_flag=True, help="Count calls and tokens (and cache hits) without calling anything.")
@click.option(
    "--price",
    multiple=True,
    metavar="MODEL=IN,OUT[,CACHED]",
    help="Override a model's USD price per 1M tokens (prompt, completion, cached prompt); with --batch-api, "
    "the batch rates.",
)
@click.option("--no-progress", is_flag=True, help="No progress bar in batch runs.")
@click.option("--wait", is_flag=True, help="Batch: wait for another run writing into --out, instead of exiting 2.")
@click.option(
    "--follow-symlinks", is_flag=True, help="Batch: read symlinks that point to files outside the input folder."
)
@click.option(
    "--batch-api",
    is_flag=True,
    help="Send a folder's requests through the endpoint's batch API (OpenAI's format): about half the price, "
    "hours instead of minutes, resumable at every phase. See README 'Large corpora'.",
)
@click.option(
    "--batch-export",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the next round's requests as one OpenAI-format batch file (for vllm run-batch) and stop.",
)
@click.option(
    "--batch-import",
    type=click.Path(path_type=Path),
    help="Read an exported round's results (OpenAI batch output format, as vllm run-batch writes; a file or a "
    "folder of them) back.",
)
@click.option("--batch-cancel", is_flag=True, help="Cancel the run's batches still running at the provider.")
@click.option(
    "--batch-max-requests", type=click.IntRange(min=1), default=50_000, help="Most requests per batch file (50000)."
)
@click.option(
    "--batch-max-mb", type=click.FloatRange(min=0, min_open=True), default=200.0, help="Most MB per batch file (200)."
)
@click.option(
    "--batch-endpoint",
    default="/v1/chat/completions",
    show_default=True,
    help="The url of each batch request (Azure OpenAI: /chat/completions).",
)
@click.option(
    "--batch-poll", type=click.FloatRange(min=0), default=10.0, help="Seconds between status checks at first (10)."
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.version_option(package_name="summarizer")
def cli(inputs: tuple[str, ...], out: Path | None, fmt: str | None, stage: str | None, **opts: Any) -> None:
    """Summarize Chinese government work reports into verified, structured summaries."""
    quiet = opts.pop("quiet")
    verbose = opts.pop("verbose")
    logging.basicConfig(
        level=logging.ERROR
        if quiet
        else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING),
        format="summarize: %(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:  # the API key never reaches a log line (safety.redact)
        handler.addFilter(RedactingFilter())
    settings = settings_from(opts)
    files, root = _expand(inputs, out=out, follow_symlinks=opts.pop("follow_symlinks"))
    if stage:  # the deterministic steps only: no backend is involved
        sys.exit(_run_stage(files, stage, fmt or "text", settings))
    if fmt == "text":
        raise click.UsageError("--format text goes with --stage")
    spec = backends.resolve(settings)  # a backend whose needs are not met is one line, exit 2, before any work
    from .api import Summarizer

    with Summarizer(settings) as summarizer:
        if opts["dry_run"]:
            sys.exit(_dry_run(summarizer, files))
        notice = settings.backend == backends.AUTO and not spec.capabilities.calls_model and not quiet
        if len(files) == 1 and out is None and root is None:
            document = _load(files[0], settings.load_limits())  # a bad input is reported alone, before any notice
            _notice(notice)
            sys.exit(_single(summarizer, document, fmt or "json", strict=opts["strict"], quiet=quiet))
        _notice(notice)
        progress = not opts["no_progress"] and not quiet
        strict = opts["strict"]
        if opts["batch_api"] or opts["batch_export"] or opts["batch_import"] or opts["batch_cancel"]:
            sys.exit(_batch_api(summarizer, files, root, out, fmt or "json", opts, quiet=quiet, progress=progress))
        if out is None:
            raise click.UsageError("several inputs need --out DIR")
        sys.exit(
            _batch(
                summarizer, files, root, out, fmt or "json", strict=strict, quiet=quiet, progress=progress,
                wait=opts["wait"],
            )
        )



def _notice(show: bool) -> None:
    if show:
        _err(
            "no LLM endpoint configured: using the offline backend. For an LLM, set OPENAI_BASE_URL, "
            "OPENAI_API_KEY and SUMMARIZER_MODEL (or --base-url/--api-key/--model)."
        )


def _expand(
    inputs: tuple[str, ...], *, out: Path | None = None, follow_symlinks: bool = False
) -> tuple[list[str], Path | None]:
    """Files to process ('-' is stdin); the input folder when exactly one folder was given.

    ``out`` may lie inside an input folder (its tree is then not read as input) but may not be an input folder or
    hold one: outputs would mix with the reports, and the next run would read them as reports."""
    from .load import SUPPORTED_SUFFIXES, discover

    files: list[str] = []
    root: Path | None = None
    out_abs = os.path.abspath(out) if out is not None else None
    for item in inputs:
        if item == "-":
            files.append(item)
            continue
        p = Path(item)
        if p.is_dir():
            if out_abs is not None:
                folder = os.path.abspath(p)
                if os.path.commonpath([folder, out_abs]) == out_abs:
                    what = "is the input folder" if folder == out_abs else f"holds the input folder {item}"
                    raise InputError(
                        f"--out {out} {what}: summaries would mix with the reports; choose a folder outside it "
                        f"(or inside it, e.g. {Path(item) / 'summaries'})"
                    )
            exclude = (Path(out_abs),) if out_abs is not None else ()
            found = discover(p, exclude=exclude, follow_symlinks=follow_symlinks)
            if not found:
                raise InputError(f"{item}: no supported files ({' '.join(SUPPORTED_SUFFIXES)}) in this folder")
            files.extend(str(f) for f in found)
            root = p if len(inputs) == 1 else None
        else:
            files.append(item)
    return files, root


def _load(item: str, limits: LoadLimits) -> Document:
    from .load import load_bytes, load_path, sniff_suffix

    if item == "-":  # at most one byte past the cap: load_bytes names the overflow
        data = sys.stdin.buffer.read(limits.max_input_bytes + 1)
        return load_bytes(data, "<stdin>", sniff_suffix(data), limits=limits)
    return load_path(item, limits)


def _run_stage(files: list[str], stage: str, fmt: str, settings: Settings) -> int:
    from .analysis import analyze
    from .stages import render_stage

    code = 0
    for item in files:
        try:
            # The flags that shape the core (--chunk-size, --keep-traditional) apply here too.
            analysis = analyze(_load(item, settings.load_limits()), settings)
        except SummarizerError as exc:
            _err(f"error: {exc}")
            code = 2
            continue
        if len(files) > 1:
            click.echo(f"==> {item} <==")
        click.echo(render_stage(analysis, stage, fmt), nl=False)
    return code


def _headline(summary: Any) -> str:
    v = summary.verification
    head = f"{summary.source.name}: grounded {v.grounded_share:.1%} of {v.numbers_checked} numbers"
    if v.failed:
        head += f" ({v.failed} not grounded)"
    u = summary.usage
    tokens = u.prompt_tokens + u.completion_tokens
    return head + f" · backend {summary.backend} · {u.calls} calls, {u.cache_hits} cached, {tokens} tokens"


def _single(summarizer: Summarizer, document: Document, fmt: str, *, strict: bool, quiet: bool) -> int:
    from .render import render

    result = summarizer.run(document)
    click.echo(render(result, fmt), nl=False)
    if not quiet:
        _err(_headline(result.summary))
    if strict and result.summary.verification.failed:
        _err(f"--strict: {result.summary.verification.failed} summary numbers are not grounded in the source")
        return 1
    return 0


def _batch(
    summarizer: Summarizer,
    files: list[str],
    root: Path | None,
    out: Path,
    fmt: str,
    *,
    strict: bool,
    quiet: bool,
    progress: bool,
    wait: bool = False,
) -> int:
    from .batch import Batch, exit_code

    if "-" in files:
        raise click.UsageError("stdin ('-') cannot be mixed into a batch")
    formats = tuple(dict.fromkeys(["json", fmt]))  # JSON always: metrics.csv and resuming read it
    paths = [Path(f) for f in files]
    # Several inputs keep their paths below the folder they share (Batch's common root), so d/report.txt and
    # e/report.txt write d/report.json and e/report.json.
    batch = Batch(summarizer, paths, out, root=root, formats=formats, wait=wait)
    if progress and sys.stderr.isatty():
        statuses = _with_progress(batch)
    else:
        statuses = batch.run()
    failed = [s for s in statuses if s.status == "failed"]
    t = batch.totals
    if not quiet:
        u = t.usage
        prefix = f" ({u.cached_tokens} prompt tokens from the provider's prefix cache)" if u.cached_tokens else ""
        _err(
            f"{t.done} done, {t.skipped} already done, {t.failed} failed of {t.documents} · {u.calls} calls, "
            f"{u.cache_hits} cached, {u.prompt_tokens + u.completion_tokens} tokens{prefix}, ${t.cost_usd:.4f} · "
            f"{out}/index.json"
        )
        hint = _example_hint(summarizer, u)
        if hint:
            _err(hint)
        for s in failed:
            _err(f"failed: {safe_error(s.reason or '')}")
    return exit_code(statuses, strict=strict)


def _example_hint(summarizer: Summarizer, usage: Any) -> str | None:
    """One line when the worked example was sent and the provider's prefix cache never answered: the example
    is there only so that the cache serves the prefix (``prefix.py``), and whether it does depends on how the
    provider counts our prefix, which nothing here can check before a run. Read only after enough requests
    that the first ones (sent together, before any cache entry exists) cannot explain the misses."""
    settings = summarizer.settings
    sent = usage.calls - usage.cache_hits
    if not summarizer.spec.capabilities.calls_model or not summarizer.fingerprint.worked_example:
        return None
    if usage.cached_tokens or sent < 3 * settings.concurrency + 1:
        return None
    return (
        f"worked example: sent in {sent} requests, but the provider served no prompt tokens from its prefix cache; "
        f"it costs more than it saves on this endpoint: --worked-example off"
    )


def _batch_api(
    summarizer: Summarizer,
    files: list[str],
    root: Path | None,
    out: Path | None,
    fmt: str,
    opts: dict[str, Any],
    *,
    quiet: bool,
    progress: bool,
) -> int:
    from .batchapi.command import options_from, run_command

    if out is None:
        raise click.UsageError("--batch-api, --batch-export, --batch-import and --batch-cancel need --out DIR")
    if "-" in files:
        raise click.UsageError("stdin ('-') cannot be mixed into a batch")
    return run_command(
        summarizer,
        [Path(f) for f in files],
        root,
        out,
        tuple(dict.fromkeys(["json", fmt])),
        options=options_from(opts),
        cancel=opts["batch_cancel"],
        export=opts["batch_export"],
        results=opts["batch_import"],
        quiet=quiet,
        progress=progress,
        strict=opts["strict"],
        wait=opts["wait"],
    )


def progress_bar(label: str) -> Progress:
    """The progress bar both batch paths show on a terminal: label, bar, done/total, the task's ``detail``
    field, elapsed time (a ``rich.progress.Progress``; rich is imported only when a bar is shown)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        transient=False,
    )


def _with_progress(batch: Batch) -> list[Any]:
    with progress_bar("summarize") as bar:
        task = bar.add_task("docs", total=batch.totals.documents, detail="")

        def update(_event: str, t: BatchTotals) -> None:
            u = t.usage
            detail = (
                f"chunks {t.chunks} · cache {u.cache_hits} · tokens {u.prompt_tokens + u.completion_tokens}"
                f" · ${t.cost_usd:.4f} · failed {t.failed}"
            )
            bar.update(task, completed=t.done + t.failed + t.skipped, detail=detail)

        batch.on_event = update
        return batch.run()


def _dry_run(summarizer: Summarizer, files: list[str]) -> int:
    from .dryrun import dry_run

    code = 0
    if summarizer.spec.capabilities.calls_model:
        from .cost import price_for
        from .prefix import decide

        settings = summarizer.settings
        click.echo(decide(settings).line(price_for(settings.model, settings.prices)))
    for item in files:
        try:
            plan = dry_run(summarizer, _load(item, summarizer.settings.load_limits()))
        except LoadError as exc:
            _err(f"error: {exc}")
            code = 2
            continue
        click.echo(plan.line())
    return code


EVAL_EXAMPLES = """
\b
Examples:
  summarize eval                                   # every gold file in tests/gold, offline backend
  summarize eval tests/gold --backend replay --cassettes tests/cassettes/corpus
  summarize eval tests/gold/national_2016_gov_report.json --details     # what was missed, faults, junk
  OPENAI_BASE_URL=… SUMMARIZER_MODEL=… summarize eval --backend llm    # evaluate your own model
  summarize eval --baseline tests/gold/baseline.json                   # exit 1 below a pinned floor
"""


@click.command(epilog=EVAL_EXAMPLES, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.argument("gold", nargs=-1, metavar="[GOLD…]")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", help="Output format.")
@click.option("--details", is_flag=True, help="List missed facts, wrong names/periods/kinds, faults and junk.")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Floors pinned per backend (JSON); exit 1 when a figure falls below its floor.",
)
@settings_options
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def eval_cli(gold: tuple[str, ...], fmt: str, details: bool, baseline: Path | None, **opts: Any) -> None:
    """Score summaries against hand-written gold labels: key-fact recall, name, period and kind accuracy,
    faithfulness errors, junk share, highlights, title/organization/period and section roles.

    GOLD is gold files or folders of them (default: tests/gold). See tests/gold/README.md for the format."""
    from .evaluate import as_json, evaluate, figures, format_table, gate
    from .gold import gold_files, load_gold

    quiet = opts.pop("quiet")
    level = logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="summarize: %(levelname)s %(message)s")
    settings = settings_from(opts)
    cases = [load_gold(f) for f in gold_files(list(gold) or ["tests/gold"])]
    from .api import Summarizer

    with Summarizer(settings) as summarizer:
        docs = evaluate(cases, summarizer.run)
        backend = summarizer.backend
    if fmt == "json":
        click.echo(json.dumps(as_json(backend, docs), ensure_ascii=False, indent=2))
    else:
        click.echo(format_table(backend, docs, details=details), nl=False)
    if baseline is not None:
        try:
            floors = json.loads(baseline.read_text(encoding="utf-8"))[backend]
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(f"{baseline}: no floors for backend {backend} ({exc})") from None
        failures = gate(figures(docs), floors)
        for line in failures:
            _err(f"below baseline: {line}")
        if failures:
            sys.exit(1)
    skipped = [d for d in docs if d.error is not None]
    if skipped and not quiet:
        _err(f"{len(skipped)} of {len(docs)} documents not evaluated (see the table)")


def main() -> None:
    """Console entry point: library errors become one line and an exit code, never a traceback."""
    args = sys.argv[1:]
    # `summarize eval …` is the evaluation command; anything else is a report to summarize (a file named
    # "eval" is reached as ./eval). A group with a default command would make every `summarize FILE` parse
    # through a subcommand lookup for this one case.
    command, args, name = (eval_cli, args[1:], "summarize eval") if args[:1] == ["eval"] else (cli, args, "summarize")
    try:
        command.main(args=args, prog_name=name, standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        _interrupted()
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except SummarizerError as exc:
        _err(f"error: {safe_error(str(exc), 2000)}")
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug: say so in one line; -vv shows the traceback
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            logging.exception("internal error")
        _err(f"internal error: {safe_error(f'{type(exc).__name__}: {exc}', 2000)}")
        sys.exit(70)


def _interrupted() -> None:
    """Ctrl-C: one line and exit 130, at once. A second Ctrl-C from here on is ignored (it used to print a
    traceback from the interpreter joining threads); requests still in flight are on daemon threads, abandoned."""
    with contextlib.suppress(ValueError):  # signal only works in the main thread
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _err("interrupted; finished documents are kept, rerun to resume")
    sys.exit(130)
