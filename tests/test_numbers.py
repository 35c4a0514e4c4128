"""numbers.find_numbers on sentences of the genre (most taken verbatim from tests/data/*.txt).

Expected values were written from reading the sentence, not from the code's output.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from summarizer.numbers import NumberMention, find_numbers, fold_unit, parse_number

DATA = Path(__file__).parent / "data"

# (sentence, mention text, value, scaled, unit, kind, approx, redacted, high)
Case = tuple[str, str, str | None, str | None, str, str, str | None, bool, str | None]

# fmt: off
CASES: list[Case] = [
    # --- counts with measure words, scale and approximation words
    ("發放科普資料1.2萬余份;二是全縣", "1.2萬余份", "1.2", "12000", "份", "count", "余", False, None),
    ("发放科普资料1.2万余份", "1.2万余份", "1.2", "12000", "份", "count", "余", False, None),
    ("現場咨詢150多人次、健康義診", "150多人次", "150", "150", "人次", "count", "多", False, None),
    ("健康義診300多人次", "300多人次", "300", "300", "人次", "count", "多", False, None),
    ("受訓群眾8000余人次", "8000余人次", "8000", "8000", "人次", "count", "余", False, None),
    ("活動周期間參觀人數近1000多人次", "近1000多人次", "1000", "1000", "人次", "count", "近", False, None),
    ("分管負責人等100余人參加了培訓", "100余人", "100", "100", "人", "count", "余", False, None),
    ("等近百家企業", "近百家", "100", "100", "家", "count", "近", False, None),
    ("组织厚福医疗装备等11家企业申报", "11家", "11", "11", "家", "count", None, False, None),
    ("谋划省部级重点申报项目38项。", "38项", "38", "38", "项", "count", None, False, None),
    ("全縣78個貧困村科技特派員", "78個", "78", "78", "个", "count", None, False, None),
    ("擺放科普宣傳展板41塊", "41塊", "41", "41", "块", "count", None, False, None),
    ("科普儀器10臺", "10臺", "10", "10", "台", "count", None, False, None),
    ("1500名群眾熱情參與", "1500名", "1500", "1500", "名", "count", None, False, None),
    ("城镇新增就业1269万人，城镇", "1269万人", "1269", "12690000", "人", "count", None, False, None),
    ("粮食产量1.37万亿斤，创", "1.37万亿斤", "1.37", "1370000000000", "斤", "count", None, False, None),
    ("市场主体总量超过1.5亿户。", "超过1.5亿户", "1.5", "150000000", "户", "count", "超过", False, None),
    ("年旅客吞吐量达到74.6万人次。", "74.6万人次", "74.6", "746000", "人次", "count", None, False, None),
    ("全年新开工20层以上高层13栋", "20层以上", "20", "20", "层", "count", "以上", False, None),
    ("全年新开工20层以上高层13栋", "13栋", "13", "13", "栋", "count", None, False, None),
    ("年内新增蔬菜大棚2500座，温室320座。", "2500座", "2500", "2500", "座", "count", None, False, None),
    ("5000余户居民的居住条件", "5000余户", "5000", "5000", "户", "count", "余", False, None),
    ("城镇新增就业1100万人以上", "1100万人以上", "1100", "11000000", "人", "count", "以上", False, None),
    ("栽植大树大苗10万余株", "10万余株", "10", "100000", "株", "count", "余", False, None),
    ("完成了55万平方米旧有平房征收", "55万平方米", "55", "550000", "平方米", "count", None, False, None),
    ("新建农村道路79.5公里", "79.5公里", "79.5", "79.5", "公里", "count", None, False, None),
    ("海拉尔发电厂2×35万千瓦热电联产", "35万千瓦", "35", "350000", "千瓦", "count", None, False, None),
    ("将3岁以下婴幼儿照护费用纳入", "3岁以下", "3", "3", "岁", "count", "以下", False, None),
    ("到期后再延长30年整县试点", "30年", "30", "30", "年", "count", None, False, None),
    # --- money
    ("技术合同成交额达到50亿元,争取", "50亿元", "50", "5000000000", "元", "money", None, False, None),
    ("产业增加值30.95亿元,", "30.95亿元", "30.95", "3095000000", "元", "money", None, False, None),
    ("合同成交总额30.13亿元,占全年", "30.13亿元", "30.13", "3013000000", "元", "money", None, False, None),
    ("预计争取国家级科技项目资金750万元;", "750万元", "750", "7500000", "元", "money", None, False, None),
    ("无偿科技经费1500万元以上。", "1500万元以上", "1500", "15000000", "元", "money", "以上", False, None),
    ("人才獎勵資金近千萬元,重點獎勵", "近千萬元", "1000", "10000000", "元", "money", "近", False, None),
    ("退税减税约2.5万亿元，", "约2.5万亿元", "2.5", "2500000000000", "元", "money", "约", False, None),
    ("国内生产总值达到114万亿元，", "114万亿元", "114", "114000000000000", "元", "money", None, False, None),
    ("城镇居民人均可支配收入完成20251元", "20251元", "20251", "20251", "元", "money", None, False, None),
    ("年应纳税所得额100万元至300万元部分", "300万元", "300", "3000000", "元", "money", None, False, None),
    ("使用1,000亿元失业保险基金", "1,000亿元", "1000", "100000000000", "元", "money", None, False, None),
    # --- percentages
    ("增长29.84%", "29.84%", "29.84", "29.84", "%", "percent", None, False, None),
    ("同比下跌40.5%,高新技术产业", "40.5%", "40.5", "40.5", "%", "percent", None, False, None),
    ("國內生產總值增長5.5%左右；", "5.5%左右", "5.5", "5.5", "%", "percent", "左右", False, None),
    ("疫苗全程接种覆盖率超过85%，及时有效", "超过85%", "85", "85", "%", "percent", "超过", False, None),
    ("研發投入占銷售收入3.6%以上", "3.6%以上", "3.6", "3.6", "%", "percent", "以上", False, None),
    ("覆盖面达到30％。", "30％", "30", "30", "%", "percent", None, False, None),
    ("比去年同期下降3个百分点。", "3个百分点", "3", "3", "百分点", "percent_point", None, False, None),
    ("提高1.5个百分点", "1.5个百分点", "1.5", "1.5", "百分点", "percent_point", None, False, None),
    ("所占比重提高百分之五", "百分之五", "5", "5", "%", "percent", None, False, None),
    # --- redacted figures
    ("共推荐申报xx家企业,其中新认定x家", "xx家", None, None, "家", "count", None, True, None),
    ("其中新认定x家,重新认定xx家。", "x家", None, None, "家", "count", None, True, None),
    ("上报投入总额xx亿元。", "xx亿元", None, None, "元", "money", None, True, None),
    ("我市高新技术产业增加值增速为xx%,位居宣城市第四", "xx%", None, None, "%", "percent", None, True, None),
    ("累计对上争取资金xx万元。", "xx万元", None, None, "元", "money", None, True, None),
    ("技术合同成交额达xx余万元。", "xx余万元", None, None, "元", "money", "余", True, None),
    ("获扶持资金共xxx.xx万元", "xxx.xx万元", None, None, "元", "money", None, True, None),
    ("补助资金**万元", "**万元", None, None, "元", "money", None, True, None),
    ("投资XX亿元", "XX亿元", None, None, "元", "money", None, True, None),
    ("其中A类x个、C类x个", "x个", None, None, "个", "count", None, True, None),
    ("考核进宣城市前x名;四是加强", "前x名", None, None, "名", "ordinal", None, True, None),
    # --- ordinals and plan names
    ("位居宣城市第四,总量占比xx%", "第四", "4", "4", "", "ordinal", None, False, None),
    ("组织xx家企业参加第九届中国创新创业大赛", "第九届", "9", "9", "届", "ordinal", None, False, None),
    ("在第十三届全国人民代表大会第五次会议上", "第十三届", "13", "13", "届", "ordinal", None, False, None),
    ("两项指标进入前二位次。", "前二位次", "2", "2", "位次", "ordinal", None, False, None),
    ("做好“十四五”科技创新规划编制工作", "十四五", "14", "14", "", "ordinal", None, False, None),
    ("2011年是“十二五”的开局之年", "十二五", "12", "12", "", "ordinal", None, False, None),
    # --- Chinese numerals
    ("《XX縣人才新政二十四條》", "二十四條", "24", "24", "条", "count", None, False, None),
    ("紧紧围绕“两个中心”建设不动摇", "两个", "2", "2", "个", "count", None, False, None),
    ("科技局办公楼四个小区的疫情防控", "四个", "4", "4", "个", "count", None, False, None),
    ("隆重庆祝中国共产党成立一百周年", "一百周年", "100", "100", "周年", "count", None, False, None),
    ("组织真奥药业等三家企业", "三家", "3", "3", "家", "count", None, False, None),
    ("并同近两年平均经济增速", "近两年", "2", "2", "年", "count", "近", False, None),
    # --- ranges
    ("1-5月份,我市高新技术产业增加值增速为xx%", "1-5月份", "1", "1", "月", "range", None, False, "5"),
    ("1—5月,全市完成", "1—5月", "1", "1", "月", "range", None, False, "5"),
    ("对2016-2019年度已备案的", "2016-2019年度", "2016", "2016", "年", "range", None, False, "2019"),
    ("我縣一至四月份工業增速30.9%", "一至四月份", "1", "1", "月", "range", None, False, "4"),
    ("力争用3至5年时间", "3至5年", "3", "3", "年", "range", None, False, "5"),
    # --- dates and years
    ("发布日期: 2020年12月11日", "2020年12月11日", "20201211", "20201211", "日", "date", None, False, None),
    ("发文日期: 2020-12-11", "2020-12-11", "20201211", "20201211", "日", "date", None, False, None),
    ("我局迅速行动,于1月21日召开", "1月21日", "121", "121", "日", "date", None, False, None),
    ("截止6月底,已完成2020年第一批高企推荐上报工作", "6月底", "6", "6", "月", "date", None, False, None),
    ("已完成2020年第一批高企推荐", "2020年", "2020", "2020", "年", "year", None, False, None),
    ("启动2020年度高新技术企业培育工作", "2020年度", "2020", "2020", "年", "year", None, False, None),
    ("数据由统计局7月底公布", "7月底", "7", "7", "月", "date", None, False, None),
    ("----2012年2月29日在海拉尔区", "2012年2月29日", "20120229", "20120229", "日", "date", None, False, None),
    # --- ratios
    ("三次产业结构演进为3.6 : 48 : 48.4。", "48.4", "48.4", "48.4", "", "ratio", None, False, None),
]
# fmt: on


def _ids(case: Case) -> str:
    return f"{case[1]}"


@pytest.mark.parametrize("case", CASES, ids=[f"{i:02d}-{_ids(c)}" for i, c in enumerate(CASES)])
def test_mention(case: Case) -> None:
    sentence, text, value, scaled, unit, kind, approx, redacted, high = case
    found = find_numbers(sentence)
    hits = [m for m in found if m.text == text]
    assert hits, f"{text!r} not found in {[m.text for m in found]}"
    m = hits[0]
    assert sentence[m.start : m.end] == m.text
    assert m.value == (Decimal(value) if value is not None else None)
    assert m.scaled == (Decimal(scaled) if scaled is not None else None)
    assert m.unit == unit
    assert m.kind == kind
    assert m.approx == approx
    assert m.redacted is redacted
    assert m.high == (Decimal(high) if high is not None else None)


def test_plan_name_is_not_a_number() -> None:
    # 十四五 is the 14th five-year plan; reading it as 145 or as 14 and 5 would invent facts.
    found = find_numbers("“十四五”实现良好开局")
    assert [(m.text, m.value) for m in found] == [("十四五", Decimal(14))]


@pytest.mark.parametrize(
    "sentence",
    [
        "一、2020年上半年工作总结",
        "（一）迅速响应,全面部署。",
        "(1)紧抓创新主体培育,推进目标管理考核。",
        "1.科技创新政策环境持续优化。",
        "2、入数据上报工作",
        "一是认真落实;二是制定实施;三是认真开展",
    ],
)
def test_list_markers_are_skipped(sentence: str) -> None:
    years = [m for m in find_numbers(sentence) if m.kind != "year"]
    assert years == [], [m.text for m in years]


@pytest.mark.parametrize(
    "sentence",
    [
        "真舉辦XX縣2020年科技活動周",  # XX縣 is a redacted county name
        "出台xx市科技中介服务机构考评办法",
        "荣誉 xx省县级防震减灾工作综合考核先进单位",
        "加快推进xxxx建设",
        "细颗粒物（PM2.5）平均浓度下降",
        "建成5G基站",
        "高质量共建“一带一路”，进一步加强统一部署",
        "关键零部件等供给",
        "中国科协流动科技馆(XX站)巡展活动",
    ],
)
def test_names_are_not_numbers(sentence: str) -> None:
    found = [m for m in find_numbers(sentence) if m.kind != "year"]
    assert found == [], [m.text for m in found]


def test_sentence_with_many_numbers_in_order() -> None:
    s = "2011年，地区生产总值完成198.5亿元，同比增长22.3%；财政总收入完成29亿元，同比增长67.3%"
    found = find_numbers(s)
    assert [m.text for m in found] == ["2011年", "198.5亿元", "22.3%", "29亿元", "67.3%"]
    assert [m.kind for m in found] == ["year", "money", "percent", "money", "percent"]
    assert found[3].scaled == Decimal("2900000000")


def test_dash_joined_codes_are_not_ranges() -> None:
    found = find_numbers("索引号 : 011336941/2020-22579")
    assert all(m.kind != "range" for m in found)
    assert Decimal(22579) in [m.value for m in found]


def test_fold_unit() -> None:
    assert fold_unit("個") == "个"
    assert fold_unit("％") == "%"
    assert fold_unit("个百分点") == "百分点"
    assert fold_unit("月底") == "月"


@pytest.mark.parametrize(
    ("written", "scaled", "unit"),
    [
        ("30.95亿元", "3095000000", "元"),
        ("千万", "10000000", ""),
        ("二十四", "24", ""),
        ("1.2万余份", "12000", "份"),
    ],
)
def test_parse_number(written: str, scaled: str, unit: str) -> None:
    m = parse_number(written)
    assert m is not None
    assert m.scaled == Decimal(scaled)
    assert m.unit == unit


def test_parse_number_rejects_words() -> None:
    assert parse_number("若干") is None
    assert parse_number("") is None


@pytest.mark.parametrize("path", sorted(DATA.glob("*.txt")), ids=lambda p: p.name)
def test_corpus_mentions_are_ordered_and_exact(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = find_numbers(text)
    assert len(found) > 20
    last_end = 0
    for m in found:
        assert isinstance(m, NumberMention)
        assert m.start >= last_end, f"overlap at {m.text!r}"
        assert text[m.start : m.end] == m.text
        assert (m.value is None) == m.redacted == (m.scaled is None)
        last_end = m.end
