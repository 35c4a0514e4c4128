"""Printable views of each deterministic step (``summarize FILE --stage …``), like a compiler's ``-E``."""

from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .analysis import Analysis
    from .sections import Section

STAGES = ("clean", "sections", "chunks", "numbers")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _section_dict(s: Section) -> dict[str, Any]:
    return {
        "number": s.number,
        "title": s.title,
        "level": s.level,
        "style": s.style,
        "role": s.role,
        "start": s.start,
        "end": s.end,
        "children": [_section_dict(c) for c in s.children],
    }


def stage_data(analysis: Analysis, stage: str) -> Any:
    if stage == "clean":
        return {"name": analysis.document.name, "script": analysis.clean.script, "text": analysis.clean.text}
    if stage == "sections":
        o = analysis.outline
        return {"preamble": list(o.preamble), "sections": [_section_dict(s) for s in o.sections]}
    if stage == "chunks":
        return [
            {
                "index": c.index,
                "start": c.start,
                "end": c.end,
                "chars": len(c.text),
                "breadcrumb": list(c.breadcrumb),
                "parts": [{"path": list(p.path), "role": p.role} for p in c.parts],
                "text": c.text,
            }
            for c in analysis.chunks
        ]
    if stage == "numbers":
        return [_plain(asdict(m)) for m in analysis.mentions]
    raise ValueError(stage)


def render_stage(analysis: Analysis, stage: str, fmt: str) -> str:
    from .models import HEADING_SEP  # here, not at the top: the CLI reads STAGES for its --help

    data = stage_data(analysis, stage)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if stage == "clean":
        return str(data["text"]) + "\n"
    lines: list[str] = []
    if stage == "sections":
        start, end = data["preamble"]
        lines.append(f"[preamble {start}-{end}]")

        def tree(items: list[dict[str, Any]]) -> None:
            for s in items:
                role = f"  <{s['role']}>" if s["role"] else ""
                lines.append(f"{'  ' * (s['level'] - 1)}{s['number']}{s['title']}  [{s['start']}-{s['end']}]{role}")
                tree(s["children"])

        tree(data["sections"])
    elif stage == "chunks":
        for c in data:
            parts = " | ".join(HEADING_SEP.join(p["path"]) or "(preamble)" for p in c["parts"])
            lines.append(f"--- chunk {c['index'] + 1} [{c['start']}-{c['end']}] {c['chars']} chars · parts: {parts}")
            lines.append(c["text"])
    else:
        for m in data:
            value = "REDACTED" if m["redacted"] else m["scaled"]
            approx = f" approx={m['approx']}" if m["approx"] else ""
            lines.append(f"{m['start']:>6}-{m['end']:<6} {m['kind']:<13} {m['text']:<16} = {value} {m['unit']}{approx}")
    return "\n".join(lines) + "\n"
