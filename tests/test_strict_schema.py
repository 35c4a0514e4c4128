"""The strict form of every schema a model fills (``models.strict_json_schema``) against the rules OpenAI documents
for Structured Outputs with ``strict: true`` (platform.openai.com/docs/guides/structured-outputs, "Supported
schemas"), and against pydantic: never looser than what pydantic validates.

The rules, as documented (checked here; where the documented limits grew since Structured Outputs shipped in
August 2024, the older, smaller ones are used, so an older deployment or a fine-tuned model takes the schema too):

* the root is an object, not an ``anyOf``;
* every object sets ``additionalProperties: false`` and lists every property in ``required`` (an optional value is
  a ``[X, "null"]`` type, never a missing key);
* only the supported keywords: type, properties, required, additionalProperties, items, enum, const, anyOf, $ref,
  $defs, and the annotations title and description (the string, number and array constraints some models accept —
  pattern, format, minimum, minItems… — are left out, and so is ``default``);
* supported types only: string, number, integer, boolean, object, array, null (here every node also names its type:
  xgrammar and llama.cpp's converter read an untyped enum, but OpenAI's own examples always type it);
* at most 100 object properties in all and 5 levels of object nesting (now 5,000 and 10), at most 15,000 characters
  of property names and enum values (now 120,000), at most 500 enum values (now 1,000).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from summarizer import models
from summarizer.models import ChunkExtraction, OverviewDraft, ReportExtraction, strict_json_schema
from summarizer.testing.fake_openai import conform, schema_errors

ANSWERS = Path(__file__).resolve().parent / "cassettes" / "answers"

KEYWORDS = {
    "type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "$ref", "$defs",
    "title", "description",
}  # fmt: skip
TYPES = {"string", "number", "integer", "boolean", "object", "array", "null"}
MAX_PROPERTIES, MAX_DEPTH, MAX_CHARS, MAX_ENUM_VALUES = 100, 5, 15_000, 500


def prompt_models() -> list[type[models._PromptModel]]:
    """Every model an LLM fills, the nested ones included."""
    found: list[type[models._PromptModel]] = []
    todo = list(models._PromptModel.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.append(cls)
            todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__name__)


def strict_violations(schema: dict[str, Any]) -> list[str]:
    """Where ``schema`` breaks the documented strict-mode rules (see the module docstring)."""
    problems: list[str] = []
    if schema.get("type") != "object" or "anyOf" in schema:
        problems.append("root: must be an object, not anyOf")
    totals = {"properties": 0, "chars": 0, "enum": 0}

    def walk(node: Any, path: str, depth: int) -> None:
        if not isinstance(node, dict):
            problems.append(f"{path}: not a schema object")
            return
        problems.extend(f"{path}: keyword {k!r} not supported" for k in node if k not in KEYWORDS)
        types = node.get("type")
        names = [types] if isinstance(types, str) else list(types or [])
        if not names and "anyOf" not in node and "$ref" not in node:
            problems.append(f"{path}: no type")
        problems.extend(f"{path}: type {t!r} not supported" for t in names if t not in TYPES)
        if "enum" in node:
            totals["enum"] += len(node["enum"])
            totals["chars"] += sum(len(str(v)) for v in node["enum"])
            for value in node["enum"]:
                if schema_errors(value, {"type": types}):
                    problems.append(f"{path}: enum value {value!r} is not of type {types}")
        if "object" in names:
            depth += 1
            if depth > MAX_DEPTH:
                problems.append(f"{path}: nested deeper than {MAX_DEPTH} objects")
            properties = node.get("properties")
            if not isinstance(properties, dict):
                problems.append(f"{path}: object without properties")
                properties = {}
            if node.get("additionalProperties") is not False:
                problems.append(f"{path}: additionalProperties must be false")
            if sorted(node.get("required") or []) != sorted(properties):
                problems.append(f"{path}: required must list every property, got {node.get('required')}")
            totals["properties"] += len(properties)
            totals["chars"] += sum(len(k) for k in properties)
            for key, sub in properties.items():
                walk(sub, f"{path}.{key}", depth)
        if "array" in names:
            if not isinstance(node.get("items"), dict):
                problems.append(f"{path}: array without an items schema")
            else:
                walk(node["items"], f"{path}[]", depth)
        for i, option in enumerate(node.get("anyOf") or []):
            walk(option, f"{path}.anyOf[{i}]", depth)

    walk(schema, "$", 0)
    if totals["properties"] > MAX_PROPERTIES:
        problems.append(f"{totals['properties']} properties (at most {MAX_PROPERTIES})")
    if totals["chars"] > MAX_CHARS:
        problems.append(f"{totals['chars']} characters of names and enum values (at most {MAX_CHARS})")
    if totals["enum"] > MAX_ENUM_VALUES:
        problems.append(f"{totals['enum']} enum values (at most {MAX_ENUM_VALUES})")
    return problems


def test_the_rule_checker_finds_what_strict_mode_refuses() -> None:
    # The checker itself, on the compact form (sent in tools/json modes), which is not strict: optional keys are
    # left out of `required`, no object is closed, enums carry no type.
    compact = strict_violations(ChunkExtraction.model_json_schema())
    assert any("required must list every property" in p for p in compact)
    assert any("additionalProperties must be false" in p for p in compact)
    assert any("$.items[].kind: no type" in p for p in compact)
    assert strict_violations({"anyOf": [{"type": "object"}]})[0].startswith("root")
    assert any("'default'" in p for p in strict_violations({**OverviewDraft.strict_json_schema(), "default": {}}))
    assert any("'minLength'" in p for p in strict_violations(
        {"type": "object", "properties": {"a": {"type": "string", "minLength": 1}}, "required": ["a"],
         "additionalProperties": False}
    ))  # fmt: skip


@pytest.mark.parametrize("model", prompt_models(), ids=lambda m: m.__name__)
def test_strict_form_follows_the_documented_rules(model: type[BaseModel]) -> None:
    assert strict_violations(strict_json_schema(model)) == []


@pytest.mark.parametrize("model", prompt_models(), ids=lambda m: m.__name__)
def test_strict_form_is_the_compact_form_closed(model: type[BaseModel]) -> None:
    """Same properties in the same order (OpenAI answers keys in schema order), same types: only closed."""
    compact, strict = model.model_json_schema(), strict_json_schema(model)

    def shape(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: shape(v) for k, v in node.items() if k not in ("required", "additionalProperties", "type")}
        return [shape(v) for v in node] if isinstance(node, list) else node

    assert shape(compact) == shape(strict)
    assert list(strict["properties"]) == list(compact["properties"])


# -- never looser than pydantic ------------------------------------------------------------------------------------


def authored_answers() -> Iterator[tuple[type[BaseModel], dict[str, Any]]]:
    """Real answers of every shape: each authored chunk answer, overview, and a whole-report answer."""
    for path in sorted(ANSWERS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        specs = data.values() if path.name.endswith(".sets.json") else [data]
        for spec in specs:
            for answers in spec["chunks"].values():
                for answer in answers if isinstance(answers, list) else [answers]:
                    yield ChunkExtraction, answer
                    yield ReportExtraction, {**answer, **spec["overview"]}
            yield OverviewDraft, spec["overview"]


def accepts(model: type[BaseModel], value: Any) -> bool:
    """pydantic's structural verdict, as instructor asks it (JSON, strict mode, no grounding context)."""
    try:
        model.model_validate_json(json.dumps(value, ensure_ascii=False), strict=True)
    except ValidationError:
        return False
    return True


def mutations(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Every one-step corruption of an answer: a key dropped, added, nulled, retyped; an enum value changed."""
    if isinstance(value, dict):
        yield f"{path} + extra key", {**value, "confidence": 0.9}
        for key, sub in value.items():
            yield f"{path}.{key} dropped", {k: v for k, v in value.items() if k != key}
            for bad in (None, 123, "", [], {}, "bogus"):
                if bad != sub:
                    yield f"{path}.{key} = {bad!r}", {**value, key: bad}
            for what, changed in mutations(sub, (*path, key)):
                yield what, {**value, key: changed}
    elif isinstance(value, list) and value:
        for what, changed in mutations(value[0], (*path, 0)):
            yield what, [changed, *copy.deepcopy(value[1:])]


def test_every_authored_answer_is_valid_both_ways() -> None:
    seen = 0
    for model, answer in authored_answers():
        dumped = model.model_validate(answer).model_dump(mode="json")
        assert schema_errors(answer, strict_json_schema(model)) == []
        assert schema_errors(dumped, strict_json_schema(model)) == []  # a dump writes every key
        assert accepts(model, answer)
        seen += 1
    assert seen > 50


def test_the_strict_form_admits_nothing_pydantic_refuses() -> None:
    """Over every one-step corruption of every authored answer: when the strict schema admits it, pydantic does
    too. The other way round differs only where the strict form is stricter on purpose: a key pydantic lets a
    model leave out (a default) is required, as strict mode wants."""
    looser, stricter = [], set()
    for model, answer in authored_answers():
        schema = strict_json_schema(model)
        for what, corrupted in mutations(answer):
            admitted, accepted = not schema_errors(corrupted, schema), accepts(model, corrupted)
            if admitted and not accepted:
                looser.append((model.__name__, what))
            if accepted and not admitted:
                stricter.add(what.rsplit(".", 1)[-1])
    assert looser == []
    assert stricter <= {
        "items dropped",
        "metrics dropped",
        "key dropped",
        "title dropped",
        "organization dropped",
        "period dropped",
    }


@pytest.mark.parametrize("model", [ChunkExtraction, ReportExtraction, OverviewDraft], ids=lambda m: m.__name__)
def test_whatever_an_enforcing_endpoint_writes_pydantic_accepts(model: type[BaseModel]) -> None:
    """The emptiest answer the strict schema admits, and one with every nullable filled and every enum value used:
    both pass pydantic (structurally: grounding is checked against the chunk afterwards)."""
    schema = strict_json_schema(model)
    emptiest = conform(None, schema)
    assert schema_errors(emptiest, schema) == [] and accepts(model, emptiest)

    def fullest(node: dict[str, Any], pick: int) -> Any:
        if "enum" in node:
            return node["enum"][pick % len(node["enum"])]
        types = node["type"] if isinstance(node["type"], list) else [node["type"]]
        if "object" in types:
            return {k: fullest(v, pick) for k, v in node["properties"].items()}
        if "array" in types:
            return [fullest(node["items"], pick + i) for i in range(2)]
        return {"string": "文本", "number": 1.5, "integer": 1, "boolean": True, "null": None}[types[0]]

    for pick in range(5):  # every value of every enum at least once
        value = fullest(schema, pick)
        assert schema_errors(value, schema) == [] and accepts(model, value), value
