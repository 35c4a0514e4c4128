"""The contract: every model a caller or the LLM sees lives here, and only here.

Two families:

* ``ReportSummary`` and its parts are what the library returns and what ``schemas/`` exports.
* ``ChunkExtraction`` / ``OverviewDraft`` are what the LLM (or the offline backend) fills for one chunk;
  their validators enforce grounding against the chunk passed as validation context, so instructor
  can re-ask the model with the exact error.

Offsets: ``start``/``end`` index the cleaned text; ``original_start``/``original_end`` index the loaded
(decoded, newline-normalised) document text, through the cleaner's offset map. For paged inputs (PDF) an
evidence also carries the ``page`` its original start is on; for unpaged ones the field is left out of the
JSON rather than written as null, so a summary of a .txt reads exactly as before pages existed.
"""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

SCHEMA_VERSION = "1.0"
HEADING_SEP = " › "  # how a heading path is written on one line (prompts, Markdown, HTML)

Role = Literal["work_done", "problems", "plans", "other"]
ItemKind = Literal["achievement", "measure", "honor", "problem", "plan"]
MetricKind = Literal["result", "target", "baseline"]
Check = Literal[
    "verified",
    "not_in_source",
    "redacted_in_source",
    "unit_mismatch",
    "misattributed",
    "ambiguous",
    "wrong_period",
    "unchecked",
]
Script = Literal["simplified", "traditional"]

# A redaction mark as the genre writes it: xx, XX, xxx.xx, x, **, *.
REDACTION_RE = re.compile(r"[xX×]+(?:\.[xX]+)?|\*+")
_DIGIT_RE = re.compile(r"\d")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------------------------------
# The summary (public contract)
# --------------------------------------------------------------------------------------------------


class _OmitNullPage(_Model):
    """``page``/``pages`` exist only for paged inputs: dumped only when set (see the module docstring)."""

    @model_serializer(mode="wrap")
    def _omit_null_page(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for key in ("page", "pages"):
                if key in data and data[key] is None:
                    del data[key]
        return data


class Evidence(_OmitNullPage):
    """A verbatim quote of the source and where it stands, in cleaned and original text (and on which page)."""

    quote: str
    start: int
    end: int
    original_start: int
    original_end: int
    page: int | None = Field(
        default=None, ge=1, description="1-based page of original_start, for paged inputs (PDF); absent otherwise."
    )


class Metric(_Model):
    """One quantitative fact."""

    id: str = Field(description="Stable id within the report, e.g. 'm12'.")
    name: str = Field(description="What is measured, e.g. '高新技术企业申报数'.")
    value: str | None = Field(
        description="The figure as written with its scale word ('30.95亿'); a redacted figure as its own marks "
        "with its scale ('xxx万', with unit '元' and number null); null only when a redacted figure's marks "
        "could not be found in the evidence."
    )
    number: float | None = Field(description="Normalised value with the scale applied (3095000000.0).")
    unit: str = Field(description="Unit as written ('元', '%', '家', '项'); '' when none.")
    kind: MetricKind
    approx: str | None = Field(default=None, description="Approximation word as written: 余/多/近/约/以上/左右.")
    redacted: bool = Field(default=False, description="The source writes the figure redacted (xx, ***).")
    period: str | None = Field(
        default=None, description="The period the figure is about: '2012年', '2020年上半年', '2011—2015年'."
    )
    period_start: str | None = Field(default=None, description="First month of the period, 'YYYY-MM'.")
    period_end: str | None = Field(default=None, description="Last month of the period, 'YYYY-MM'.")
    indicator: str | None = Field(
        default=None,
        description="Id of the indicator measured ('gdp_growth', 'cpi'; summarizer/data/indicators.json), from the "
        "name and the evidence by a deterministic matcher; null when unknown.",
    )
    section_path: list[str] = Field(default_factory=list)
    evidence: Evidence
    check: Check = "unchecked"
    check_reason: str | None = None


class RelativeTarget(_Model):
    """A target stated against another indicator instead of as a figure: 居民收入增长与经济增长基本同步."""

    indicator: str = Field(description="Id of the indicator the target is for ('resident_income_growth').")
    reference: str = Field(description="Id of the indicator it is stated against ('gdp_growth').")
    relation: str = Field(description="The relation as written: '同步', '基本同步'.")
    period: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    evidence: Evidence


class Item(_Model):
    id: str
    text: str
    kind: ItemKind
    metrics: list[str] = Field(default_factory=list, description="Ids of this item's entries in `metrics`.")
    evidence: Evidence | None = None
    flagged: bool = Field(default=False, description="True when a number in `text` is not grounded in the source.")


class SectionSummary(_Model):
    id: str
    heading_path: list[str]
    role: Role
    summary: str
    items: list[Item] = Field(default_factory=list)
    start: int
    end: int


class SourceInfo(_OmitNullPage):
    path: str | None
    name: str
    sha256: str
    format: str
    encoding: str
    raw_chars: int
    clean_chars: int
    script: Script
    pages: int | None = Field(default=None, ge=0, description="Page count of a paged input (PDF); absent otherwise.")


class VerificationFailure(_Model):
    field: str = Field(description="Where in the summary, e.g. 'metrics[3]' or 'sections[1].summary'.")
    text: str = Field(description="The number as it appears in the summary.")
    check: Check
    reason: str


class Verification(_Model):
    numbers_checked: int = 0
    verified: int = 0
    failed: int = 0
    grounded_share: float = Field(default=1.0, description="verified / numbers_checked (1.0 when nothing to check).")
    failures: list[VerificationFailure] = Field(default_factory=list)


class Usage(_Model):
    # Calls and tokens of one call, a document or a batch: the one type they are all summed in. (A comment,
    # not a docstring: a docstring would become the exported schema's description.)
    calls: int = 0
    cache_hits: int = 0
    attempts: int = 0
    prompt_tokens: int = 0
    # Of prompt_tokens, those the provider served from its prefix cache (billed at its cached rate).
    cached_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None

    def add(self, other: Usage) -> Usage:
        """Adds ``other`` into this usage (a cost only where one is known) and returns this usage."""
        self.calls += other.calls
        self.cache_hits += other.cache_hits
        self.attempts += other.attempts
        self.prompt_tokens += other.prompt_tokens
        self.cached_tokens += other.cached_tokens
        self.completion_tokens += other.completion_tokens
        if other.cost_usd is not None:
            self.cost_usd = round((self.cost_usd or 0.0) + other.cost_usd, 6)
        return self


class ReportSummary(_Model):
    """The verified, structured summary of one report."""

    schema_version: str = SCHEMA_VERSION
    source: SourceInfo
    title: str | None = None
    organization: str | None = None
    period: str | None = Field(default=None, description="The report's own period, from its title and dateline.")
    period_start: str | None = None
    period_end: str | None = None
    overview: str = ""
    sections: list[SectionSummary] = Field(default_factory=list)
    metrics: list[Metric] = Field(default_factory=list)
    highlights: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Ids of the key metrics in `metrics`, most important first (at most 20; verified ones only). "
        "On a model backend the model proposes them and the code checks and ranks them; the deterministic choice "
        "fills the places left (summarizer/highlights.py).",
    )
    relative_targets: list[RelativeTarget] = Field(
        default_factory=list, description="Targets of the plans stated against another indicator (与经济增长同步)."
    )
    verification: Verification = Field(default_factory=Verification)
    usage: Usage = Field(default_factory=Usage)
    backend: str
    model: str | None = None
    prompt_version: str


# --------------------------------------------------------------------------------------------------
# What one extraction call fills (LLM or offline). Kept small: every field costs prompt tokens.
# --------------------------------------------------------------------------------------------------


def _squash(text: str) -> str:
    """Whitespace-insensitive form used to match quotes: models often drop or add spaces."""
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class Grounding:
    """The validation context of an answer: the text its quotes must come from (a chunk, or the overview's
    material) and, for an extraction, how many summaries it owes (one per part the chunk touches)."""

    text: str
    parts: int | None = None

    @cached_property
    def squashed(self) -> str:
        """``text`` without whitespace, as quotes are matched: once per answer, not once per quote."""
        return _squash(self.text)


def _chunk_text(info: ValidationInfo) -> str | None:
    """The grounding text without whitespace (quotes are matched that way), or None without a context."""
    ctx = info.context
    return ctx.squashed if isinstance(ctx, Grounding) else None


def _compact(node: Any, defs: dict[str, Any]) -> Any:
    """The schema is sent with every call and paid for in prompt tokens, so it carries no decoration: no
    titles (property keys say it), no ``additionalProperties`` (validation still forbids extra keys), no
    descriptions (the rules live once, in the system prompt), no defaults; sub-models inlined instead of
    ``$defs``/``$ref``, ``X | None`` written ``"type": [X, "null"]`` rather than an ``anyOf``, and no type
    beside an ``enum``."""
    if isinstance(node, list):
        return [_compact(v, defs) for v in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _compact(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    any_of = node.get("anyOf")
    if any_of and len(any_of) == 2 and {"type": "null"} in any_of:
        other = next(v for v in any_of if v != {"type": "null"})
        if set(other) == {"type"} and isinstance(other["type"], str):
            return {"type": [other["type"], "null"]}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("title", "additionalProperties", "description", "default", "$defs"):
            continue
        if key == "type" and "enum" in node:
            continue  # the enum's values say it
        if key == "properties":
            out[key] = {name: _compact(prop, defs) for name, prop in value.items()}
        else:
            out[key] = _compact(value, defs)
    return out


def _strict(node: Any) -> Any:
    """The compact schema in the form an endpoint can *enforce* (OpenAI's Structured Outputs ``strict: true``;
    vLLM, llama.cpp and Ollama compile the same form into a grammar): every object closed
    (``additionalProperties: false``) and listing all its properties in ``required``, every enum typed.

    Only ever stricter than the pydantic model, never looser: a field pydantic lets the model leave out because
    it has a default becomes required (an empty list or null is then written out), and a nullable field keeps
    ``"type": [X, "null"]``, so every answer the strict form admits is one pydantic accepts (tests hold both
    directions: tests/test_strict_schema.py)."""
    if isinstance(node, list):
        return [_strict(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict(value) for key, value in node.items()}
    if "enum" in node and "type" not in node:
        kinds = {type(v) for v in node["enum"]}
        if kinds == {str}:
            out["type"] = "string"
    if isinstance(node.get("properties"), dict):
        out["required"] = list(node["properties"])
        out["additionalProperties"] = False
    return out


class _PromptModel(_Model):
    """A model an LLM fills: strict about extra keys, and sent as a compact JSON schema (or, to an endpoint that
    enforces a schema, as its strict form: ``strict_json_schema``)."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # instructor's json_schema and json modes ask for it on every request, and pydantic builds it anew each
        # time (about 1 ms): built once per model, handed out as a copy (a caller may add to it).
        if not args and not kwargs:
            cached = _COMPACT_SCHEMAS.get(cls)
            if cached is None:
                cached = _COMPACT_SCHEMAS[cls] = json.dumps(cls._compact_schema(), ensure_ascii=False)
            result: dict[str, Any] = json.loads(cached)
            return result
        return cls._compact_schema(*args, **kwargs)

    @classmethod
    def _compact_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        schema = super().model_json_schema(*args, **kwargs)
        compact: dict[str, Any] = _compact(schema, schema.get("$defs", {}))
        # The title stays on top (instructor names the tool after it), and so does the docstring: without
        # one instructor sends a long English default description.
        compact["title"] = schema["title"]
        if cls.__doc__:
            compact["description"] = cls.__doc__.strip()
        return compact

    @classmethod
    def strict_json_schema(cls) -> dict[str, Any]:
        """The compact schema made valid for strict mode (see ``_strict``), as ``json_schema`` and
        ``tools_strict`` modes send it. Built once per model: it goes with every request."""
        cached = _STRICT_SCHEMAS.get(cls)
        if cached is None:
            cached = _STRICT_SCHEMAS[cls] = _strict(cls.model_json_schema())
        return cached


# Filled on first use (a classmethod cannot carry functools.cache per subclass). The compact schema is kept as JSON
# text, so every caller gets its own copy. Weak keys: instructor wraps the response model in a new class for each
# request on its own path (the batch API's parse), and a plain dict kept every one of those alive (~20 kB each).
_COMPACT_SCHEMAS: weakref.WeakKeyDictionary[type[BaseModel], str] = weakref.WeakKeyDictionary()
_STRICT_SCHEMAS: weakref.WeakKeyDictionary[type[BaseModel], dict[str, Any]] = weakref.WeakKeyDictionary()


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The strict form of ``model``'s JSON schema (see ``_strict``): a prompt model's compact schema made strict,
    or any other pydantic model's own schema. Shared, built once per model: callers must not mutate it."""
    if issubclass(model, _PromptModel):
        return model.strict_json_schema()
    cached = _STRICT_SCHEMAS.get(model)
    if cached is None:
        cached = _STRICT_SCHEMAS[model] = _strict(model.model_json_schema())
    return cached


class ExtractedMetric(_PromptModel):
    # What each field means is told to the model once, in prompts/*/extract_system.j2.
    name: str  # what is measured
    value: str | None  # the figure as written, scale word included, unit excluded; null when redacted
    unit: str
    kind: MetricKind
    quote: str  # the verbatim clause holding the figure (or its redaction mark)
    # The model's proposal for ``ReportSummary.highlights``: a headline figure a briefing of the report must cite.
    # A yes/no on each metric, decided while the model writes that metric with its clause in view, is what a
    # model answers reliably and costs one short key per metric; a list of key metrics would have to name them
    # again (names drift from the metrics', indices shift), and a chunk's answer cannot rank figures across the
    # report anyway. The code checks each proposal and ranks them (``highlights.checked_highlights``). Last, so
    # the model judges the figure after quoting it; defaults to False, so an answer without it (recorded before
    # it existed, a model that leaves it out where the schema is not enforced) proposes nothing.
    key: bool = False
    # Not asked of the model: ``merge`` reads the approximation word (余, 近, 以上…) from the figure's
    # mention in the quote, and a null value is what marks a redacted figure. Fewer fields, fewer tokens,
    # and two fewer things a model can get wrong.

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> ExtractedMetric:
        chunk = _chunk_text(info)
        if chunk is None:
            return self
        quote = _squash(self.quote)
        if not quote or quote not in chunk:
            raise ValueError(f"指标「{self.name}」的quote不是原文的逐字摘录: {self.quote!r}")
        if self.value is not None:
            problem = figure_problem(self.value, self.unit, self.quote) or binding_problem(
                self.name, self.value, self.unit, self.quote, chunk
            )
            if problem is not None:
                raise ValueError(f"指标「{self.name}」{problem}")
        elif REDACTION_RE.search(self.quote) is None:
            raise ValueError(f"指标「{self.name}」的value为null,但其quote中没有xx等涂改标记")
        return self


@lru_cache(maxsize=512)
def _sentence_mentions(sentence: str) -> tuple[Any, ...]:
    """A sentence's number mentions, read once however many of its figures are validated (every metric of an
    answer quotes into a few sentences)."""
    from .numbers import find_numbers

    return tuple(find_numbers(sentence))


def binding_problem(name: str, value: str, unit: str, quote: str, chunk: str) -> str | None:
    """Why the figure belongs to another indicator than ``name`` by what its sentence binds (``binding``),
    or None: the same check as verification's ``misattributed``, asked of the model at once so a re-ask can
    swap the figures back."""
    from .binding import bind_alone, has_rival, misattribution  # the clause grammar: not at import of the contract
    from .numbers import parse_number, units_compatible

    at = chunk.find(quote)
    claim = parse_number(f"{value}{unit}")
    if at < 0 or claim is None:
        return None
    lo = max((chunk.rfind(ch, 0, at) for ch in "。！？!?；;\n"), default=-1) + 1
    ends = [i for i in (chunk.find(ch, at + len(quote)) for ch in "。！？!?；;\n") if i >= 0]
    sentence = chunk[lo : min(ends) if ends else len(chunk)]
    q0, q1 = at - lo, at - lo + len(quote)
    mentions = _sentence_mentions(sentence)
    if not has_rival(m for m in mentions if q0 <= m.start < q1):
        return None  # no other figure in the quote for this one to be taken for: nothing to bind
    # bind_alone is shared with verification, which binds the same sentences inside the cleaned document.
    here = [b for b in bind_alone(sentence, mentions) if q0 <= b.mention.start < q1]
    own = next(
        (
            b
            for b in here
            if b.mention.scaled == claim.scaled and units_compatible(b.mention, claim, ordinals_apart=False)
        ),
        None,
    )
    other = misattribution(name, own, here) if own is not None else None
    if own is None or other is None:
        return None
    return (
        f"的数值{own.mention.text}在原文中属于「{own.name}」,而「{other.name}」是{other.mention.text};"
        "请按原文核对指标名称与数值的对应关系"
    )


def figure_problem(value: str, unit: str, quote: str) -> str | None:
    """Why ``value`` + ``unit`` is not a figure of ``quote`` (None when it is), in words a model can act on.

    Compared as number mentions (``numbers``: 万/亿 applied, units folded), not as substrings: "3" is not in
    "科技计划项目143项", and "235.2" + "万元" is not "235.2亿元" although every digit is there. A figure whose
    digits are in the quote with another scale or unit is named as such, so the re-ask says what to fix."""
    from .numbers import parse_number, quote_numbers, units_compatible  # compiles its grammar: not at import

    claim = parse_number(f"{value}{unit}")
    if claim is None or (claim.scaled is None and not claim.redacted):
        return f"的value {value!r} 不是数字"
    mentions = quote_numbers(quote)
    if claim.redacted:
        if any(m.redacted and units_compatible(m, claim, ordinals_apart=False) for m in mentions):
            return None
        return f"的value {value!r} 是涂改标记,但其quote中没有单位相同的涂改数字"
    same = [
        m
        for m in mentions
        if (m.scaled == claim.scaled and m.high == claim.high) or (claim.high is None and m.high == claim.scaled)
    ]
    if any(units_compatible(m, claim, ordinals_apart=False) for m in same):
        return None
    if same:
        return f"的单位{unit!r}与原文「{same[0].text}」不符,请按原文写单位"
    written = [m for m in mentions if m.value is not None and m.value == claim.value]
    if written:
        return f"的数值{value}{unit}与原文「{written[0].text}」的量级(万/亿)或单位不符,请逐字复制原文的数字和单位"
    return f"的数值{value!r}不在其quote中,请逐字复制原文数字"


class ExtractedItem(_PromptModel):
    text: str  # one sentence
    kind: ItemKind
    quote: str  # verbatim support from the chunk
    metrics: list[ExtractedMetric] = Field(default_factory=list)

    @field_validator("quote")
    @classmethod
    def _quote_in_chunk(cls, quote: str, info: ValidationInfo) -> str:
        chunk = _chunk_text(info)
        if chunk is not None and _squash(quote) not in chunk:
            raise ValueError(f"事项quote不是原文的逐字摘录: {quote!r}")
        return quote


class ChunkExtraction(_PromptModel):
    """片段要点"""

    summaries: list[str]  # one per summary part the chunk touches (listed in the prompt), in order
    items: list[ExtractedItem] = Field(default_factory=list)

    @field_validator("summaries")
    @classmethod
    def _one_per_part(cls, summaries: list[str], info: ValidationInfo) -> list[str]:
        parts = info.context.parts if isinstance(info.context, Grounding) else None
        if parts is not None and len(summaries) != parts:
            raise ValueError(f"summaries须为「部分」所列的每个部分各写一段,共{parts}段,而不是{len(summaries)}段")
        return summaries


class OverviewDraft(_PromptModel):
    """报告概述"""

    title: str | None = None
    organization: str | None = None  # the issuing body, e.g. 咸宁市科技局
    period: str | None = None  # e.g. 2020年上半年
    overview: str  # 3-5 sentences


class ReportExtraction(ChunkExtraction):
    """全文要点"""

    # A report that fits one chunk is summarized in one call: the chunk's fields, then the overview's.
    title: str | None = None
    organization: str | None = None
    period: str | None = None
    overview: str

    def draft(self) -> OverviewDraft:
        return OverviewDraft(
            title=self.title, organization=self.organization, period=self.period, overview=self.overview
        )


def json_schema() -> dict[str, Any]:
    """The exported contract (``schemas/report_summary.schema.json``)."""
    return ReportSummary.model_json_schema()
