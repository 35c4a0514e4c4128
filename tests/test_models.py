"""The grounding validators of what a model fills (models.ExtractedMetric): a figure is checked as a number
mention of its quote (value, scale and unit), so the re-ask names exactly what to fix."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from summarizer.models import ExtractedMetric, Grounding, figure_problem

CHUNK = (
    "全区实现地区生产总值235.2亿元，同比增长18.5%。共验收科技计划项目143项。发放科普资料1.2万余份。"
    "共推荐申报xx家企业，其中新认定x家。国内生产总值增长7.5%左右。形成四个重点产业集群。"
)


@pytest.mark.parametrize(
    ("value", "unit", "quote", "problem"),
    [
        ("235.2亿", "元", "全区实现地区生产总值235.2亿元", None),
        ("235.2", "亿元", "全区实现地区生产总值235.2亿元", None),  # the scale in the unit is the same figure
        ("23520000000", "元", "全区实现地区生产总值235.2亿元", None),
        ("1.2万", "份", "发放科普资料1.2万余份", None),
        ("7.5", "%", "国内生产总值增长7.5%左右", None),
        ("四", "个", "形成四个重点产业集群", None),
        ("3", "项", "共验收科技计划项目143项", "不在其quote中"),  # a substring of 143 is not the figure
        ("235.2", "万元", "全区实现地区生产总值235.2亿元", "量级"),  # 万 for 亿
        ("18.5", "个百分点", "同比增长18.5%", "单位"),  # 18.5% is not 18.5 points
        ("18.5", "元", "同比增长18.5%", "单位"),
        ("xx", "家", "共推荐申报xx家企业", None),
        ("xx", "亿元", "共推荐申报xx家企业", "涂改"),
        ("很多", "家", "共推荐申报xx家企业", "不是数字"),
    ],
)
def test_figure_problem(value: str, unit: str, quote: str, problem: str | None) -> None:
    found = figure_problem(value, unit, quote)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def _metric(**kw: Any) -> ExtractedMetric:
    data = {
        "name": "地区生产总值",
        "value": "235.2亿",
        "unit": "元",
        "kind": "result",
        "quote": "地区生产总值235.2亿元",
    }
    return ExtractedMetric.model_validate({**data, **kw}, context=Grounding(CHUNK))


def test_the_validator_rejects_a_scale_change_with_a_message_the_model_can_act_on() -> None:
    assert _metric().value == "235.2亿"
    with pytest.raises(ValidationError, match="量级"):
        _metric(value="235.2万")
    with pytest.raises(ValidationError, match="不是原文的逐字摘录"):
        _metric(quote="地区生产总值235.3亿元")


def test_schema_caches_do_not_keep_per_request_model_classes_alive() -> None:
    # instructor wraps the response model in a new class per request on its own path; the schema caches must not
    # hold every one of those classes (they did: ~20 kB per request, hundreds of MB over a large batch).
    import gc
    import weakref

    from summarizer.models import ChunkExtraction, strict_json_schema

    def one_request_class() -> weakref.ref[type]:
        cls = type("PerRequest", (ChunkExtraction,), {"__doc__": "x"})
        assert cls.model_json_schema()["title"] == "PerRequest"
        assert strict_json_schema(cls)["type"] == "object"
        return weakref.ref(cls)

    refs = [one_request_class() for _ in range(3)]
    gc.collect()
    assert all(ref() is None for ref in refs)
