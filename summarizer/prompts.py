"""Render the versioned prompt templates in ``prompts/``; no prompt text lives in code."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .resources import prompts_dir

if TYPE_CHECKING:
    import jinja2

    from .extract import OverviewPoint

PROMPT_VERSION = "v4"


@lru_cache(maxsize=4)
def _environment(version: str) -> jinja2.Environment:
    import jinja2  # here: rendering a prompt is the first thing that needs it, and an offline run never does

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(prompts_dir() / version)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text for a model, not HTML
        keep_trailing_newline=False,
        trim_blocks=False,
        # A prompt file does not change while a run reads it: not stat'ed again for every request (jinja's default
        # re-checks each template's modification time on every get_template).
        auto_reload=False,
    )


def render(name: str, version: str = PROMPT_VERSION, **context: Any) -> str:
    return _environment(version).get_template(f"{name}.j2").render(**context).strip()


@lru_cache(maxsize=8)
def render_fixed(name: str, version: str = PROMPT_VERSION) -> str:
    """A template without variables (the system prompts), rendered once per process, not once per request."""
    return render(name, version)


@lru_cache(maxsize=4)
def extract_system(worked_example: bool = False, version: str = PROMPT_VERSION) -> str:
    """The extraction system message; ``worked_example``: with ``extract_example.j2`` appended. The example
    goes here, never into the user message, so that it is part of the identical static prefix (schema, then
    this message) of every extraction request, which a provider's prefix cache bills at its cached rate
    (``prefix.py`` says when that pays)."""
    system = render_fixed("extract_system", version)
    return f"{system}\n\n{render_fixed('extract_example', version)}" if worked_example else system


def extract_messages(
    chunk_text: str,
    parts: Sequence[str],
    whole_report_facts: Sequence[str] | None = None,
    *,
    worked_example: bool = False,
) -> list[dict[str, str]]:
    """``parts``: a label per summary part the chunk touches; the model writes one summary for each.
    ``whole_report_facts`` (the metadata block's facts, possibly none) given: the chunk is the whole report
    and the same call also writes title, organization, period and overview. ``worked_example``: the system
    message carries the worked example (``extract_system``)."""
    user = render(
        "extract_user",
        chunk=chunk_text,
        parts=parts,
        whole=whole_report_facts is not None,
        facts=list(whole_report_facts or ()),
    )
    return [{"role": "system", "content": extract_system(worked_example)}, {"role": "user", "content": user}]


def overview_messages(head: str, points: Sequence[OverviewPoint]) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": render_fixed("overview_system")},
        {"role": "user", "content": render("overview_user", head=head, sections=points)},
    ]
