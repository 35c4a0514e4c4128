"""schemas/ is the published contract: it must be exactly what the models export."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.schemas import EXPORTED, STRICT_EXPORTED, schema_text

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


@pytest.mark.parametrize("name", sorted(EXPORTED) + sorted(STRICT_EXPORTED))
def test_exported_schema_in_sync(name: str) -> None:
    path = SCHEMAS / name
    assert path.is_file(), f"{name} missing: run python -m summarizer.schemas"
    strict = name in STRICT_EXPORTED
    model = STRICT_EXPORTED[name] if strict else EXPORTED[name]
    assert path.read_text(encoding="utf-8") == schema_text(model, strict=strict), (
        f"schemas/{name} is out of date: run `python -m summarizer.schemas` and commit the diff"
    )


def test_schema_lists_contract_fields() -> None:
    text = (SCHEMAS / "report_summary.schema.json").read_text(encoding="utf-8")
    for field in ("overview", "sections", "metrics", "verification", "usage", "evidence", "original_start",
                  "redacted", "check", "prompt_version", "schema_version"):
        assert f'"{field}"' in text
