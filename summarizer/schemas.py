"""Export the contract's JSON Schemas to ``schemas/`` (``python -m summarizer.schemas``).

A test compares the files with the models, so the published schema can never drift from the code. The models a
model fills are exported twice: as sent in tools/json/md_json modes (compact) and in the strict form json_schema
and tools_strict modes send, which an endpoint can enforce (``*.strict.schema.json``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .models import (
    SCHEMA_VERSION,
    ChunkExtraction,
    OverviewDraft,
    ReportExtraction,
    ReportSummary,
    strict_json_schema,
)
from .resources import schemas_dir

EXPORTED: dict[str, type[BaseModel]] = {
    "report_summary.schema.json": ReportSummary,
    "chunk_extraction.schema.json": ChunkExtraction,
    "overview_draft.schema.json": OverviewDraft,
    "report_extraction.schema.json": ReportExtraction,
}
STRICT_EXPORTED: dict[str, type[BaseModel]] = {
    "chunk_extraction.strict.schema.json": ChunkExtraction,
    "overview_draft.strict.schema.json": OverviewDraft,
    "report_extraction.strict.schema.json": ReportExtraction,
}


def schema_text(model: type[BaseModel], *, strict: bool = False) -> str:
    schema: dict[str, Any] = strict_json_schema(model) if strict else model.model_json_schema()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": f"summarizer schema {SCHEMA_VERSION}",
        **schema,
    }
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def export(directory: Path | None = None) -> list[Path]:
    directory = directory or schemas_dir()
    written = []
    for name, model in EXPORTED.items():
        path = directory / name
        path.write_text(schema_text(model), encoding="utf-8")
        written.append(path)
    for name, model in STRICT_EXPORTED.items():
        path = directory / name
        path.write_text(schema_text(model, strict=True), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "schemas"
    target.mkdir(parents=True, exist_ok=True)
    for p in export(target):
        print(p)
