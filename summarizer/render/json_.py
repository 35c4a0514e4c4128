"""JSON output: UTF-8 with Chinese left readable, field order fixed by the model definition."""

from __future__ import annotations

from ..models import ReportSummary


def render_json(summary: ReportSummary) -> str:
    # pydantic keeps declaration order and does not \u-escape non-ASCII.
    return summary.model_dump_json(indent=2) + "\n"
