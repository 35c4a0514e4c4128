"""binding: figures bound to the indicator their clause names.

Two kinds of sentences: ones taken from the corpus (tests/data), and ones written here with variations the
corpus does not have (other indicators, other verbs, other list shapes), so the grammar is tested for what
it generalises to, not for the strings it was read from. Expected names come from reading each sentence.
"""

from __future__ import annotations

import random

import pytest

from summarizer import binding
from summarizer.binding import Binding, bind
from summarizer.numbers import find_numbers


def bindings(sentence: str) -> list[Binding]:
    return bind(sentence, find_numbers(sentence))


def named(sentence: str) -> dict[str, str]:
    """Figure as written -> name, for the figures that are metrics."""
    return {b.mention.text: b.name for b in bindings(sentence) if b.junk is None}


def junk(sentence: str) -> dict[str, str]:
    return {b.mention.text: b.junk for b in bindings(sentence) if b.junk is not None}


# --------------------------------------------------------------------------------------------------
# Subject, predicate, base
# --------------------------------------------------------------------------------------------------


def test_leading_scope_and_trailing_verb_are_not_the_name() -> None:
    # corpus shape (hailar): 全年…完成
    assert named("全年地区生产总值完成198.5亿元。") == {"198.5亿元": "地区生产总值"}
    # written: other scope word, other link verb
    assert named("全县一般公共预算收入突破12.6亿元。") == {"12.6亿元": "一般公共预算收入"}
    assert named("其中，全市技术合同成交额达到8.2亿元。") == {"8.2亿元": "技术合同成交额"}


def test_a_rate_inherits_the_subject_of_its_sentence() -> None:
    [level, rate] = bindings("地区生产总值完成198.5亿元，同比增长22.3%。")
    assert (rate.subject, rate.predicate, rate.base, rate.name) == (
        "地区生产总值",
        "同比增长",
        "同比",
        "地区生产总值同比增长",
    )
    assert rate.inherited and not level.inherited
    # written: a base that is a year, and a subject that is not GDP
    [_, r] = [b for b in bindings("规模以上工业增加值实现45亿元，比2019年增长9.1%。") if b.junk is None]
    assert (r.name, r.base) == ("规模以上工业增加值增长", "比2019年")


def test_a_comparison_base_is_kept_apart_and_never_named() -> None:
    b = bindings("社会消费品零售总额较上年增长6.2%。")[0]
    assert (b.subject, b.predicate, b.base) == ("社会消费品零售总额", "增长", "较上年")
    assert "上年" not in b.name


def test_a_fall_in_per_cent_is_a_decline_rate_and_a_fall_in_count_keeps_its_verb() -> None:
    assert named("单位国内生产总值能耗下降5.6%。") == {"5.6%": "单位国内生产总值能耗降幅"}
    assert named("重特大事故起数减少12起。") == {"12起": "重特大事故起数减少"}
    # written: 降低 and 百分点
    assert named("企业平均融资成本降低0.5个百分点。") == {"0.5个百分点": "企业平均融资成本降幅"}


def test_a_level_reached_by_a_change_is_the_level() -> None:
    # corpus (2016): 由…提高到…
    got = bindings("消费贡献率由54.9%提高到58.8%。")
    assert [b.name for b in got] == ["消费贡献率", "消费贡献率"]
    assert all(b.predicate == "" for b in got)
    # written: 从…增加到…, with a time before the start value
    assert list(named("城市绿化覆盖率从2018年的38%提高到42%。").values()) == ["城市绿化覆盖率", "城市绿化覆盖率"]


def test_a_share_is_named_with_what_it_is_a_share_of() -> None:
    assert named("服务业增加值占国内生产总值比重达到50.5%。") == {"50.5%": "服务业增加值占国内生产总值比重"}
    # written: the share carried into the next clause's change
    got = named("数字经济增加值占地区生产总值比重达到32%，比上年提高2个百分点。")
    assert got == {"32%": "数字经济增加值占地区生产总值比重", "2个百分点": "数字经济增加值占地区生产总值比重提高"}


def test_a_change_in_money_is_an_amount_of_change() -> None:
    got = named("今年拟安排财政赤字1.2万亿元，比去年预算增加4000亿元。")
    assert got == {"1.2万亿元": "财政赤字", "4000亿元": "财政赤字增加额"}


# --------------------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------------------


def test_fenbie_pairs_items_with_figures_and_shares_the_head() -> None:
    assert named("高技术制造业、装备制造业增加值分别增长8.9%、7.7%。") == {
        "8.9%": "高技术制造业增加值增长",
        "7.7%": "装备制造业增加值增长",
    }
    # written: three items, and figures joined by 和
    assert named("粮食、油料和蔬菜产量分别达到120万吨、8万吨和60万吨。") == {
        "120万吨": "粮食产量",
        "8万吨": "油料产量",
        "60万吨": "蔬菜产量",
    }


def test_chengxiang_splits_into_town_and_country() -> None:
    assert named("城乡居民人均可支配收入分别增长8.2%和9.6%。") == {
        "8.2%": "城镇居民人均可支配收入增长",
        "9.6%": "农村居民人均可支配收入增长",
    }


def test_fenbie_with_unmatched_counts_is_ambiguous() -> None:
    got = bindings("工业、农业和服务业分别增长5%、3%。")
    assert all(b.ambiguous for b in got if b.junk is None)


def test_figure_first_list_takes_each_figures_own_noun() -> None:
    # corpus (hailar): a list of figure + noun
    assert named("重点实施5个奶牛规模养殖场、10万亩马铃薯种薯基地、350万株花卉种植等项目建设。") == {
        "5个": "奶牛规模养殖场",
        "10万亩": "马铃薯种薯基地面积",
        "350万株": "花卉种植",
    }
    # written: joined by 和; the verb before the list says what was done to the first item
    assert named("新建12公里污水管网和3座污水处理厂。") == {"12公里": "新建污水管网", "3座": "污水处理厂"}


def test_parallel_figures_after_one_subject() -> None:
    assert named("新建各类保障性住房1800多万套、棚户区改造1200多万套。") == {
        "1800多万套": "新建各类保障性住房",
        "1200多万套": "棚户区改造",
    }


def test_a_range_keeps_one_indicator() -> None:
    assert named("国内生产总值增长6.5%-7%。") == {"6.5%": "国内生产总值增长", "7%": "国内生产总值增长"}


# --------------------------------------------------------------------------------------------------
# Counted nouns, 其中, verbs
# --------------------------------------------------------------------------------------------------


def test_a_verb_before_the_count_leaves_the_counted_noun_to_name_it() -> None:
    assert named("组织开展7场企业线上培训活动。") == {"7场": "企业线上培训活动场次"}
    # written: other verb and measure word
    assert named("举办4期农村实用技术培训班。") == {"4期": "农村实用技术培训班数"}
    # the examples before 等 are not the indicator
    assert named("组织真奥药业、黄鹤楼酒业等3家企业申报省重点研发专项。") == {"3家": "企业申报省重点研发专项数"}


def test_a_content_verb_stays_in_the_name() -> None:
    assert named("又解决6434万农村人口饮水安全问题。") == {"6434万": "解决农村人口饮水安全问题"}


def test_qizhong_names_a_part_of_the_previous_subject() -> None:
    assert named("铁路营业里程达到12.1万公里，其中高速铁路超过1.9万公里。") == {
        "12.1万公里": "铁路营业里程",
        "超过1.9万公里": "高速铁路营业里程",
    }
    # written: a part that is not a modifier of the whole keeps its own name
    assert named("引进人才团队8个，其中院士团队2个。")["2个"] == "院士团队"


def test_a_later_clause_swaps_the_verb_of_the_inherited_subject() -> None:
    assert named("今年城镇保障性住房基本建成470万套、新开工630万套。") == {
        "470万套": "城镇保障性住房基本建成",
        "630万套": "城镇保障性住房新开工",
    }
    # written
    assert named("力争申报专利300件，授权120件。") == {"300件": "申报专利", "120件": "授权专利"}


def test_a_figure_less_clause_names_the_topic() -> None:
    assert named("新农合参合率再创新高，达到98.5%。") == {"98.5%": "新农合参合率"}


def test_people_are_counted_as_people() -> None:
    assert named("全年易地扶贫搬迁340万人。") == {"340万人": "易地扶贫搬迁人口"}
    assert named("选派科技特派员78名。") == {"78名": "选派科技特派员"}
    assert named("培训新型职业农民1200人次。") == {"1200人次": "培训新型职业农民人次"}


def test_a_figure_inside_parentheses_is_bound_inside_them() -> None:
    got = bindings("完成170件科技成果登记（占市下达任务指标85%）。")
    share = next(b for b in got if b.mention.unit == "%")
    # the words inside the parenthesis say what the share is of (a task: a completion rate); the figure
    # before it says whose share it is
    assert share.name == "科技成果登记市下达任务完成率" and share.inherited


# --------------------------------------------------------------------------------------------------
# Junk
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "figure", "reason"),
    [
        ("一季度，全市规模以上工业增加值同比增长12.5%。", "一季度", "calendar span"),
        ("过去五年，我们砥砺前行。", "五年", "calendar span"),
        ("2020年12月11日召开全体会议。", "2020年12月11日", "date"),
        ("第九届创新创业大赛圆满落幕。", "第九届", "ordinal"),
        ("打通政策落实的“最后一公里”。", "一公里", "set phrase"),
        ("建成一批重点项目。", "一批", "set phrase"),
        ("深入开展“六大”活动。", "六大", None),  # not a mention at all: 六大 has no measure word
        ("全力打造“两个中心”。", "两个", "count inside a name"),
        ("包保的小区未出现一例确诊病例。", "一例", "negated count"),
        ("全年没有发生一起重大安全事故。", "一起", "negated count"),
        ("全市新增高新技术企业20家。", "20家", None),
        ("社会消费品零售总额达到100.8亿元。", "100.8亿元", None),  # 零售: not a negation
    ],
)
def test_junk(sentence: str, figure: str, reason: str | None) -> None:
    got = {b.mention.text: b.junk for b in bindings(sentence)}
    if figure not in got:
        assert reason is None
        return
    assert got[figure] == reason


def test_a_bare_number_needs_a_unit_or_a_scale() -> None:
    assert junk("见附表3。") == {"3": "bare number"}
    assert named("今年再减少农村贫困人口1000万以上。") == {"1000万以上": "减少农村贫困人口"}


def test_a_redacted_figure_is_a_metric_with_its_counted_noun() -> None:
    assert named("x家科技中介服务机构入驻。") == {"x家": "科技中介服务机构入驻数"}
    assert named("获扶持资金共xx万。") == {"xx万": "获扶持资金"}


def test_bind_covers_every_mention_once_in_source_order() -> None:
    text = "全年地区生产总值完成198.5亿元，同比增长22.3%。2020年，新增高新技术企业20家。"
    mentions = find_numbers(text)
    got = bind(text, mentions)
    assert [b.mention for b in got] == mentions
    assert [b.junk for b in got] == [None, None, "year", None]


# --------------------------------------------------------------------------------------------------
# Names that denote the indicator (issue 13, item 1): sentences written here
# --------------------------------------------------------------------------------------------------


def test_a_month_span_with_yue_fen_leaves_no_fragment_in_the_name() -> None:
    assert named("全区1-8月份规上工业产值增长7.5%。") == {"7.5%": "规上工业产值增长"}
    assert named("我镇三至五月份农产品出口额达到900万元。") == {"900万元": "农产品出口额"}


def test_a_share_word_is_no_comparison_base() -> None:
    b = bindings("民营经济增加值占全省生产总值比重提升至46.2%。")[0]
    assert (b.name, b.base) == ("民营经济增加值占全省生产总值比重", None)
    assert named("森林覆盖率由31%上升至33.5%，优质耕地比例提高到68%。")["68%"] == "优质耕地比例"
    # a real base is still one
    assert bindings("粮食产量比上年增长2.1%。")[0].base == "比上年"


def test_settling_is_a_verb_and_its_count_is_people() -> None:
    assert named("今年又有36万人在城镇落户。") == {"36万人": "城镇落户人口"}
    assert named("力争全年新落户12万人。") == {"12万人": "新落户人口"}
    # a household noun stays a household count
    assert named("全镇脱贫户320户。") == {"320户": "脱贫户"}


def test_an_adverb_before_the_verb_still_takes_the_object_of_the_clause_before() -> None:
    assert named("开工建设公租房1200套，全部建成900套。") == {
        "1200套": "开工建设公租房",
        "900套": "全部建成公租房",
    }
    assert named("改造农村危房5000户，基本完成4200户。")["4200户"] == "基本完成农村危房"


def test_a_parenthesis_that_narrows_its_noun_names_the_narrowed_noun() -> None:
    assert named("全县产值（规上工业产值）增长12%。") == {"12%": "规上工业产值增长"}
    # an aside stays out of the name
    assert named("固定资产投资（不含农户）增长4.3%。") == {"4.3%": "固定资产投资增长"}


def test_a_share_after_a_figure_is_that_figure_s_share() -> None:
    assert named("全年教育支出达到12.4亿元，占一般公共预算支出的18.1%。")["18.1%"] == ("教育支出占一般公共预算支出比重")
    # a share of a task or a target is its completion rate
    assert named("发放创业担保贷款3.2亿元，占年度任务的75%。")["75%"] == "发放创业担保贷款年度任务完成率"
    assert named("完成造林1.5万亩（占省下达目标任务92%）。")["92%"] == "造林省下达目标任务完成率"
    # a share written without 比重
    assert named("上半年全区财政科技支出占财政支出4.1%。") == {"4.1%": "财政科技支出占财政支出比重"}
    # no figure before it: the text names no indicator
    [b] = [b for b in bindings("占全省的10%。") if b.junk is None]
    assert b.ambiguous


def test_items_of_a_list_share_the_verb_it_opens_with() -> None:
    assert named("今年关停小煤矿120处、小化工企业45家。") == {
        "120处": "关停小煤矿",
        "45家": "关停小化工企业",
    }
    assert named("全年压减粗钢产能300万吨、焦炭产能150万吨。") == {
        "300万吨": "压减粗钢产能",
        "150万吨": "压减焦炭产能",
    }
    # a generic verb says nothing and is not shared; an item with its own verb keeps it
    assert named("完成公路投资80亿元、水运投资12亿元。")["12亿元"] == "水运投资"
    assert named("淘汰黄标车3万辆、新增公交车800辆。")["800辆"] == "新增公交车"


def test_a_list_closed_by_deng_and_a_noun_names_each_item_with_that_noun() -> None:
    got = named("全年削减煤炭500万吨、石油焦80万吨等高耗能燃料，确保完成任务。")
    assert got == {"500万吨": "削减煤炭高耗能燃料", "80万吨": "削减石油焦高耗能燃料"}
    # bare items stay apart: the second is not a head of the first
    assert named("小麦300万吨、玉米450万吨等主要粮食作物产量稳定增长。") == {
        "300万吨": "小麦主要粮食作物产量",
        "450万吨": "玉米主要粮食作物产量",
    }
    # rates are no list of kinds
    assert "等" not in "".join(named("出口增长5%、进口增长3%等。").values())


def test_a_verb_pair_before_a_count_stays_in_the_name() -> None:
    assert named("今年审批和备案56个投资项目。") == {"56个": "审批和备案投资项目数"}


def test_a_part_keeps_the_modifier_of_the_whole_before_their_shared_words() -> None:
    assert named("新增城市道路长度85公里，其中主干道路31公里。")["31公里"] == "新增城市主干道路长度"


def test_a_subsidy_standard_written_once_on_the_last_item_is_shared() -> None:
    assert named("优抚对象和烈属人均补助标准分别提高300元和200元。") == {
        "300元": "优抚对象人均补助标准提高额",
        "200元": "烈属人均补助标准提高额",
    }


def test_an_investment_is_named_for_what_it_is_spent_on() -> None:
    assert named("投资2.4亿元实施城区供热管网改造工程。") == {"2.4亿元": "城区供热管网改造工程投资"}
    assert named("全年计划投资6.5亿元，实施重点文旅项目12个。")["6.5亿元"] == "重点文旅项目投资"
    assert named("全县投入3000万元用于农村饮水安全巩固提升。") == {"3000万元": "农村饮水安全巩固提升投入"}
    # nothing said after the sum: the verb alone
    assert named("全年完成投资18亿元。") == {"18亿元": "投资"}


def test_a_rate_whose_change_verb_comes_first_is_named_for_what_changes() -> None:
    assert named("下调农村电网输配电价8%。") == {"8%": "农村电网输配电价降幅"}
    assert named("今年提高城乡低保标准6%。") == {"6%": "城乡低保标准提高"}
    # 至: the level reached, not a change
    assert named("降低企业失业保险费率至1%。") == {"1%": "企业失业保险费率"}
    # 再 before a one-character change verb
    assert named("城市公交票价再降15%。") == {"15%": "城市公交票价降幅"}


def test_a_list_of_names_or_a_de_phrase_before_a_count_leaves_the_counted_noun_to_name_it() -> None:
    assert named("今年引进华晨电子、恒远材料、启明光电3家高新技术企业。") == {"3家": "引进高新技术企业数"}
    assert named("新开通本市至成都、重庆的4条国际货运航线。") == {"4条": "新开通国际货运航线数"}
    # not a count: a list before a rate stays the subject
    assert named("小麦、稻谷最低收购价提高3%。") == {"3%": "小麦、稻谷最低收购价提高"}


def test_a_congress_term_is_an_ordinal() -> None:
    assert junk("党的十九届五中全会提出了新的目标。") == {"十九届": "ordinal"}


def test_a_per_unit_modifier_on_the_first_item_is_every_item_s() -> None:
    assert named("单位地区生产总值能耗和二氧化碳排放分别下降3.2%、4.1%。") == {
        "3.2%": "单位地区生产总值能耗降幅",
        "4.1%": "单位地区生产总值二氧化碳排放降幅",
    }
    assert named("单位工业增加值用水量下降5%、能耗下降3%。") == {
        "5%": "单位工业增加值用水量降幅",
        "3%": "单位工业增加值能耗降幅",
    }
    # measures listed before a head written once are not given that head
    got = named("单位地区生产总值用水量、能耗、氮氧化物排放量分别下降6%、4%、5%。")
    assert got["4%"] == "单位地区生产总值能耗降幅"


def test_a_total_s_share_after_a_growth_rate_is_the_indicator_s_share() -> None:
    got = named("上半年，全县数字经济核心产业增加值增速为9.5%，总量占比18%。")
    assert got == {"9.5%": "数字经济核心产业增加值增速", "18%": "数字经济核心产业增加值总量占比"}


def test_a_count_that_omits_its_noun_counts_the_noun_counted_before_it() -> None:
    got = named("截至9月底，共推荐申报68家企业，其中认定41家，重新认定27家。")
    assert got == {"68家": "推荐申报企业数", "41家": "认定企业", "27家": "重新认定企业"}


def test_a_scope_word_alone_before_a_count_says_nothing_of_what_is_counted() -> None:
    assert named("对全县23个乡镇卫生院医护人员进行了轮训。") == {"23个": "乡镇卫生院医护人员数"}
    assert named("5月中旬全区规上工业企业92%复产。") == {"92%": "规上工业企业复产率"}
    # a noun after the per cent is no act: no rate is made of it
    assert named("执行研发费用加计扣除75%政策。")["75%"] == "执行研发费用加计扣除比例"


def test_an_area_is_named_as_an_area() -> None:
    assert named("今年完成城中村拆迁32万平方米。") == {"32万平方米": "城中村拆迁面积"}
    assert named("全年植树造林4.5万亩。") == {"4.5万亩": "植树造林面积"}
    # a name that already says what the area is keeps it
    assert named("新增建设用地1200亩。") == {"1200亩": "新增建设用地"}
    assert named("耕地保有量稳定在56万亩。") == {"56万亩": "耕地保有量"}


def test_the_verb_before_a_list_of_examples_stays_with_the_counted_noun() -> None:
    assert named("认定华丰、金源等12家市级专精特新企业。") == {"12家": "认定市级专精特新企业数"}
    # a generic verb says nothing
    assert named("组织华丰、金源等12家企业参展。") == {"12家": "企业参展数"}


def test_the_noun_after_a_figure_is_the_object_of_a_verb_ending_the_subject() -> None:
    assert named("向困难群众一次性发放3000万元生活补贴。") == {"3000万元": "困难群众一次性发放生活补贴"}
    assert named("全县为退役军人办理12项优待服务。")["12项"] == "退役军人办理优待服务数"
    # a target is what the figure is, not what it counts
    assert named("实现农村劳动力转移就业5万人目标。") == {"5万人": "农村劳动力转移就业人口"}


def test_a_change_per_head_is_named_per_head() -> None:
    got = named("城乡低保标准再次提高，年人均提高360元。")
    assert got == {"360元": "城乡低保标准人均提高额"}
    assert named("农民工工资每人每年增加1500元。") == {"1500元": "农民工工资人均增加额"}
    # a level given per head leaves no fragment of 人均 in the name
    # (and a subsidy given per head is its standard)
    assert named("医保财政补助从人均450元提高到480元。") == {"450元": "医保财政补助标准", "480元": "医保财政补助标准"}


def test_whose_problem_a_counted_noun_has_stays_in_its_name() -> None:
    assert named("今年再解决12万山区群众的出行难问题。") == {"12万": "解决山区群众出行难问题"}
    assert named("帮助3万多农村劳动力转移就业。") == {"3万": "帮助农村劳动力转移就业"}


def test_town_and_country_parts_take_the_indicator_they_qualify() -> None:
    got = named("城乡居民医保补助标准逐年提高，城镇年人均提高80元，农村年人均提高60元。")
    assert got == {"80元": "城镇居民医保补助标准人均提高额", "60元": "农村居民医保补助标准人均提高额"}
    assert named("城镇居民消费支出增长6.1%，农村增长7.4%。")["7.4%"] == "农村居民消费支出增长"


def test_a_figure_opening_a_list_item_is_named_by_the_noun_after_it() -> None:
    got = named("推进老城片区、3.5平方公里滨江新区、高铁站前广场等重点项目征收。")
    assert got == {"3.5平方公里": "滨江新区面积"}


def test_a_plenary_counted_after_a_term_is_an_ordinal() -> None:
    assert junk("认真贯彻省十二届五次全会精神。") == {"十二届": "ordinal", "五次": "ordinal"}
    # a count of sessions is still a count
    assert junk("全年召开常务会议五次。") == {}


def test_a_function_word_ending_the_subject_is_no_verb_taking_an_object() -> None:
    # (与 is no verb whose object 村 is: the name is not 组织专家与村)
    assert "与" not in named("组织专家与56个村的种植户结对。")["56个"]


def test_a_phrase_closed_by_de_narrows_the_counted_noun() -> None:
    assert named("今年已建成投产的26个重点项目。") == {"26个": "建成投产重点项目数"}


def test_a_change_of_a_share_keeps_the_share_and_the_change() -> None:
    got = named("高技术产业占工业比重比上年提高1.5个百分点。")
    assert got == {"1.5个百分点": "高技术产业占工业比重提高"}


def test_an_anniversary_is_no_metric() -> None:
    assert junk("隆重纪念建市70周年。") == {"70周年": "anniversary"}


def test_a_per_cent_that_is_no_change_is_a_ratio() -> None:
    assert named("市级行政许可事项精简40%。") == {"40%": "市级行政许可事项精简比例"}
    # a name that already says what ratio it is keeps its word
    assert named("全县森林覆盖率达到63%。") == {"63%": "森林覆盖率"}
    assert named("农村自来水普及率提高到92%。") == {"92%": "农村自来水普及率"}


def test_a_per_cent_written_first_is_a_share_of_the_units_after_it() -> None:
    assert named("全市85%的行政村实现集中供水。") == {"85%": "行政村实现集中供水比例"}
    # a rate of something else is no share of units
    assert named("保持6%左右的速度增长。") == {"6%左右": "6%左右"}


def test_a_count_without_any_subject_takes_the_object_of_the_clause_before() -> None:
    assert named("继续推进高标准农田建设，今年再安排80万亩。") == {"80万亩": "高标准农田建设"}
    # a clause with its own subject keeps it
    assert named("继续推进高标准农田建设，粮食产量达到60万吨。") == {"60万吨": "粮食产量"}
    # before the topic of the clause ahead
    assert named("村级组织建设不断加强，80%的村级活动场所达到200平方米。")["80%"] == "村级活动场所达到200平方米比例"


def test_a_per_cent_growth_after_a_share_is_the_level_s_growth() -> None:
    got = named("全市R&D经费支出占地区生产总值2.4%，比上年增长12%。")
    assert got["12%"] == "R&D经费支出增长"
    # a change in percentage points is the share's
    assert named("民营经济增加值占全市生产总值比重58%，比上年提高1.2个百分点。")["1.2个百分点"] == (
        "民营经济增加值占全市生产总值比重提高"
    )


def test_an_adverb_is_no_opening_verb_of_a_noun() -> None:
    # 基本 opens 基本养老保险 here, it is not the verb 覆盖 replaces
    got = named("基本医疗保险参保人数增加2000万、覆盖13.6亿人。")
    assert got["13.6亿人"] == "基本医疗保险参保人数覆盖人口"


def test_a_share_is_only_what_is_written_right_before_the_figure() -> None:
    got = named("将占比最高、涉及面最广的行业税率从16%降至13%。")
    assert "比重" not in got["13%"]
    assert named("财政民生支出占78%左右。") == {"78%左右": "财政民生支出占比"}


def test_a_session_of_a_term_is_an_ordinal() -> None:
    assert junk("贯彻落实十四届全国人大二次会议精神。") == {"十四届": "ordinal", "二次": "ordinal"}


def test_a_count_after_a_verb_alone_still_says_what_is_counted() -> None:
    assert named("累计扩招52万人。") == {"52万人": "扩招人口"}


def test_the_kind_after_deng_stays_with_the_counted_noun() -> None:
    assert named("全年取消了58项收费等事项。") == {"58项": "取消收费事项数"}


def test_a_count_reached_is_of_the_noun_after_its_measure_word() -> None:
    assert named("综合改革试点扩大到120个乡镇。") == {"120个": "综合改革试点乡镇"}
    # a longer noun phrase after it is not taken
    assert named("试点范围扩大到30个重点区县和园区。")["30个"] == "试点范围"


def test_a_bare_counted_noun_takes_its_modifier_from_earlier_in_the_sentence() -> None:
    # written: the noun's earlier mention carries what kind it is (高新技术企业, 新型研发机构, 专精特新企业)
    got = named("年初启动2021年度高新技术企业培育工作，联合税务部门开展培训，共推荐申报20家企业，其中新认定6家。")
    assert got == {"20家": "推荐申报高新技术企业数", "6家": "新认定高新技术企业"}
    assert named("今年启动新型研发机构认定工作，全年认定8家机构。") == {"8家": "认定新型研发机构数"}
    assert named("全面推进专精特新企业梯度培育，累计培育15家企业。") == {"15家": "培育专精特新企业数"}
    # an earlier mention after a count or a verb alone says nothing of the kind
    assert named("上半年已开工12个项目，下半年再开工9个项目。")["9个"] == "开工项目数"
    assert named("组织企业开展培训，累计走访30家企业。") == {"30家": "走访企业数"}
    # unless the count follows a phrase closed by 的 whose noun owns what is counted
    got = named("今年省级重点工程已建成的20个项目全部投运，下半年再建成8个项目。")
    assert got["8个"] == "建成省级重点工程项目数"
    # (a scope word before that phrase is no owner)
    assert named("全市已认定的35家企业运行良好，今年新认定12家企业。")["12家"] == "新认定企业数"


def test_a_subsidy_or_co_payment_is_of_the_scheme_the_clause_before_names() -> None:
    # written: other schemes, other opening verbs, 制度 dropped from the scheme's name
    got = named("健全城乡居民养老保险，财政补贴标准由每人每月100元提高到120元。")
    assert got == {"100元": "城乡居民养老保险财政补贴标准", "120元": "城乡居民养老保险财政补贴标准"}
    assert named("落实大病保险制度，报销比例由50%提高到60%。")["60%"] == "大病保险报销比例"
    # no clause before, a clause that is no verb and its object, or a figure already bound: as written
    assert named("财政补助标准由每人每年320元提高到380元。")["380元"] == "财政补助标准"
    assert named("坚持稳中求进，财政补助标准提高到380元。")["380元"] == "财政补助标准"
    assert named("居民收入增长8%，财政补助标准提高到380元。")["380元"] == "财政补助标准"


def test_a_comma_inside_a_parenthesis_does_not_cut_the_clause() -> None:
    # written: a note in parentheses with a colon and a comma, between an indicator and its change
    got = named("社会融资规模余额（注：含地方政府专项债券，下同）预期增长11%左右。")
    assert got == {"11%左右": "社会融资规模余额增长"}
    # an unclosed parenthesis is no aside: the clauses after it are still cut
    got = named("地区生产总值（初步核算，达到120亿元，增长6%。")
    assert got["6%"].endswith("增长") and "核算" not in got["6%"]


def test_an_act_on_a_field_after_a_sum_takes_what_the_sum_is_spent_on() -> None:
    # written: other sums, other acts, other fields
    assert named("公路投资完成1.2万亿元，新改建里程25万公里。")["25万公里"] == "公路新改建里程"
    assert named("电网建设投资达到300亿元，新投产容量1200万千瓦。")["1200万千瓦"] == "电网新投产容量"
    # a field with its own noun, or a sum that is not spent on something, keeps its words
    assert named("水利投资达到500亿元，新增有效灌溉面积800万亩。")["800万亩"] == "新增有效灌溉面积"
    assert named("铁路营业里程达到12万公里，新投产里程3000公里。")["3000公里"] == "新投产里程"


def test_the_clause_nearest_a_figure_names_it_over_the_sentence_opening() -> None:
    # written: an opening clause with a topic, then an effort frame (加大/加快 X 建设力度 or 步伐) nearer
    got = named("城市面貌持续改善，加快农村危房改造步伐，全年新开工45万户。")
    assert got["45万户"] == "农村危房新开工"
    got = named("群众居住条件明显改善，加大棚户区改造力度，今年再开工300万套。")
    assert got["300万套"] == "棚户区开工"
    # a nearer clause with no subject of its own leaves the sentence's subject
    got = named("保障房建设稳步推进，坚持分类指导，今年新开工80万套。")
    assert got["80万套"] == "保障房新开工"
    # a subject a figure set before is what the sentence is about: a topic after it does not take over
    got = named("全市规上工业企业95%复工，产能不断提升，占GDP比重将达30%。")
    assert got["30%"] == "规上工业企业占GDP比重"


def test_a_level_after_a_clause_that_changes_a_rate_is_that_rate() -> None:
    # written: other rates and standards, other scope words before the level
    assert named("下调失业保险总费率，各地可降至1%。") == {"1%": "失业保险总费率"}
    got = named("提高个人所得税基本减除费用标准，由每月3500元提高到5000元。")
    assert got == {"3500元": "个人所得税基本减除费用标准", "5000元": "个人所得税基本减除费用标准"}
    got = named("提高城乡居民基础养老金最低标准，全国统一提高到每人每月100元。")
    assert got["100元"] == "城乡居民基础养老金最低标准"
    # a clause that changes something that is no rate or standard names nothing
    assert named("降低企业负担，各地可降至16%。")["16%"] != "企业负担"


def test_a_subsidy_paid_per_head_is_its_standard() -> None:
    # written: other schemes, other per-head words, a level reached after 提高到
    got = named("新农合财政补助由每人每年200元提高到240元。")
    assert got == {"200元": "新农合财政补助标准", "240元": "新农合财政补助标准"}
    assert named("困难群众取暖补贴从户均300元提高到500元。")["500元"] == "困难群众取暖补贴标准"
    # a subsidy that is a total sum stays the sum
    assert named("安排农机购置补贴200亿元。") == {"200亿元": "农机购置补贴"}


def test_an_abbreviation_in_parentheses_stays_with_its_noun() -> None:
    # written: other abbreviations; an aside in Chinese still leaves the name
    got = named("可吸入颗粒物（PM10）平均浓度下降6.2%，居民消费价格（CPI）上涨2%。")
    assert got == {"6.2%": "可吸入颗粒物（PM10）平均浓度降幅", "2%": "居民消费价格（CPI）上涨"}
    assert named("地区生产总值（初步核算）增长5%。") == {"5%": "地区生产总值增长"}


def test_a_rate_after_examples_is_the_rate_of_the_listed_examples() -> None:
    # written: other examples, other rates after 等
    assert named("教育、科技等增速均达到8%。") == {"8%": "教育、科技等增速"}
    assert named("工业、服务业等占比均达到30%。") == {"30%": "工业、服务业等占比"}
    # 均衡 is a word, not the adverb 均
    assert named("均衡性转移支付增长9%。") == {"9%": "均衡性转移支付增长"}
    # a category after 等 still names the list (as before)
    assert named("制造业等行业增值税税率降至13%。")["13%"] == "制造业等行业增值税税率"


def test_a_counted_noun_ends_at_a_connective() -> None:
    # written: a figure with no measure word followed by 并 and another predicate
    got = named("外贸进出口总额年均增长7%，突破5000亿元并连续三年居全省首位。")
    assert got["5000亿元"] == "外贸进出口总额"
    assert named("引进5家企业并全部投产。") == {"5家": "引进企业数"}


def test_a_bare_noun_counted_alike_after_a_verb_is_the_next_thing_counted() -> None:
    # written: other verbs, other things, other measure words
    assert named("建成标准化厂房12栋，仓库3栋。") == {"12栋": "建成标准化厂房", "3栋": "建成仓库"}
    assert named("新增充电桩800个，换电站40个。")["40个"] == "新增换电站"
    # a noun with its own verb keeps it
    assert named("新增充电桩800个，建成换电站40个。")["40个"] == "建成换电站"
    # another measure word, or a figure before with no verb: a head of the subject before (as before)
    assert named("新建学校5所，教室120间。")["120间"] == "学校教室"
    assert named("商贸类项目11个，完成投资10.2亿元。")["10.2亿元"] == "商贸类项目投资"


def test_a_fund_is_named_for_what_its_sum_supports() -> None:
    # written: other funds, 用于 as well as 支持, a verb opening the fund's name
    got = named("发行地方政府专项债券2000亿元用于棚户区改造。")
    assert got == {"2000亿元": "发行棚户区改造地方政府专项债券"}
    assert named("设立产业引导基金50亿元支持先进制造业。")["50亿元"].startswith("设立先进制造业产业引导基金")
    # a purpose in the next clause, or a sum that is no fund: as written
    assert named("发行地方政府专项债券2000亿元，支持在建项目。")["2000亿元"] == "发行地方政府专项债券"
    assert named("安排财政资金5亿元支持乡村振兴。")["5亿元"] == "财政资金"


def test_levels_after_a_verb_that_takes_one_are_one_modifier() -> None:
    # written: other verbs that take a level, other levels
    assert named("推荐8个项目入选省、市重点项目库。") == {"8个": "推荐项目入选省、市重点项目库数"}
    assert named("组织12家企业参与县、乡技能竞赛。") == {"12家": "企业参与县、乡技能竞赛数"}
    # levels that end nouns of a list are still a list
    assert named("建成5个省级示范区、市级示范区3个。") == {"5个": "建成省级示范区数", "3个": "建成市级示范区"}


def test_two_nouns_under_one_act_stay_one_counted_noun() -> None:
    # written: other acts written once after two nouns joined by 和/及
    assert named("完成200户危房和旱厕改造。") == {"200户": "危房和旱厕改造数"}
    assert named("实施15公里污水管网及泵站建设。") == {"15公里": "污水管网及泵站建设"}
    # without a shared act the conjunction still ends the noun
    assert named("新建30公里农村公路和桥梁。") == {"30公里": "新建农村公路"}


def test_a_verb_that_carries_its_head_replaces_it() -> None:
    # written: other heads a two-character verb carries (产量 in 增产, 收入 in 增收)
    assert named("全县农民收入达到1.8万元，增收1200元。")["1200元"] == "农民增收"
    assert named("油料产量85万吨，增产3万吨。")["3万吨"] == "油料增产"
    # a verb that carries no head of the subject is added to it (as before)
    assert named("商贸类项目11个，完成投资10.2亿元。")["10.2亿元"] == "商贸类项目投资"


def test_acts_joined_and_a_task_stay_with_the_counted_noun() -> None:
    # written: two acts joined by 和 on one noun; the task done on what is counted
    assert named("完成6万亩人工造林抚育和管护。") == {"6万亩": "人工造林抚育和管护面积"}
    assert named("全面完成20万株行道树的补植任务。") == {"20万株": "行道树补植任务"}


def test_a_cut_made_is_named_by_its_act() -> None:
    # written: other cuts (压减, 压缩, 削减); a fall that happened stays a 降幅
    assert named("会议费同比压缩10%。") == {"10%": "会议费压缩幅度"}
    assert named("公务用车购置费削减20%以上。") == {"20%以上": "公务用车购置费削减幅度"}
    assert named("单位地区生产总值能耗下降3.2%。") == {"3.2%": "单位地区生产总值能耗降幅"}


def test_a_verb_alone_takes_the_object_it_took_earlier_in_the_sentence() -> None:
    # written: other verbs and objects, an adverb before the repeated verb
    got = named("今后三年将陆续新建城市保障性租赁住房，今年先新建12万套。")
    assert got == {"12万套": "城市保障性租赁住房"}
    got = named("从明年起分批发行地方政府专项债券，今年先发行500亿元。")
    assert got == {"500亿元": "地方政府专项债券"}
    # a verb that took nothing short before it, or another verb: not read
    assert named("今年先发行500亿元。")["500亿元"] != "地方政府专项债券"
    assert named("加快发行进度，全年发行3000亿元。")["3000亿元"] != "进度"


def test_list_items_that_vary_an_act_keep_the_facility_of_the_first() -> None:
    # written: other facilities and acts
    assert named("实施钢铁企业烧结机脱硫改造12台、脱硝改造8台。")["8台"] == "钢铁企业烧结机脱硝改造"
    got = named("完成燃煤锅炉低氮改造300台、除尘改造120台。")
    assert got == {"300台": "燃煤锅炉低氮改造", "120台": "燃煤锅炉除尘改造"}
    # an owner that is no facility (a modifier of the act) is not carried
    assert named("燃煤电厂超低排放改造1亿千瓦、节能改造5000万千瓦。")["5000万千瓦"] == "节能改造"
    assert named("完成老旧小区加装电梯改造300台、管网改造50公里。")["50公里"] == "管网改造"


def test_units_counted_only_by_a_generic_verb_take_the_act_of_the_next_clause() -> None:
    # written: other units and acts in the clause after the count
    assert named("组织30家企业，参加广交会。") == {"30家": "参加广交会企业数"}
    assert named("组织甲社、乙社等8家合作社，申报省级示范社。")["8家"] == "申报省级示范社合作社数"
    # (a content verb on the count is what counted them)
    assert named("推荐甲公司、乙公司等5家企业，申报国家级专精特新。")["5家"] == "推荐企业数"
    # a generic act after, a content verb on the count itself, or an act with a figure: not read
    assert named("组织30家企业，开展培训。") == {"30家": "企业数"}
    assert named("引进15家企业，参加招商推介。")["15家"] == "引进企业数"
    assert named("组织30家企业，签约12个项目。")["30家"] == "企业数"


def _clauses_by_character(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The clause rule read one character at a time, as it is stated: a delimiter outside any parenthesis that
    closes later in the sentence ends a clause."""
    out, at, depth = [], start, 0
    for i in range(start, end):
        ch = text[i]
        if ch in "（(" and any(c in ")）" for c in text[i:end]):
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        elif ch in binding.CLAUSE_DELIMS and depth == 0:
            out.append((at, i))
            at = i + 1
    out.append((at, end))
    return out


def test_clauses_visit_only_the_marks_and_split_as_the_rule_says() -> None:
    rng = random.Random(11)
    alphabet = "增长率（()），,：:。元a1 "
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        start = rng.randint(0, len(text))
        end = rng.randint(start, len(text))
        assert binding._clauses(text, start, end) == _clauses_by_character(text, start, end), (text, start, end)
    assert binding._clauses("广义货币M2（注：M2为…）预期增长12%，比上年高", 0, 26) == [(0, 21), (22, 26)]
