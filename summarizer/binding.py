"""binding: which indicator each figure of a sentence measures, read from the clause structure.

Pure functions of the cleaned text and its number mentions (``numbers.find_numbers``); no model, no
segmenter. The offline backend names its metrics from these bindings and leaves out figures that are no
metric; verification (issue 12) can use them to check that a summary binds a figure to the indicator and
period the text binds it to.

Why no word segmenter: jieba's dictionary takes ~1.3 s to load, more than a whole one-document run may
take (a run takes ~0.7 s of CPU), and a segmenter's open-class noun boundaries are not what decides a
binding here: the misses left on the gold labels are names that need words from another sentence or a
synonym (能耗强度 for 单位国内生产总值能耗), which no segmenter supplies. What does is a
small closed class of words — scope and time words that open a clause (全年, 全市, 上半年, 其中, 一是),
copulas and verbs that sit between an indicator and its figure (达到, 完成, 为, 控制在), change verbs that
make a figure a rate (增长, 下降, 提高), comparison bases (同比, 比上年), and the punctuation of lists
(、 分别) — which this module lists itself. What remains between them is the indicator as the text writes it.

Grammar (a sentence is cut at 。！？；; and line ends, a clause at ，,：: outside parentheses — a note
``广义货币M2（注：…）`` stays inside its clause)::

    sentence := clause (，clause)*
    clause   := lead* subject? base? predicate? link* FIGURE counted? (、 subject? link* FIGURE counted?)*
    lead     := connective (其中 同时 此外 并 一是…) | scope (全年 全市 全国…) | time (今年 2020年 1-5月 上半年
                年末 截至6月底…) | modal (预计 力争 确保 要 拟…)
    base     := 同比 | 环比 | (比|较)(上年|去年|2010年|去年预算…)(同期)? | 与上年相比
    predicate:= (同比|年均|实际…)? (增长|增加|提高|下降|减少|降低|上涨|回落…)  -- a change, unless 到/至 follows
              | 占 … (比重|比例)                                                  -- a share
    link     := 达到 达 为 是 完成 实现 累计 共 突破 超过 保持在 控制在 稳定在 按 约 近 …
    counted  := the noun after a measure word: 组织开展7场「企业线上培训活动」

* The **subject** is what is left of the clause before the figure once leads are taken off the front and
  links, base and predicate off the end (``全年地区生产总值完成`` -> 地区生产总值). It is cut back to the
  previous figure of the clause (``新建住房1800多万套、棚户区改造1200多万套``), to the words after 等
  (``铁路、公路等基础设施投资``; a rate after the examples is theirs: ``A、B等增幅``), and past a parenthesis
  (one that gives the noun in letters stays with it: 细颗粒物（PM2.5）).
* A clause without a subject inherits the last subject of its sentence: ``地区生产总值完成x亿元，同比增长y%``
  binds y to 地区生产总值 with predicate 同比增长; ``由54.9%提高到58.8%`` binds both figures to the subject
  before 由. Before any figure is bound, the figure-less clause nearest the figure wins over the sentence's
  opening words (``以…为目标，加大保障性安居工程建设力度，今年新开工700万套`` -> 保障性安居工程新开工: a
  加大/加快X建设力度 frame reads as X); a clause that changes a rate or standard names the level after it
  (``下调X缴费比例，各地可降至16%``); a verb alone takes the object the same verb took earlier in the
  sentence (``…发行超长期特别国债，…今年先发行1万亿元``). A verb that carries its subject's head replaces it
  (粮食产量…，增产 -> 粮食增产). An act on a field after a sum takes what the sum is spent on
  (``铁路投资…，新投产里程8000公里`` -> 铁路新投产里程).
* A subject that is only verbs or scope words (``组织开展7场…``, ``对全市16个…``), ends in 等 (``组织A、B等11家
  企业``; a content verb before the examples stays: 备案A等4家星创天地 -> 备案星创天地), is a list of names
  (``招引A、B、C 5家企业``) or a phrase closed by 的, or follows a 、 (``…、2.2平方公里中心文化区``) takes the
  counted noun after the measure word, with the count it makes (场 -> 场次, 人 -> 人数, 家/个/项 -> 数); a
  subject ending in its verb takes the noun after the figure as its object (``一次性发放200亿元补贴``). A
  counted noun runs past 省、市 after a verb that takes a level (参加省、市创新创业大赛), past 和/及 when both
  nouns share an act written once (``二级和三级管网改造``, ``验收和养护``), and takes a task or problem
  after 的 (``大树大苗的植树任务``); it ends at 并. Units counted only by a generic verb (``组织A、B等3家
  企业，申报省重点研发专项``) take the act of the next clause.
* A count that omits its noun counts the noun counted before it (``推荐申报xx家企业，其中新认定x家``); a
  figure with no subject at all takes the object of the figure-less clause before (``继续实施退耕还林还草，
  今年拟安排500万亩``). A bare generic counted noun (企业, 项目) takes the modifier the sentence wrote on its
  earlier mention (``_narrowed``: 启动高新技术企业培育工作，…推荐申报12家企业 -> 推荐申报高新技术企业数), or
  the owner of a phrase closed by 的 before that mention's count (``重大水利工程已开工的57个项目，…再开工27个
  项目`` -> 开工重大水利工程项目). A subsidy or co-payment named without its scheme is the scheme's that the
  figure-less clause before names by a verb and its object (``_scheme``: 完善城乡居民基本医保，财政补助标准…),
  and one paid per head is its standard (``财政补助由每人每年420元…`` -> 财政补助标准).
* Items of a 、 list share the content verb the list opens with (``退出钢铁产能x、煤炭产能y``), a per-unit
  modifier on the first item (``单位国内生产总值能耗…、二氧化碳排放…``), the facility the first item acts on
  when a later item varies the act (``燃煤电厂脱硫改造x、脱硝改造y`` -> 燃煤电厂脱硝改造), and a noun closing
  the list after 等 (``钢铁x吨、水泥y吨等落后产能``). A short noun counted in the same measure word as the
  figure before is the next thing that figure's verb counts (``新增蔬菜大棚2500座，温室320座`` -> 新增温室).
* A share after a figure is that figure's (``投入民生资金6.8亿元，占地方财政总支出的47.5%``); a share of a
  task or target is its completion rate (``占全年任务66.66%`` -> 全年任务完成率); a per cent written first is
  a share of the units after it (``71%的煤电机组实现超低排放``), and one followed by an act is that act's rate
  (``100%复工`` -> 复工率).
* ``A、B分别为x、y`` binds the i-th figure to the i-th item; a head noun written once on the last item is
  shared (``高技术制造业、装备制造业增加值分别增长`` -> 高技术制造业增加值, 装备制造业增加值), and 城乡 read
  for two figures is 城镇…, 农村…. Item and figure counts that differ leave the binding ambiguous.
* ``其中A…`` names a part of the previous subject: A keeps the previous subject's head when A ends where
  that subject begins (``铁路营业里程…，其中高速铁路`` -> 高速铁路营业里程).
* The **name** a reader uses is subject + predicate (地区生产总值同比增长); a fall given in per cent is a
  降幅 (单位国内生产总值能耗降幅), a sum raised or lowered an amount (提高额), a change per head keeps 人均; a
  level reached by a change (``提高到58.5%``) is the subject alone; a change verb written first still names
  a change (``降低工商业电价5%`` -> 工商业电价降幅); an area is named as one (…面积), a per cent that is no
  change and says no ratio word a ratio (…比例), a bare 投资 after what it is spent on (``投资1.3亿元实施
  自来水管网改造工程``), a fund after what 用于/支持 right after its sum says (``超长期特别国债3000亿元支持
  消费品以旧换新``); a cut made in per cent is named by its act (压减幅度, not 降幅).
* The **base** (比2010年, 同比, 较上年) is kept apart and is never a period.

A figure is **no metric** (``Binding.junk`` says why) when it is a date, year, ordinal or calendar span
(2020年, 第九届, 十八届, 三届二次, 一季度, 五年, 60周年), a range of months, a bare number without
unit or scale (a list or page number), a set phrase (一批, 最后一公里, 一系列), a count inside a name
(“六大”行动, 两个中心 in quotes, 三个代表), a count that a negation denies (未出现一例), or a small Chinese
count of a generic measure word that the text uses as an article (建成一个…).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .numbers import MONEY_UNITS, NumberMention, units_compatible

# --------------------------------------------------------------------------------------------------
# Vocabulary (closed classes; the open class — indicator nouns — is whatever remains)
# --------------------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """A word list written as one string (closed classes read better that way)."""
    return text.split()


SENTENCE_RE = re.compile(r"[^。！？!?；;\n]+")
CLAUSE_DELIMS = "，,：:"
# Figures that measure something; dates, years and ordinals are context.
FIGURE_KINDS = frozenset({"count", "money", "percent", "percent_point", "ratio", "other"})
# Mentions that are no metric whatever their words (``junk_reason``'s first rule).
JUNK_KINDS = frozenset({"date", "year", "ordinal"})
CALENDAR_UNITS = frozenset({"年", "月", "日", "天", "周", "季度", "小时", "分钟", "工作日"})
# Measure words a reader counts in: the count a counted noun makes.
COUNT_SUFFIX = {"场": "场次", "场次": "场次", "次": "次数", "人次": "人次", "人": "人数", "名": "人数", "位": "人数"}
COUNT_UNITS = frozenset(
    _words(
        """个 项 件 条 份 篇 次 场 期 批 所 座 处 台 套 辆 艘 架 只 头 株 棵 册 部 种 类
款 支 组 届 轮 块 间 栋 幢 张 床 例 起 宗 笔 家 户 人 名 位 人次 场次 户次 批次
车次 台次 班次 架次 期次"""
    )
)
AREA_UNITS = frozenset({"亩", "平方米", "平方公里", "公顷", "平方千米"})
# A small Chinese count of these is an article or a set phrase, not a figure (一批, 一系列, 一个, 一项).
SET_PHRASE_UNITS = frozenset(_words("批 系列 公里 把手 站式 揽子 盘棋 张网 张图 条龙 些 番 步"))
GENERIC_UNITS = frozenset({"个", "项", "件", "条", "种", "类", "批", "次", "场", "支", "组", "张"})

_LEAD_RE = re.compile(
    r"^(?:"
    # connectives and enumerations
    r"其中|同时|另外|此外|与此同时|并且|而且|但是|因此|为此|总之|首先|其次|并|且|但|而|另|和|及|以及|又|还|也|再|均(?![衡匀等])|都|"
    r"[一二三四五六七八九十]+是|第[一二三四五六七八九十\d]+[批期届次轮个项]?[，,、]?|"
    # scope
    r"全年|全市|全县|全区|全旗|全省|全州|全镇|全乡|全盟|全国|本市|本县|本区|各地区|各地|我(?:国|省|市|县|区|州|旗|镇|乡|局|委|厅|办)|本年度|本年|"
    # time
    r"今年以来|今年|去年|上年|明年|当年|年内|年初|年底|年末|底|末|上半年|下半年|前三季度|前两季度|"
    r"[一二三四]季度|第[一二三四]季度|目前|截至目前|截止目前|当前|近年来|近年|同期|上旬|中旬|下旬|"
    r"(?:截至|截止|到|至)?(?:(?:19|20)\d\d年)?(?:(?:\d{1,2}|[一二三四五六七八九十]{1,2})(?:[-—–~～至到](?:\d{1,2}|[一二三四五六七八九十]{1,2}))?月份?(?:\d{1,2}日)?)?"
    r"(?:底|末|以来|止|前|以前)?(?<=[年月份日底末来止前])|"
    r"(?:过去|近|这|今后|未来)?[一二三四五六七八九十两]+年(?:来|以来|间|中)?|"
    # modals and framing verbs
    r"预计|力争|争取|确保|计划|努力|要|拟|将|已|已经|共|累计|实现|完成|通过|安排|随着"
    r")"
)
# Links between an indicator and its figure, taken off the end of a subject (longest first).
_LINK_WORDS = sorted(
    _words(
        """达到 达 为 是 有 共有 拥有 实现 完成 共计 共 累计 合计 总计 计 突破 超过 超 逾 约 近
接近 将近 大约 左右 分别 已 已经 将 预计 预期 要 拟 拟按 拟定为 按 安排 力争 争取 确保
保持在 稳定在 控制在 维持在 保持 稳定 控制 维持 在 到 至 了 的 可 再 又 还 均 都
仍 也 继续 进一步 统一 同比 年均 平均 实际 新 增至 增到 降至 降到 升至 升到 回落到 回落至
提高到 提高至 提升到 提升至 增加到 增加至 上升到 上升至 下降到 下降至 减少到 减少至 降低到
降低至 扩大到 扩大至 缩小到 缩小至 由 从 目标 预期目标 任务"""
    ),
    key=len,
    reverse=True,
)
_LINK_RE = re.compile(
    "(?:"
    + "|".join(map(re.escape, _LINK_WORDS))
    # a rate's denominator and a time written between an indicator and its figure (由2007年的, 每人每年)
    + r"|每人每年|每年每人|每人每月|每月每人|每人|每户|每年|每月|年人均|月人均|人均|户均"
    + r"|(?:19|20)\d\d年(?:底|末)?的?|去年的?|上年的?|今年的?|年底的?|年末的?"
    + ")$"
)
_GROW = "增长|增加|提高|提升|上升|上涨|上调|增|扩大|翻番"
_FALL = "下降|减少|降低|下跌|回落|下滑|下调|压减|压缩|削减|缩小|减|降"
_PRED_RE = re.compile(
    rf"(?P<mod>同比|环比|年均|平均|实际|名义|累计|再)?(?P<verb>{_GROW}|{_FALL})(?:了)?(?P<to>到|至|为)?$"
)
_FALL_RE = re.compile(rf"(?:{_FALL})$")
# What a share of units did, written after the per cent (企业100%复工): its rate.
# A share written right before its figure: 占 and what it is of, no list or clause inside (not 占比最高、…的税率).
_SHARE_TAIL_RE = re.compile(r"占[^占、，,的]{0,16}$")
_RATIO_WORD_RE = re.compile(
    r"率|比重|比例|占比|份额|幅|增速|增长|下降|贡献|之比|强度|水平|指数|价格|利率|税率|成数|程度"
)
_RATE_OF_RE = re.compile(
    r"(?P<verb>复工复产|复工|复产|开工|完工|竣工|投产|达产|到位|覆盖|参保|参合|就业|签约|入驻|脱贫|办结|上线|达标|合格|"
    r"接种|通电|通网|通车|通邮)(?=[，,；;。！？]|$)"
)
_VERB_FIRST_RE = re.compile(r"(?P<verb>降低|下调|压减|减少|提高|上调|增加)(?P<what>[^占]{2,})")
_BASE_RE = re.compile(
    r"(?P<base>同比|环比|与(?:上年|去年|上一年)(?:同期)?相比|"
    r"(?:比(?![重例率值])|较)(?:(?:19|20)\d\d年(?:末|底)?|上年|去年|上一年|上半年|一季度|年初|上期|基期|[\u4e00-\u9fff]{1,7}?)(?:同期)?)"
    rf"(?=(?:同比|年均|实际|名义)?(?:{_GROW}|{_FALL}|多|少|高|低)[^\u4e00-\u9fff]*$|(?:同比|年均|实际|名义)?(?:{_GROW}|{_FALL})了?$)"
)
_TASK_SHARE_RE = re.compile(
    r"占(?P<of>[^占，,]{0,10}?)(?P<task>(?:目标|计划)?任务|目标|计划)(?:指标|数)?(?![\u4e00-\u9fff]{2})"
)
_SHARE_RE = re.compile(r"占(?P<of>[^占]{0,20}?)(?:的)?(?P<what>比重|比例|份额|的比重|的比例)")
# Verbs that, alone before a count, leave the counted noun after the measure word to name the figure.
_VERB_ONLY = sorted(
    _words(
        """重点 大力 积极 全力 深入 着力 加快 继续 全面 切实 扎实 稳步 组织 开展 举办 召开 举行
实施 推动 推进 带动 帮助 支持 引进 引导 培育 认定 申报 谋划 征集 筛选 选派 培训 发放
落实 打造 创建 建成 建设 新建 改造 设立 成立 组建 签约 签订 达成 落地 新开工 开工 竣工
投产 走访 服务 解决 受理 办理 审批 检查 排查 整改 查处 处理 调解 救助 慰问 资助 奖励
表彰 评选 获批 获得 荣获 争取 吸引 吸纳 转化 登记 备案 入驻 认证 授权 培养 招收 招聘
安置 录用 实现 完成 新增 累计 共 共有 拥有 发布 出台 制定 修订 印发 编制 开通 开设 开放
提供 投入 投放 下达 拨付 兑现 减免 减少 降低 惠及 覆盖 带动 吸收 参加 参与 邀请 对接
撮合 促成 推荐 推出 上线 铺设 种植 栽植 植树 新增加 再 又 还 先后 陆续 共计 开辟 引入
输送 派出 派驻 组派 评审 立项 验收 考核 指导 协调 发动 动员 搭建 新培育 新认定 新引进
新建成 新开通 发现 收集 梳理 宣传 举办了 开展了 组织了 完成了 实现了 帮助了 对 向 为 给
与 和 在 招引 全市 全县 全区 全省 全国 全镇 全乡
淘汰 退出 改建 改扩建 化解 压减 取消 下放 关停 削减 启动 扩招 增发 发行"""
    ),
    key=len,
    reverse=True,
)
_ADVERB_RE = re.compile(r"(?:基本|全部|全面|已|已经|首批|当年)+")
# Adverbs before a verb (基本建成, 重新认定): words only with the verb, never an opening verb of a noun
# (基本养老保险, 首批国家公园).
_VERB_ADVERBS = "基本|全部|首批|当年|重新|成功|先"
_VERB_ONLY_RE = re.compile(f"^(?:{_VERB_ADVERBS}|" + "|".join(map(re.escape, _VERB_ONLY)) + ")+$")
_VERB_ALT = "|".join(map(re.escape, _VERB_ONLY))
_VERB_LEAD_RE = re.compile(f"^(?:{_VERB_ALT})+")
_ACT_LEAD_RE = re.compile(f"^(?:{_VERB_ADVERBS}|{_VERB_ALT})+")  # the verbs a clause opens with, adverbs too
_VERB_TRAIL_RE = re.compile(f"(?:基本|全部|全面|累计|共)?(?:{_VERB_ALT})+$")
# Where a clause's opening noun phrase ends: an adverb or a predicate.
_TOPIC_END_RE = re.compile(
    r"再|又|继续|进一步|不断|稳步|持续|实现|完成|达到|突破|创|保持|稳定|大幅|明显|显著|有所|快速|较快|安排|负增长|逐年|"
    r"增长|增加|下降|减少|提高|提升|上升|回落|降低|是|为|占|比|较|同比|逐步|全面|基本|均|都|已"
)
# A counted noun never starts with a predicate (…3项，增长…).
# (上调/下调 may open one: 两次下调存款准备金率 counts the cuts.)
_PRED_START_RE = re.compile(rf"(?!上调|下调)(?:同比|比|较|{_GROW}|{_FALL}|占|达|为|是)")
_PERSON_RE = re.compile(
    r"(?:人口|人员|人才|人数|人次|群众|居民|农民|学生|职工|干部|专家|员|者|师|生|工|人|(?<![落开入立])户|团队|家庭)$"
)
_LIST_MEASURE_RE = re.compile(r"增幅|增速|增长率|涨幅|降幅|比重|占比|比例")
_CATEGORY_RE = re.compile(r"行业|企业|领域|地区|部门|单位|产业|城市|省份|国家")
_RANGE_GAP_RE = re.compile(r"\s*[-—–~～至到]\s*")
_CLAUSE_PUNCT_RE = re.compile(r"[，,；;。：:（()）]")
_LIST_TAIL_RE = re.compile(r"(?:、|和|及|与|以及)$")
_GENERIC_VERB_RE = re.compile(
    r"^(?:组织|开展|举办|召开|举行|实施|推进|推动|实现|完成|新增加|累计|共有|共计|共|再|又|还|先后|陆续|了|成功|"
    r"对|向|在|全市|全县|全区|全省|全国|全镇|全乡|"
    r"重点|大力|积极|全力|深入|着力|加快|继续|全面|进一步|切实|扎实|稳步|有序|力争|争取)+|(?:了|对|向|为|给|与|和|在)+$"
)
# Where a counted noun after the measure word ends (参加省、市级大赛: levels after a verb that takes one are one
# modifier, not a list).
_COUNTED_STOP_RE = re.compile(
    r"[，,；;。：:（(）)\s]|(?<!(?:参加|参与|入选|列入|获得|荣获)[省市县区乡镇])、|、(?![省市县区乡镇])|"
    r"的(?!士)|以及|和|(?<![参给赋])与|及(?!时)|等|其中|分别|同比|比上年|较|进行|得到|并(?![购网轨])"
)
# A count a negation denies: 未出现一例, 没有发生一起 (the negation governs a verb of occurring).
_NEGATION_RE = re.compile(
    r"(?:未|没有|无|不|杜绝)(?:再|曾)?(?:出现|发生|有|新增|造成|产生|报告|接到|收到)[^，,；;。]{0,4}$"
)
# Heads a two-character verb may carry in its second character (增产 of 产量, 减排 of 排放, 增收 of 收入).
_ACT_OWN_HEADS = frozenset({"产量", "排放", "收入", "用水", "用地"})
# What follows 和/及 in a counted noun when the two nouns share an act written once after the second.
# (or an act joined to the act before it: 退耕还林验收和养护).
_SHARED_ACT_RE = re.compile(
    r"[\u4e00-\u9fff]{0,6}?(?:改造|建设|治理|整治|改建|维修|修复|养护|管护)(?=[，,；;。、（(\s等]|$)"
)
# "N的X问题" after a count: the problem the counted people have (解决6000万农村人口的饮水安全问题); "N的X任务":
# the task done on what is counted (13.5万株大树大苗的植树任务).
_PROBLEM_RE = re.compile(r"的(?P<what>[\u4e00-\u9fff]{2,10}?(?:问题|困难|任务))(?=[，,；;。！？]|$)")
_FUNCTION_WORDS_RE = re.compile(r"[对向为给与和在了再又还共]+")
_PER_CAPITA_RE = re.compile(r"(?:年|每年)?(?:人均|每人|户均|每户)(?:每年|年)?$")
_KIND_AFTER_DENG_RE = re.compile(r"等(?P<kind>[\u4e00-\u9fff]{1,3})(?=[，,；;。！？]|$)")
_ABBREVIATION_RE = re.compile(r"[A-Za-z][A-Za-z0-9.&]*")
_PAREN_RE = re.compile(r"[（(][^（()）]*[)）]")
_LIST_SPLIT_RE = re.compile(r"、|和|与|及|以及")
# Indicator heads a list may write once, on its last item.
# Spending named for its purpose: the verb alone before the sum, the purpose after it.
_SPENDING = frozenset({"投资", "投入"})
_FUND_RE = re.compile(r"(?:国债|债券|基金|专项资金)$")
_PURPOSE_RE = re.compile(
    r"(?:左右|以上|多)?[，,]?(?:用于|实施了?|建设|支持)(?P<what>[^，,；;。！？、（(\d\sxX×＊*]{2,24}?)(?=[\d，,；;。！？、（(\s]|$)"
)
_HEAD_NOUN_RE = re.compile(
    r"((?:人均)?(?:财政)?(?:补助|补贴)标准|排放量|排放总量|排放|增加值|总产值|产值|收入|支出|投资|产量|总额|面积|人数|"
    r"规模|价格|利润)$"
)
_CITY_COUNTRY = ("城乡", ("城镇", "农村"))
# What a scheme pays or covers, named without the scheme (财政补助标准, 报销比例), and the verbs a clause
# naming the scheme opens with (完善城乡居民基本医保).
_SCHEME_ATTRIBUTE_RE = re.compile(r"(?:人均)?(?:财政)?(?:补助|补贴)(?:资金)?(?:标准)?|(?:报销|缴费)比例")
# A subsidy named without its standard, and the per-head words that make a sum of it the standard.
_SUBSIDY_END_RE = re.compile(r"(?:补助|补贴)$")
_PER_HEAD_RE = re.compile(r"每人|人均|每户|户均")
# A clause that changes a rate or a standard (下调X缴费比例, 提高X补助标准): the figures after it are its levels.
_CHANGED_RE = re.compile(
    r"^(?:下调|上调|降低|提高|调低|调高|调整)(?P<what>[^，,、\d]{2,20}(?:比例|费率|税率|利率|标准|上限|下限|门槛|起征点))$"
)
# Acts on a facility a list varies (脱硫改造, 脱硝改造), and what such a facility's name ends with.
_ACT_HEAD_RE = re.compile(r"(?:改造|治理|整治|建设|改建|升级)$")
_OWNER_END_RE = re.compile(r"(?:厂|站|机|机组|锅炉|企业|小区|园区|设施|矿井|煤矿|港口|码头)$")
# A count after a phrase closed by 的 (重大水利工程已开工的57个): the phrase's noun owns what is counted.
_COUNT_UNIT_ALT = "|".join(sorted(COUNT_UNITS, key=len, reverse=True))
_OWNED_COUNT_RE = re.compile(rf"(?:已经|已|正在|在)?(?:{_VERB_ALT})+的[\dxX.]+[多余]?(?:{_COUNT_UNIT_ALT})$")
# The clause right after a figure's clause, up to the next clause or sentence end.
_NEXT_ACT_RE = re.compile(r"[，,](?P<act>[^，,；;。！？!?：:\n]{2,20})(?=[，,；;。！？!?\n]|$)")
# Nouns that say how an act goes, not what it takes (发行进度, 发行规模).
_MANNER_RE = re.compile(r"(?:进度|力度|步伐|速度|节奏|工作|规模|范围|水平|质量|效率|机制|方式|办法)$")
# A clause that only says more effort goes into something (加大保障性安居工程建设力度, 加快X建设步伐): X.
_FRAME_RE = re.compile(
    r"^(?:继续|进一步|持续|大力)*(?:加大|加强|加快|加速|加紧)(?:对)?(?P<what>[^，,、]{2,20}?)"
    r"(?:的)?(?:建设|改造|实施|推进|治理|投入)?(?:工作)?(?:力度|步伐|进度|速度|进程)$"
)
_SCHEME_VERB_RE = re.compile(r"^(?:完善|健全|整合|深化|规范|落实)+")
_MEASURE_END_RE = re.compile(r"(?:耗|率|额|用水量|用量|消费量)$")
# A subject that is only an act and the field it measures (新投产里程, 新改建里程, 新投运容量), and the heads of
# a sum whose owner such a field belongs to (铁路投资 -> 铁路).
_ACT_FIELD_RE = re.compile(f"^[新再]?(?:{_VERB_ALT}|通车|投运|运营)+(?:里程|长度|面积|规模|容量|产能|能力)$")
_OWNED_SUM_RE = re.compile(r"(?:建设)?(?:投资|投入|资金)$")
_PER_UNIT_RE = re.compile(r"单位(?:国内生产总值|地区生产总值|生产总值|GDP|工业增加值|增加值)")
_FUNCTION_HEAD = "的了和与及对向给在为把被将并或等之、是"
_FUNCTION_TAIL = "的和与及对在把被将了等之“（(「《、从由向给-—~～"


@dataclass(frozen=True)
class Binding:
    """What one figure measures, as its sentence says it.

    ``subject``: the indicator noun phrase as the text writes it ('' when the text gives none);
    ``predicate``: what makes the figure a rate or change ('同比增长', '下降', '占国内生产总值比重'; '' for
    a level); ``name``: what a reader calls it (subject + predicate; a per-cent fall is a 降幅; a counted
    noun gets its count: 企业线上培训活动场次); ``base``: the comparison base (同比, 比上年, 比2010年),
    never a period; ``ambiguous``: the text does not settle the binding (no subject, or a 分别 list whose
    items and figures do not pair up); ``junk``: why the figure is no metric, else None;
    ``subject_start``: where the subject (or the counted noun) starts in the text, -1 when inherited or
    absent; ``inherited``: the subject comes from an earlier clause of the sentence.
    """

    mention: NumberMention
    subject: str
    predicate: str
    name: str
    base: str | None = None
    ambiguous: bool = False
    junk: str | None = None
    subject_start: int = -1
    inherited: bool = False


# --------------------------------------------------------------------------------------------------
# Junk: figures that are no metric
# --------------------------------------------------------------------------------------------------


def junk_reason(text: str, m: NumberMention, clause_start: int) -> str | None:
    """Why the mention is not a metric, read from its kind and the words around it; None when it is."""
    if m.kind in JUNK_KINDS:
        return m.kind
    if m.kind == "range" and (m.unit in CALENDAR_UNITS or not m.unit):
        return "calendar range"
    if m.kind == "range":
        return None
    if m.kind not in FIGURE_KINDS:
        return "not a figure"
    if m.unit == "周年":
        return "anniversary"  # 成立60周年
    if m.unit == "届" and m.numeral == "chinese":
        return "ordinal"  # 十八届三中全会: a congress's term, counted by its ordinal
    session = "届" in text[max(0, m.start - 8) : m.start] and text.startswith("会议", m.end)
    if m.unit == "次" and m.numeral == "chinese" and (text[: m.start].endswith("届") or session):
        return "ordinal"  # 三届二次全委会议, 十三届全国人大五次会议: the term's plenary or session
    small_cn = m.numeral == "chinese" and m.scaled is not None and m.scaled <= 10
    # 五年, 一季度, 两个月; an Arabic 5年 is a duration the text may mean as a figure (5年过渡期).
    if m.unit in CALENDAR_UNITS and (m.numeral == "chinese" or m.unit in ("季度", "月")):
        return "calendar span"
    # No unit: a figure only with a scale word (6434万农村人口) or a redaction with one (xx万).
    if m.kind == "other" and not re.search(r"[万亿千百]", m.text):
        return "bare number"
    before = text[clause_start : m.start]
    after = text[m.end : m.end + 4]
    if after[:1] in ("万", "亿", "萬", "億") and not m.redacted:
        return "scale misread"  # 4万多亿元 read as 4万多: the figure is not what the text says
    if small_cn:
        if m.unit in SET_PHRASE_UNITS or (m.unit and after.startswith(("系列", "揽子", "盘棋", "把手", "站式"))):
            return "set phrase"
        if after.startswith("大") or m.text.endswith("大"):
            return "count inside a name"
        if before.count("“") > before.count("”") or before.endswith(("“", '"', "「")):
            return "count inside a name"
        if m.scaled is not None and m.scaled <= 1 and m.unit in GENERIC_UNITS:
            return "article"
    if m.numeral == "chinese" and after.startswith("大") and m.scaled is not None and m.scaled <= 20:
        return "count inside a name"
    if _NEGATION_RE.search(before):
        return "negated count"
    return None


# --------------------------------------------------------------------------------------------------
# Subjects
# --------------------------------------------------------------------------------------------------


def _strip_lead(s: str) -> str:
    prev = None
    while prev != s:
        prev = s
        s = _LEAD_RE.sub("", s, count=1) if s else s
        s = s.lstrip(" 　、，,：:")
    return s


def _strip_links(s: str) -> str:
    prev = None
    while prev != s:
        prev = s
        s = _LINK_RE.sub("", s)
    return s


def _qualified(name: str) -> str:
    """A parenthesis that narrows the noun before it, written by its own last words (``工业总产值（高新技术工业）``:
    the high-tech part of industry's output) -> 高新技术工业总产值; any other parenthesis is an aside."""
    m = _PAREN_RE.search(name)
    if m is None or m.start() == 0:
        return name
    before, inner = name[: m.start()], m.group()[1:-1]
    if inner.endswith(before):  # 产值（规上工业产值）
        return inner + name[m.end() :]
    merged = _part_of(inner, before)
    return merged + name[m.end() :] if merged != inner else name


def _tidy(name: str) -> str:
    """Balanced quotes and brackets, no function word at either end."""
    name = _PAREN_RE.sub(_aside, _qualified(name)).strip()
    if _PAIRED_RE.search(name) is None:  # most names: no bracket or quote to balance
        return _trim_function_words(name)
    # An unclosed bracket: what follows it is an aside (or the name is cut): keep the part before it, or
    # after a stray closing one.
    for opening, closing in (("（", "）"), ("(", ")")):
        if name.count(opening) > name.count(closing):
            name = name[: name.rfind(opening)] or name[name.rfind(opening) + 1 :]
        if name.count(closing) > name.count(opening):
            name = name[name.rfind(closing) + 1 :]
    for opening, closing in (("“", "”"), ("《", "》"), ("「", "」"), ("‘", "’")):
        if name.count(opening) > name.count(closing):
            at = name.rfind(opening)
            name = name[:at] + name[at + 1 :] if name.count(closing) else name.replace(opening, "")
        if name.count(closing) > name.count(opening):
            name = name.replace(closing, "", name.count(closing) - name.count(opening))
    return _trim_function_words(name)


_PAIRED_RE = re.compile("[（）()“”《》「」‘’]")


def _trim_function_words(name: str) -> str:
    name = name.strip(" 　:：,，、")
    while name and name[0] in _FUNCTION_HEAD:
        name = name[1:]
    while name and name[-1] in _FUNCTION_TAIL:
        name = name[:-1]
    return name


def _aside(paren: re.Match[str]) -> str:
    """A parenthesis is an aside and leaves the name, unless it gives the noun before it in letters
    (细颗粒物（PM2.5）: the name readers and labels use) — that one stays."""
    inner = paren.group()[1:-1]
    return paren.group() if _ABBREVIATION_RE.fullmatch(inner) and paren.start() > 0 else ""


def _counted(text: str, m: NumberMention, clause_end: int, limit: int = 24) -> str:
    """The noun after the figure's measure word, up to the next stop in the clause."""
    rest = text[m.end : clause_end]
    lead = re.match(r"[多余]+(?=[\u4e00-\u9fff])", rest)  # 3亿多农村人口: the approximation, not the noun
    rest = rest[lead.end() :] if lead else rest
    cut = _COUNTED_STOP_RE.search(rest)
    joined = _SHARED_ACT_RE.match(rest, cut.end()) if cut and cut.group() in ("和", "及", "与", "以及") else None
    if joined is not None:
        # "68公里二级和三级管网改造", "10公里雨水管网及泵站改造": two nouns joined under the act written once.
        cut = _COUNTED_STOP_RE.search(rest, joined.end())
    noun = rest[: cut.start()] if cut else rest
    problem = _PROBLEM_RE.match(rest, len(noun)) if cut else None
    if problem is not None:
        noun += problem.group("what")  # 解决6000万农村人口的饮水安全问题: whose problem is what is counted
    kind = _KIND_AFTER_DENG_RE.match(rest, len(noun)) if cut else None
    if kind is not None and noun:
        noun += kind.group("kind")  # 416项行政审批等事项: what the examples are (行政审批事项)
    # A quoted name inside the counted noun is kept whole.
    if noun.count("“") > noun.count("”"):
        close = rest.find("”", len(noun))
        if 0 <= close <= limit + 6:
            tail = _COUNTED_STOP_RE.search(rest, close + 1)
            noun = rest[: tail.start() if tail else len(rest)]
    return noun[:limit]


def _count_suffix(unit: str) -> str:
    if unit in COUNT_SUFFIX:
        return COUNT_SUFFIX[unit]
    return "数" if unit in COUNT_UNITS else ""


@dataclass
class _Parsed:
    subject: str
    predicate: str
    base: str | None
    level: bool  # a change verb followed by 到/至: the figure is the level reached
    fall: bool
    start: int
    verb_only: bool
    from_marker: bool  # ends in 由/从: the figure is where a change starts


def _parse_left(text: str, lo: int, hi: int) -> _Parsed:
    """The words before a figure: leads off the front; links, predicate and base off the end."""
    raw = text[lo:hi]
    # A figure inside a parenthesis is bound inside it: 完成170件科技成果登记（占任务指标85%）.
    for opening, closing in (("（", "）"), ("(", ")")):
        at = raw.rfind(opening)
        if at >= 0 and raw.find(closing, at) < 0:
            raw = raw[at + 1 :]
    body = _strip_lead(raw)
    start = hi - len(body)
    # A parenthesis or a quote opened before the figure and not closed: the figure is inside an aside.
    from_marker = bool(re.search(r"(?:由|从)$", body))
    stripped = _strip_links(body)
    # Predicate: a change verb at the end (with its modifier); then a comparison base before it.
    predicate, base, level, fall = "", None, False, False
    # Words after the predicate that only link it to the figure (增长了, 下降到): the predicate regex eats them.
    pm = _PRED_RE.search(body.rstrip("了约近超逾达"))
    if pm is None:
        pm = _PRED_RE.search(stripped)
        tail_src = stripped
    else:
        tail_src = body.rstrip("了约近超逾达")
    if pm is not None:
        verb = pm.group("verb")
        single = len(verb) == 1
        before = tail_src[: pm.start()]
        # a one-character verb (增/减/降) only after a base or a modifier: 比上年增, 同比减
        if not single or pm.group("mod") or _BASE_RE.search(before + verb):
            level = pm.group("to") is not None
            fall = _FALL_RE.search(verb) is not None
            mod = pm.group("mod") or ""
            predicate = "" if level else (mod if mod in ("同比", "环比", "年均") else "") + verb
            if mod in ("同比", "环比"):
                base = mod
            stripped = before
            bm = _BASE_RE.search(stripped + verb)
            if base is None and bm is not None and bm.end() >= len(stripped):
                base = bm.group("base")
                stripped = stripped[: bm.start()]
            per = _PER_CAPITA_RE.search(stripped)
            if per is not None and predicate:
                # 年人均提高2556元: a change per head, named so (…人均提高额)
                predicate, stripped = "人均" + predicate, stripped[: per.start()]
            stripped = _strip_links(stripped)
    if base is None:
        bm = re.search(r"(同比|环比)$", stripped)
        if bm:
            base = bm.group(1)
            stripped = stripped[: bm.start()]
    stripped = _after_examples(stripped)
    stripped = _strip_links(_strip_lead(stripped))
    share = _SHARE_RE.search(stripped)
    if share is not None and not predicate:
        predicate = stripped[share.start() :]
        stripped = stripped[: share.start()]
    verb_only = not stripped or _VERB_ONLY_RE.match(stripped) is not None
    sstart = hi - len(body) + body.find(stripped) if stripped else -1
    return _Parsed(stripped, predicate, base, level, fall, max(start, sstart), verb_only, from_marker)


def _after_examples(stripped: str) -> str:
    """等 closes a list of examples: the subject is what follows it, or (at the end) the counted noun; a
    category after 等 names the list itself (制造业等行业), and the verb the examples are objects of stays
    (备案A、B等4家星创天地: what was counted was 备案)."""
    if "等" not in stripped:
        return stripped
    at = stripped.rfind("等")
    after = stripped[at + 1 :]
    if _CATEGORY_RE.match(after) or _LIST_MEASURE_RE.fullmatch(after):
        return stripped  # 制造业等行业; A、B等增幅: the list's measure, of every example
    lead = _ACT_LEAD_RE.match(stripped[:at]) if not after else None
    return lead.group() if lead and lead.end() < at else after


def _list_items(subject: str, n: int) -> list[str] | None:
    """``A、B、C`` read as n items for ``分别``, with a head noun written once on the last item shared."""
    if subject.startswith(_CITY_COUNTRY[0]) and n == 2:
        rest = subject[len(_CITY_COUNTRY[0]) :]
        return [w + rest for w in _CITY_COUNTRY[1]]
    items = [p for p in subject.split("、") if p]
    if len(items) != n:
        items = [p for p in _LIST_SPLIT_RE.split(subject) if p]
    if len(items) != n:
        return None
    last = items[-1]
    shared = ""
    first = items[0]
    # The longest tail of the first item that the last item repeats: what follows it there is the head.
    for k in range(min(len(first), len(last)), 1, -1):
        at = last.find(first[-k:])
        if at >= 0 and at + k < len(last):
            shared = last[at + k :]
            break
    if not shared:
        # A head noun on the last item only (二氧化硫、化学需氧量排放量): share its indicator head, unless
        # the other items are measures themselves (用水量、能耗、二氧化碳排放量).
        head = _HEAD_NOUN_RE.search(last)
        if head and all(not it.endswith(head.group(1)) and not _MEASURE_END_RE.search(it) for it in items[:-1]):
            shared = head.group(1)
    if shared:
        items = [it if it.endswith(shared) else it + shared for it in items[:-1]] + [last]
    return [_per_unit(items[0], it) for it in items]


def _parallel(prev: Binding | None) -> bool:
    """Whether a bare word after this figure's binding is the next item of a list rather than a head of it:
    after a bare item (小麦) or a per-unit intensity (单位GDP用水量)."""
    return prev is not None and (len(prev.subject) <= 2 or _PER_UNIT_RE.match(prev.subject) is not None)


def _per_unit(first: str, item: str) -> str:
    """A per-unit modifier written once on a list's first item is every item's: 单位国内生产总值能耗和二氧化碳
    排放 -> 单位国内生产总值二氧化碳排放 (an intensity per unit of output, not the total)."""
    per = _PER_UNIT_RE.match(first)
    if per:
        return per.group() + item if not item.startswith("单位") else item
    return _owner_of(first, item) + item


def _owner_of(first: str, item: str) -> str:
    """The owner a list's first item names before an act that a later item varies (燃煤电厂脱硫改造x、脱硝改造y
    -> 燃煤电厂脱硝改造): the item is a two-character act of the same kind (…改造), the first item that act on
    an owner that is a facility or a unit (电厂, 机组, 企业, 小区); '' otherwise."""
    head = _ACT_HEAD_RE.search(item)
    if head is None or head.start() != 2 or not first.endswith(head.group()):
        return ""
    lead = _ACT_LEAD_RE.match(first)
    core = first[lead.end() :] if lead and lead.end() < len(first) else first
    owner = core[: len(core) - len(item)]
    return owner if len(owner) >= 2 and _OWNER_END_RE.search(owner) and not core.startswith(item) else ""


def _list_before(before: str, subject: str, n: int) -> list[str] | None:
    """The n items of a 分别 clause whose subject names one measure for several things listed in an earlier
    clause of the sentence: "医疗废物、生活垃圾、城市污水处理能力不断提高，处理率分别达到95%、85%、80%以上" ->
    医疗废物处理率, 生活垃圾处理率, 城市污水处理率. The last item runs on into its clause; it is cut where the
    subject's first words begin (处理), and without such a meeting point nothing is guessed."""
    for clause in reversed(re.split(r"[，,：:]", before)):
        parts = _strip_lead(clause.strip()).split("、")
        if len(parts) != n or not all(parts):
            continue
        last = parts[-1]
        for k in range(min(len(last), len(subject)), 1, -1):
            at = last.find(subject[:k])
            if at > 0:
                return [p + subject for p in [*parts[:-1], last[:at]]]
        return None
    return None


def _counted_name(subject: str, m: NumberMention) -> str:
    """A count named for what it counts: 人次/场次 as written; people counted after a verb phrase are
    人数, or 人口 in tens of thousands (进城落户人口 1300万人)."""
    unit = m.unit
    if unit in ("人次", "场次", "户次") and not subject.endswith(unit):
        return subject + unit
    if unit == "场" and not subject.endswith("场次"):
        return subject + "场次"
    if unit in ("人", "名", "位") and not _PERSON_RE.search(subject):
        return subject + ("人口" if re.search(r"[万亿]", m.text) else "人数")
    if unit in AREA_UNITS and subject and not re.search(r"面积|规模|用地|耕地|农田|草原|林地|湿地", subject):
        return subject + "面积"  # 完成55万平方米旧有平房征收 -> 旧有平房征收面积
    return subject


def _name(subject: str, predicate: str, fall: bool, unit: str) -> str:
    if not predicate or predicate.startswith("占"):
        return subject + predicate
    if fall and unit in ("%", "百分点"):
        # a cut made (压减 5%) is named by its act, a fall that happened (下降 5%) is a 降幅
        return subject + (predicate[-2:] + "幅度" if predicate.endswith(("压减", "压缩", "削减")) else "降幅")
    if unit in MONEY_UNITS and predicate.endswith(("增加", "减少", "提高", "降低")):
        return subject + predicate + "额"  # 财政赤字增加额: the increment, not the deficit
    return subject + predicate


# --------------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------------


_CLAUSE_MARK_RE = re.compile("[（()）" + re.escape(CLAUSE_DELIMS) + "]")


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clause spans of a sentence. A comma or colon inside a parenthesis belongs to the aside, not to the
    sentence: 广义货币M2（注：M2为…）预期增长12% is one clause. (Only the delimiters and brackets are visited:
    a loop over every character was a tenth of binding's time.)"""
    out, at, depth = [], start, 0
    for mark in _CLAUSE_MARK_RE.finditer(text, start, end):
        i = mark.start()
        ch = text[i]
        if ch in "（(":
            if text.find(")", i, end) >= 0 or text.find("）", i, end) >= 0:  # an unclosed one is no aside
                depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append((at, i))
            at = i + 1
    out.append((at, end))
    return out


@dataclass
class _Sentence:
    """What a sentence's clauses carry to the next: the last subject the text wrote (an omitted subject
    is that one) and where it starts."""

    subject: str = ""
    subject_start: int = -1
    bound: Binding | None = None  # the last figure bound
    counted: str = ""  # the last counted noun (推荐申报xx家企业 -> 企业), for counts that omit it
    # the last figure-less clauses, whose object (继续实施退耕还林还草 -> 退耕还林还草) a figure with no subject
    # measures: read only when one needs it
    bare: list[tuple[int, int]] = dataclasses.field(default_factory=list)


@dataclass
class _Clause:
    """One clause being bound: its span, the sentence's start (for lists written in an earlier clause),
    the figures of a 分别 list paired with their items, and the figures of a figure-first list."""

    start: int
    end: int
    sentence_start: int
    paired: dict[int, tuple[str, bool]]
    split: _Parsed | None
    listed: set[int]


def bind_sentence(text: str, start: int, end: int, mentions: Sequence[NumberMention]) -> list[Binding]:
    """One binding per mention of ``mentions`` (those inside ``[start, end)``, in source order)."""
    inside = [m for m in mentions if start <= m.start and m.end <= end]
    out: list[Binding] = []
    state = _Sentence()
    for cs, ce in _clauses(text, start, end):
        ms = [m for m in inside if cs <= m.start < ce]
        if ms:
            out.extend(_bind_clause(text, start, cs, ce, ms, state))
        else:
            # A clause without a figure may still name the topic the next clauses measure:
            # 新农合参合率再创新高，达到98.5%; or the object they count: 继续实施退耕还林还草，今年拟安排500万亩.
            if not state.subject:
                state.subject, state.subject_start = _topic(text, cs, ce)
            state.bare.append((cs, ce))
    return out


def _bind_clause(
    text: str, sentence_start: int, cs: int, ce: int, ms: Sequence[NumberMention], state: _Sentence
) -> list[Binding]:
    """The bindings of one clause's mentions; junk mentions (a date, a year) do not cut the clause: they
    are part of the words before the next figure, and leads strip them."""
    reasons = [junk_reason(text, m, cs) for m in ms]
    figures = [m for m, reason in zip(ms, reasons, strict=True) if reason is None]
    paired, split = _pair_split(text, sentence_start, cs, ce, figures, state)
    clause = _Clause(cs, ce, sentence_start, paired, split, _figure_first_list(text, figures))
    out: list[Binding] = []
    prev: Binding | None = None  # the previous figure's binding in this clause
    prev_end = cs
    for m, reason in zip(ms, reasons, strict=True):
        if reason is not None:
            out.append(Binding(m, "", "", "", junk=reason))
            continue
        if m.start in paired and split is not None:
            subj, amb = paired[m.start]
            name = _name(subj, split.predicate, split.fall, m.unit)
            prev = Binding(m, subj, split.predicate, _tidy(name) or subj, split.base, amb, None, -1, False)
        elif prev is not None and _RANGE_GAP_RE.fullmatch(text[prev_end : m.start]):
            # "6.5%-7%", "3万至5万": the upper end of the previous figure's range, same indicator.
            prev = dataclasses.replace(prev, mention=m)
        else:
            prev = _bind_figure(text, m, clause, figures, prev, prev_end, state)
        out.append(prev)
        state.bound = prev
        prev_end = m.end
    return _list_head(text, out, ce)


def _pair_split(
    text: str, sentence_start: int, cs: int, ce: int, figures: Sequence[NumberMention], state: _Sentence
) -> tuple[dict[int, tuple[str, bool]], _Parsed | None]:
    """分别: the items before it pair with the figures after it (figure start -> item, unsure)."""
    split_at = text.find("分别", cs, ce)
    after = [m for m in figures if m.start > split_at] if split_at >= 0 else []
    if not after:
        return {}, None
    head = _parse_left(text, cs, split_at)
    pred = _parse_left(text, split_at + 2, after[0].start)
    items = _list_items(head.subject, len(after)) if head.subject else None
    if items is None and head.subject and len(after) > 1:
        items = _list_before(text[sentence_start:cs], head.subject, len(after))
    # "A、B和C分别…x、y": whether 和 joins two items or sits inside one, the text does not say.
    unsure = items is None or any(_LIST_SPLIT_RE.search(it) for it in items)
    paired = {m.start: (items[i] if items else (head.subject or state.subject), unsure) for i, m in enumerate(after)}
    if head.subject:
        state.subject, state.subject_start = head.subject, head.start
    return paired, pred


def _bind_figure(
    text: str,
    m: NumberMention,
    clause: _Clause,
    figures: Sequence[NumberMention],
    prev: Binding | None,
    prev_end: int,
    state: _Sentence,
) -> Binding:
    """A figure bound from the words before it (and, for a count after a bare verb, the noun after it)."""
    lo = prev_end
    if m.start in clause.listed and prev is not None and m is not figures[0]:
        # "5个A、10万亩B": the words since the previous figure are its counted noun.
        lo = m.start
    item = False  # the figure's words open an item of a 、 list whose first item came before
    if prev is not None and lo == prev_end:
        # "…4%左右安排、比上年提高1个百分点": what precedes the last 、 closes the previous item.
        sep = text.rfind("、", lo, m.start)
        lo, item = (sep + 1, True) if sep >= 0 else (lo, False)
    parsed = _parse_left(text, lo, m.start)
    counted = _counted_subject(text, m, clause, parsed)
    if counted is not None:
        subject, sstart = counted
        state.counted = _noun(subject)
        name = _counted_name(subject, m)
        if m.unit not in ("人", "名", "位", "人次", "场", "场次") and m.start not in clause.listed:
            name += "" if name.endswith(("任务", "问题")) else _count_suffix(m.unit)  # not 补植任务数
        b = _named(Binding(m, subject, parsed.predicate, name, parsed.base, False, None, sstart, False))
        return b
    list_verb = _list_verb(prev.subject) if item and prev is not None else ""
    b = _resolve_subject(text, m, clause, parsed, prev, prev_end, state, list_verb)
    if item and prev is not None and not b.inherited and _per_unit(prev.subject, b.subject) != b.subject:
        per = _per_unit(prev.subject, b.subject)
        b = dataclasses.replace(
            b, subject=per, name=per + b.name[len(b.subject) :] if b.name.startswith(b.subject) else b.name
        )
    own_verb = _VERB_LEAD_RE.match(b.subject) or _VERB_TRAIL_RE.search(b.subject)
    if list_verb and b.subject and not (b.inherited or own_verb or b.predicate):
        # An item of a list after a verb takes the verb the list opened with: 退出钢铁产能x吨、煤炭产能y吨
        # -> 退出煤炭产能 (an item with its own verb, 棚户区改造, keeps it).
        b = dataclasses.replace(b, subject=list_verb + b.subject, name=list_verb + b.name)
    if b.subject and not b.inherited:
        # A share stays a share for the clauses after it (…占GDP比重14.5%，同比下降3个百分点).
        share = b.predicate if b.predicate.startswith("占") else ""
        state.subject, state.subject_start = b.subject + share, b.subject_start
    return b


def _counted_subject(text: str, m: NumberMention, clause: _Clause, parsed: _Parsed) -> tuple[str, int] | None:
    """The counted noun after the measure word, when the words before the figure are only verbs (组织开展
    7场企业线上培训活动) or the figure opens an item of a figure-first list; None otherwise."""
    # Words before the figure that only modify the counted noun: a list of names (招引A、B、C 3家企业) or
    # a phrase closed by 的 (新开通至X的3条航线).
    modifier = text[m.start - 1 : m.start] == "、" or (
        m.unit in COUNT_UNITS and ("、" in parsed.subject or text[m.start - 1 : m.start] == "的")
    )
    # A subject that ends in its verb (对种粮农民一次性发放200亿元补贴): the noun after the figure is its object.
    trail = _VERB_TRAIL_RE.search(parsed.subject)
    object_after = (
        m.kind in ("money", "count")
        and not parsed.verb_only
        and trail is not None
        and _FUNCTION_WORDS_RE.fullmatch(trail.group()) is None
    )
    if not (parsed.verb_only or m.start in clause.listed or modifier or object_after):
        return None
    if parsed.subject in _SPENDING and m.kind == "money" and _purpose(text, m):
        return _purpose(text, m) + parsed.subject, m.end  # 投入x元用于农村饮水工程
    noun = _tidy(_counted(text, m, clause.end))
    if len(noun) < 2 or _PRED_START_RE.match(noun):
        return None
    if object_after and not modifier and m.start not in clause.listed:
        if noun in ("目标", "任务", "计划", "指标", "水平", "规模"):
            return None  # 扩招100万人目标: what the figure is, not what it counts
        return parsed.subject + noun, parsed.start
    if modifier and not (parsed.verb_only or m.start in clause.listed):
        if "、" not in parsed.subject and text[m.start - 1 : m.start] == "的":
            return parsed.subject + noun, parsed.start  # 重大水利工程已开工的57个项目: the phrase narrows the noun
        lead = _ACT_LEAD_RE.match(parsed.subject)
        verb = _GENERIC_VERB_RE.sub("", lead.group()) if lead else ""
        return (verb or _act_after(text, m, clause.end, noun)) + noun, m.end
    # Generic verbs (组织开展, 实现) say nothing of what is counted; a content verb (解决) does.
    verb = _GENERIC_VERB_RE.sub("", parsed.subject)
    noun = _narrowed(text, clause.sentence_start, m.start, noun)
    if not verb:
        return _act_after(text, m, clause.end, noun) + noun, m.end
    return (verb + noun if len(verb) <= 5 else noun), m.end


def _act_after(text: str, m: NumberMention, clause_end: int, noun: str) -> str:
    """What the units counted did, when the figure's clause says only that they were counted (组织A、B等3家企业)
    and the next clause of the sentence is that act, a content verb and its object (，申报省重点研发专项);
    '' otherwise."""
    if _tidy(text[m.end : clause_end]) != noun:
        return ""
    after = _NEXT_ACT_RE.match(text, clause_end)
    act = _tidy(after.group("act")) if after else ""
    if not _VERB_LEAD_RE.match(act) or _GENERIC_VERB_RE.match(act) or re.search(r"[\dxX×]", act):
        return ""
    return act if 4 <= len(act) <= 14 else ""


def _narrowed(text: str, start: int, end: int, noun: str) -> str:
    """A bare generic noun counted (企业, 项目, 团队) as the sentence wrote it earlier with its modifier:
    启动高新技术企业培育工作，…共推荐申报12家企业 counts 高新技术企业. The modifier is the run of words
    right before the noun's last earlier mention, without the verbs and time words that open it; a
    mention right after a count (57个项目) or a verb alone (组织企业) narrows nothing, unless the count
    follows a phrase closed by 的 whose noun is the owner (重大水利工程已开工的57个项目 -> 重大水利工程)."""
    if len(noun) != 2:
        return noun
    at = text.rfind(noun, start, end)
    owned = _OWNED_COUNT_RE.search(text[start:at]) if at > start else None
    run = re.search(r"[\u4e00-\u9fff]{2,12}$", text[start : start + owned.start()]) if owned else None
    owner = _strip_lead(run.group()) if run else ""
    if 2 <= len(owner) <= 8 and not _VERB_LEAD_RE.match(owner):
        return owner + noun
    run = re.search(r"[\u4e00-\u9fff]{1,12}$", text[start:at]) if at > start else None
    if run is None:
        return noun
    words = _ACT_LEAD_RE.sub("", _strip_lead(run.group()))
    words = re.sub(r"^(?:年度|年)", "", words)
    if not 2 <= len(words) <= 8 or words[-1] in COUNT_UNITS or re.search(r"[的和与及或、]", words):
        return noun
    return words + noun


@dataclass
class _Reading:
    """A figure's reading while its subject is settled: what it measures, whether that came from an
    earlier figure or clause, where it starts, and what makes the figure a rate or change."""

    subject: str
    predicate: str
    start: int
    fall: bool
    inherited: bool = False
    ambiguous: bool = False


def _resolve_subject(
    text: str,
    m: NumberMention,
    clause: _Clause,
    parsed: _Parsed,
    prev: Binding | None,
    prev_end: int,
    state: _Sentence,
    list_verb: str = "",
) -> Binding:
    """A figure's subject when the words before it are the indicator, or say nothing and leave it to the
    previous figure or clause (an omitted subject), or name a part (其中A) or a bare head (投资)."""
    r = _Reading(parsed.subject, parsed.predicate, parsed.start, parsed.fall)
    if not r.subject or parsed.verb_only:
        _omitted(text, m, parsed, prev, state, r, clause)
    else:
        _qualify(text, m, clause, parsed, prev, prev_end, state, list_verb, r)
        if m.kind == "money" and _SUBSIDY_END_RE.search(r.subject) and _PER_HEAD_RE.search(text, parsed.start, m.start):
            # "财政补助由每人每年380元提高到420元": a subsidy paid per head is its standard.
            r.subject += "标准"
    _rate(text, m, clause, r)
    if r.subject and not r.predicate and m.unit in COUNT_UNITS and text[m.start - 1 : m.start] in ("到", "至"):
        # "试点扩大到1000个县": the count reached is of the noun after its measure word.
        noun = _counted(text, m, clause.end)
        if 1 <= len(noun) <= 3 and m.end + len(noun) == clause.end and not r.subject.endswith(noun):
            r.subject += noun
    name = _name(r.subject, r.predicate, r.fall, m.unit)
    if not r.predicate and (r.subject or not r.ambiguous):
        name = _counted_name(name, m)
        if m.unit == "%" and r.subject and not _RATIO_WORD_RE.search(r.subject):
            name += "比例"  # a per cent that is no change is a ratio (企业研发费用加计扣除75%)
    b = Binding(m, r.subject, r.predicate, name, parsed.base, r.ambiguous, None, r.start, r.inherited)
    return _named(b)


def _omitted(
    text: str,
    m: NumberMention,
    parsed: _Parsed,
    prev: Binding | None,
    state: _Sentence,
    r: _Reading,
    clause: _Clause,
) -> None:
    """No subject, or only verbs: the indicator is the previous figure's, what the same verb took earlier in
    the sentence, the sentence's last subject (with this clause's verb), or the noun counted before; else
    the text does not say."""
    clause_end = clause.end
    verb = _GENERIC_VERB_RE.sub("", r.subject) if r.subject else ""
    if _ADVERB_RE.fullmatch(verb):
        # 基本完成: the verb was taken off as a link; the adverb alone says nothing of what was done.
        verb = _tidy(text[parsed.start : m.start])
    share = _share_of(text, m, clause_end) if not r.subject else ""
    if share:
        # "71%的煤电机组实现超低排放": the per cent is of the units named after it.
        r.subject, r.start = share, m.end + 1
    elif prev is not None and not r.subject and prev.subject:
        # "由x提高到y", "x，增长y": the previous figure's indicator (a share stays a share).
        r.subject, r.inherited, r.start = prev.subject, True, prev.subject_start
        if not r.predicate and prev.predicate.startswith("占"):
            r.predicate = prev.predicate
    elif verb and (taken := _taken_before(text, clause.sentence_start, clause.start, verb)):
        # "…拟连续几年发行超长期特别国债，…，今年先发行1万亿元": what the same verb took earlier.
        r.subject, r.inherited = taken, True
    elif (near := _nearer(text, state))[0]:
        # "以…为目标，加大保障性安居工程建设力度，今年新开工700万套": the clause nearest the figure names what
        # it measures, not the sentence's opening words.
        r.subject, r.inherited, r.start = _with_verb(near[0], verb), True, near[1]
    elif state.subject:
        subject = state.subject
        if m.unit == "%" and r.predicate and "占" in subject[1:]:
            # "…占销售收入3.6%，较去年同期增长15%": a per cent growth is the level's (a share moves in 百分点).
            subject = subject[: subject.index("占", 1)]
        r.subject, r.inherited, r.start = _with_verb(subject, verb), True, state.subject_start
    elif state.counted and verb:
        # "推荐申报xx家企业，其中新认定x家": the count omits the noun counted before it.
        r.subject, r.inherited = verb + state.counted, True
    elif not r.subject and (topic := _last_object(text, state.bare)):
        # "继续实施退耕还林还草，今年拟安排500万亩": the object of the clause before.
        r.subject, r.inherited = topic, True
    else:
        r.ambiguous = True


def _qualify(
    text: str,
    m: NumberMention,
    clause: _Clause,
    parsed: _Parsed,
    prev: Binding | None,
    prev_end: int,
    state: _Sentence,
    list_verb: str,
    r: _Reading,
) -> None:
    """A subject the text writes, completed from the sentence where it is only part of the indicator."""
    subject = r.subject
    if text[prev_end : prev_end + 2] == "其中" or text[clause.start : clause.start + 2] == "其中":
        r.subject = _part_of(subject, state.subject)
    elif subject.startswith("占"):
        # "x亿元，占地方财政总支出的47.5%": the share of the figure before it (its indicator omitted);
        # without one, a share of something the text does not name as an indicator.
        owner = prev or state.bound
        raw = text[parsed.start : m.start] if parsed.start >= 0 else subject
        # (a change of a share keeps its change: 占国际市场份额比2007年提高2个百分点)
        r.predicate = _share_predicate(raw if _TASK_SHARE_RE.match(raw) else subject) + r.predicate
        if owner is not None and owner.subject and not owner.predicate and not _is_rate(owner.mention):
            r.subject, r.inherited, r.start = owner.subject, True, owner.subject_start
        else:
            r.subject, r.ambiguous = "", True
    elif subject in _SPENDING and m.kind == "money" and _purpose(text, m):
        # "投资1.3亿元实施自来水管网改造工程": an investment is named for what it is spent on.
        r.subject = _purpose(text, m) + subject
    elif _FUND_RE.search(subject) and m.kind == "money" and (use := _purpose(text, m, funded=True)):
        # "安排超长期特别国债3000亿元支持消费品以旧换新": a fund is named for what the sum of it supports
        # (after the verb it opens with: 发行棚户区改造专项债券).
        at = lead.end() if (lead := _ACT_LEAD_RE.match(subject)) and lead.end() < len(subject) else 0
        r.subject = subject[:at] + use + subject[at:]
    elif _SCHEME_ATTRIBUTE_RE.fullmatch(subject) and state.bound is None and (scheme := _scheme(text, state.bare)):
        # "完善城乡居民基本医保，财政补助标准由320元提高到380元": the subsidy of the scheme the clause before
        # names (a subsidy or a co-payment alone says nothing of whose it is).
        r.subject = scheme + subject
    elif _ACT_FIELD_RE.match(subject) and (spent_on := _sum_owner(state.subject)):
        # "铁路投资保持在8000亿元，新投产里程8000公里": the field of what the sum before is spent on.
        r.subject = spent_on + subject
    elif subject in _CITY_COUNTRY[1] and (whole := _town_or_country(state.subject)):
        # "城乡低保标准逐年提高，城镇年人均提高600元，农村…": the town (country) part of the indicator.
        r.subject = state.subject.replace(whole, subject, 1)
    elif len(subject) <= 4 and not _VERB_LEAD_RE.match(subject) and (verb := _counted_alike(m, state.bound)):
        # "新增蔬菜大棚2500座，温室320座": a bare noun counted as the figure before, which opened with a verb, is
        # the next thing that verb counts, not a head of it.
        r.subject = verb + subject
    elif len(subject) <= 2 and state.subject and not list_verb and not _parallel(prev):
        # A bare head (投资, 税率) names the previous subject's: 商贸类项目11个，完成投资10.2亿元 (after a
        # bare item or an intensity it is the next item: 小麦x吨、玉米y吨; 单位GDP用水量x%、能耗y%).
        r.subject = _fused(_noun(state.subject), subject)
    elif not r.predicate and "占" in subject[1:] and _is_rate(m) and _SHARE_TAIL_RE.search(subject):
        # "企业研发经费投入占销售收入3.6%": a share written without 比重.
        at = subject.index("占", 1)
        r.subject, r.predicate = subject[:at], _share_predicate(subject[at:])
        if len(r.subject) <= 2 and state.subject:
            r.subject = _noun(state.subject) + r.subject  # 总量占比: the previous indicator's total


def _rate(text: str, m: NumberMention, clause: _Clause, r: _Reading) -> None:
    """A per cent whose change verb comes before what changes, or whose act comes after it."""
    verb_first = _VERB_FIRST_RE.match(r.subject) if not (r.predicate or r.inherited) and _is_rate(m) else None
    if verb_first is not None:
        # "降低工商业电价5%": a rate whose change verb comes before what changes; "降低X至16%": the level.
        level = text[m.start - 1 : m.start] in ("至", "到", "为")
        r.subject, r.predicate = verb_first.group("what"), "" if level else verb_first.group("verb")
        r.fall = _FALL_RE.search(r.predicate) is not None
    done = _RATE_OF_RE.match(text, m.end, clause.end) if m.unit == "%" and r.subject and not r.predicate else None
    if done is not None:
        # "规上高新技术企业100%复工": the share of the subject that did it, a rate (复工率).
        r.predicate = done.group("verb") + "率"


def _list_head(text: str, out: list[Binding], clause_end: int) -> list[Binding]:
    """A list of figures closed by 等 and a noun (钢铁x吨、水泥y吨等落后产能) names each item with that noun
    (钢铁落后产能, 水泥落后产能): the noun after 等 is what every item is a kind of."""
    items = [b for b in out if b.junk is None]
    if len(items) < 2 or any(_is_rate(b.mention) for b in items):
        return out
    last = items[-1].mention
    tail = re.match(r"(?:以上|左右|多)?等", text[last.end : clause_end])
    if tail is None:
        return out
    rest = text[last.end + tail.end() : clause_end]
    cut = _COUNTED_STOP_RE.search(rest)
    noun = rest[: cut.start()] if cut else rest
    cut = _TOPIC_END_RE.search(noun)
    noun = _tidy(noun[: cut.start()] if cut else noun)
    run = [items[-1]]
    for a, b in itertools.pairwise(reversed(items)):
        between = text[b.mention.end : a.mention.start]
        if "、" not in between or _CLAUSE_PUNCT_RE.search(between):
            break
        run.append(b)
    if not 2 <= len(noun) <= 8 or len(run) < 2 or _PRED_START_RE.match(noun):
        return out
    named = {id(b): dataclasses.replace(b, name=b.name + noun) for b in run if not b.name.endswith(noun)}
    return [named.get(id(b), b) for b in out]


def _counted_alike(m: NumberMention, before: Binding | None) -> str:
    """The verb the figure before opened with, when that figure is a level counted in the same measure word
    (新增蔬菜大棚2500座 before 温室320座): two things the verb counts alike ('' otherwise)."""
    if before is None or m.unit not in COUNT_UNITS or before.mention.unit != m.unit or before.predicate:
        return ""
    return _list_verb(before.subject)


def _list_verb(first: str) -> str:
    """The content verb a list's first item opens with (退出 in 退出钢铁产能), which the later items share;
    '' for none or a generic verb (完成, 推进 say nothing of what is done)."""
    lead = _VERB_LEAD_RE.match(first)
    verb = _GENERIC_VERB_RE.sub("", lead.group()) if lead and lead.end() < len(first) else ""
    return "" if _ADVERB_RE.fullmatch(verb) else verb


def _purpose(text: str, m: NumberMention, funded: bool = False) -> str:
    """What a sum is spent on, written after it in its sentence (…亿元，实施重点农牧业项目33个 -> 重点农牧业项目);
    '' when the text does not say. A sum of a fund (``funded``) is spent on what 用于/支持 says right after
    it, in the same clause."""
    found = _PURPOSE_RE.match(text, m.end)
    if found is None or (funded and not re.match(r"(?:左右|以上|多)?(?:用于|支持)", found.group())):
        return ""
    return _tidy(found.group("what"))


def _share_of(text: str, m: NumberMention, clause_end: int) -> str:
    """The units a per cent written first is a share of, and what they do (90%以上的政务服务实现网上可办 ->
    政务服务实现网上可办)."""
    if m.unit != "%" or text[m.end : m.end + 1] != "的":
        return ""
    rest = text[m.end + 1 : clause_end]
    cut = re.search(r"[，,；;。：:、（(）)\s]", rest)
    noun = _tidy(rest[: cut.start()] if cut else rest)
    if re.match(r"速度|增速|增长|幅度|水平|比例|比重", noun):
        return ""  # 7%左右的速度: a rate of something else, not a share of units
    return noun if 2 <= len(noun) <= 20 else ""


def _town_or_country(subject: str) -> str:
    """The 城乡/城镇/农村 a subject is qualified by ('' for none)."""
    return next((w for w in (_CITY_COUNTRY[0], *_CITY_COUNTRY[1]) if w in subject), "")


def _share_predicate(share: str) -> str:
    """What a share written from 占 measures: a share of a task or target is its completion rate
    (占全年任务66.66% -> 全年任务完成率); any other share is a 比重 unless the text says 比例/比重/份额."""
    task = _TASK_SHARE_RE.match(share)
    if task is not None:
        return task.group("of") + task.group("task") + "完成率"
    share = _strip_links(share)
    if share == "占":
        return "占比"  # 转移支付占70%左右: a share of what the sentence said before
    return share if _SHARE_RE.search(share) or share.endswith("占比") else share + "比重"


def _named(b: Binding) -> Binding:
    """The binding with its name tidied; a binding left without a name is ambiguous and shows its
    predicate or its figure."""
    name = _tidy(b.name)
    if name == b.name and name:
        return b
    if name:
        return dataclasses.replace(b, name=name)
    return dataclasses.replace(b, name=_tidy(b.predicate) or b.mention.text, ambiguous=True)


def _figure_first_list(text: str, figures: Sequence[NumberMention]) -> set[int]:
    """Starts of figures in a list written figure first ("5个奶牛养殖场、10万亩种薯基地和350万株花卉"):
    each is followed by its noun and a list separator, then the next figure."""
    out: set[int] = set()
    for a, b in itertools.pairwise(figures):
        between = text[a.end : b.start]
        if 2 <= len(between) <= 24 and _LIST_TAIL_RE.search(between) and not _CLAUSE_PUNCT_RE.search(between):
            out.update((a.start, b.start))
    return out


def _with_verb(subject: str, verb: str) -> str:
    """The last subject with this clause's verb in place of its own: 城镇保障性住房基本建成 + 新开工 ->
    城镇保障性住房新开工; 申报高新技术企业 + 认定 -> 认定高新技术企业."""
    if not verb or verb in subject:
        return subject
    if (fused := _fused(subject, verb)) != subject + verb:
        return fused
    lead = _VERB_LEAD_RE.match(subject)
    if lead and lead.end() < len(subject):
        return verb + subject[lead.end() :]
    trail = _VERB_TRAIL_RE.search(subject)
    if trail and trail.start() > 0:
        return subject[: trail.start()] + verb
    return subject + verb


def _fused(subject: str, verb: str) -> str:
    """subject + verb, where a two-character verb that carries the subject's head in its second character
    replaces it: 粮食产量 + 增产 -> 粮食增产, 农民收入 + 增收 -> 农民增收 (not 粮食产量增产)."""
    if len(verb) == 2 and len(subject) > 3 and subject[-2] == verb[1] and subject[-2:] in _ACT_OWN_HEADS:
        return subject[:-2] + verb
    return subject + verb


def _noun(subject: str) -> str:
    """A subject without the verbs around its noun: 新建、续建商贸类项目 -> 商贸类项目."""
    lead = _VERB_LEAD_RE.match(subject.replace("、", ""))
    noun = subject.replace("、", "")[lead.end() :] if lead else subject
    trail = _VERB_TRAIL_RE.search(noun)
    if trail and trail.start() > 0:
        noun = noun[: trail.start()]
    noun = re.sub(r"(?<=.)(?:增速|增幅|增长率|涨幅|降幅)$", "", noun)  # 增加值增速 -> 增加值 (its total, its share)
    return noun or subject


def _topic(text: str, start: int, end: int) -> tuple[str, int]:
    """The noun phrase a figure-less clause opens with, up to its first predicate word ('' when none or
    when it is not short enough to be an indicator)."""
    body = _strip_lead(text[start:end].strip())
    changed = _CHANGED_RE.match(body)
    if changed is not None:
        # "下调城镇职工基本养老保险单位缴费比例，各地可降至16%": the rate the clause changes.
        return changed.group("what"), end - len(body) + changed.start("what")
    cut = _TOPIC_END_RE.search(body)
    topic = _tidy(body[: cut.start()] if cut else "")
    if 2 <= len(topic) <= 14 and not _VERB_LEAD_RE.match(topic):
        return topic, end - len(body) + body.find(topic)
    return "", -1


def _taken_before(text: str, start: int, end: int, verb: str) -> str:
    """The object the verb (without its adverbs) took where the sentence wrote it before (发行超长期特别国债 ->
    超长期特别国债); '' when it did not, or took a figure or no short noun."""
    verb = re.sub(f"^(?:{_VERB_ADVERBS})+", "", verb)
    at = text.rfind(verb, start, end) if len(verb) >= 2 else -1
    if at < 0:
        return ""
    rest = text[at + len(verb) : end]
    cut = _COUNTED_STOP_RE.search(rest)
    obj = _tidy(rest[: cut.start()] if cut else rest)
    if _MANNER_RE.search(obj) or re.search(r"[\dxX×]", obj) or _PRED_START_RE.match(obj):
        return ""  # 加快发行进度: how the act goes, not what it takes
    return obj if 2 <= len(obj) <= 12 else ""


def _nearer(text: str, state: _Sentence) -> tuple[str, int]:
    """The subject of the figure-less clause nearest the figure among those written after the sentence's
    opening topic: the topic it opens with, or the X of a 加大X建设力度 frame ('' when none of them names one,
    or when a figure was bound before: the subject a figure set is what the sentence is about —
    规上高新技术企业100%复工，产能不断提升，…占GDP比重将达14.5% is not 产能's share)."""
    if state.bound is not None:
        return "", -1
    anchor = state.subject_start
    for cs, ce in reversed(state.bare):
        if cs <= anchor:
            break
        framed = _FRAME_RE.match(_strip_lead(text[cs:ce].strip()))
        if framed is not None and 2 <= len(what := _tidy(framed.group("what"))) <= 14:
            return what, text.find(what, cs, ce)
        topic = _topic(text, cs, ce)
        if topic[0]:
            return topic
    return "", -1


def _last_object(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The object of the last figure-less clause that is a verb and its object ('' for none)."""
    return next((obj for cs, ce in reversed(spans) if (obj := _object(text, cs, ce))), "")


def _object(text: str, start: int, end: int) -> str:
    """The object of a figure-less clause that is a verb and its object (继续实施退耕还林还草 -> 退耕还林还草):
    what a next figure without any subject measures ('' when the clause is not that shape)."""
    body = re.sub(r"^(?:继续|进一步|大力|加快|全面|积极|深入)+", "", _strip_lead(text[start:end].strip()))
    verb = _VERB_LEAD_RE.match(body)
    obj = _tidy(body[verb.end() :]) if verb else ""
    if 2 <= len(obj) <= 10 and not _TOPIC_END_RE.search(obj) and not _VERB_LEAD_RE.match(obj):
        return obj
    return ""


def _scheme(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The scheme the figure-less clause right before names by a verb and its object (完善城乡居民基本医保
    -> 城乡居民基本医保; 落实大病保险制度 -> 大病保险), whose subsidy or co-payment the next figure is ('' when
    that clause is not that shape)."""
    if not spans:
        return ""
    start, end = spans[-1]
    body = _strip_lead(text[start:end].strip())
    verb = _SCHEME_VERB_RE.match(body) or _VERB_LEAD_RE.match(body)
    obj = re.sub(r"(?:制度|体系|工作)$", "", _tidy(body[verb.end() :])) if verb else ""
    return obj if 2 <= len(obj) <= 12 and not re.search(r"[\d，,、的]", obj) else ""


def _sum_owner(subject: str) -> str:
    """What a sum is spent on, as its subject writes it before the head (铁路投资 -> 铁路, 农村电网改造资金
    -> 农村电网改造); '' when the subject is no such sum or names no owner."""
    head = _OWNED_SUM_RE.search(subject)
    owner = subject[: head.start()] if head else ""
    return owner if 2 <= len(owner) <= 8 and not _VERB_LEAD_RE.match(owner) else ""


def _part_of(part: str, whole: str) -> str:
    """``其中高速铁路`` under 铁路营业里程 -> 高速铁路营业里程: the part keeps the whole's head, and the
    whole's modifier before the words they share (新增铁路里程, 其中高速铁路 -> 新增高速铁路里程)."""
    if not whole or part in whole or whole in part:
        return part
    for k in range(min(len(part), len(whole)) - 1, 1, -1):
        at = whole.find(part[-k:])
        if at >= 0 and at + k < len(whole):
            return whole[:at] + part + whole[at + k :]
    return part


def sentences(text: str, start: int = 0, end: int | None = None) -> Iterable[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``."""
    end = len(text) if end is None else end
    for s in SENTENCE_RE.finditer(text, start, end):
        yield s.start(), s.end()


def bind(text: str, mentions: Sequence[NumberMention], start: int = 0, end: int | None = None) -> list[Binding]:
    """Bindings for every mention in ``text[start:end]``, sentence by sentence, in source order."""
    end = len(text) if end is None else end
    ordered = sorted((m for m in mentions if start <= m.start < end), key=lambda m: m.start)
    out: list[Binding] = []
    i = 0
    for ss, se in sentences(text, start, end):
        group = []
        while i < len(ordered) and ordered[i].start < se:
            if ordered[i].start >= ss:
                group.append(ordered[i])
            i += 1
        if group:
            out.extend(bind_sentence(text, ss, max(se, max(m.end for m in group)), group))
    return out


@lru_cache(maxsize=2048)
def bind_alone(sentence: str, mentions: tuple[NumberMention, ...]) -> tuple[Binding, ...]:
    """``bind`` of one sentence read as a text of its own (``mentions`` counted from its first character),
    memoized on the sentence and its mentions.

    Why a memo on the sentence's text rather than bindings computed once per document and handed down: the
    two readers of a sentence work in different coordinates on different strings. The grounding validator
    (``models.binding_problem``) sees a quote's sentence inside a chunk without whitespace, in a request's
    thread, with no document at hand; verification sees the same sentence inside the cleaned document. The
    sentence's characters and figures are what they share (89% of the sentences verification binds were
    bound by the same document's validator, on bench_llm's varied copies), so that is the key, and each
    caller shifts the bindings to its own offsets.

    A sentence read alone binds as it does inside its text: a sentence ends at a delimiter and the grammar
    reads no further than a clause, so verification's bindings are what binding in place gives on every
    sentence of the test reports (tests/test_shared_bindings.py). Where the in-place reading looked across
    the sentence's start or end (a 届 up to 8 characters back, a sum's purpose past an ASCII ?/!), it read
    another sentence's words, which the sentence alone does not.

    Bounded: ~1.7 KB per entry with its key (measured on the test reports), ~3.5 MB at most; 2,048
    sentences cover what 16 documents in flight quote between one document's validation and its
    verification (~19 sentences per document on the varied copies)."""
    return tuple(bind(sentence, mentions))


# --------------------------------------------------------------------------------------------------
# Whose figure is it: a metric's name against the bindings of its evidence
# --------------------------------------------------------------------------------------------------

_NAME_PUNCT_RE = re.compile(r"[\s\"'“”‘’《》〈〉「」『』()（）\[\]【】,，。.、:：;；!！?？·•…—\-–~～/]+")
_NAME_GROWTH_RE = re.compile(r"(?:同比|比上年|较上年|年均|实际)?(?:增速|增长率|增幅|增长|涨幅|上涨|提高|增加)")
_NAME_SCOPE_RE = re.compile(r"^(?:全年|全市|全县|全区|全省|全国|今年|去年|上半年|下半年|当年|其中|实现|完成)+")
# Modifiers that flip what is measured: a name with one side never denotes a figure bound to the other.
NAME_CONTRASTS: tuple[tuple[str, str], ...] = (
    ("城镇", "农村"),
    ("城市", "农村"),
    ("出口", "进口"),
    ("中央", "地方"),
    ("上半年", "下半年"),
    ("收入", "支出"),
    ("增长", "下降"),
)
# A name clearly another figure's: at least this alike to that figure's binding, and by this margin more than
# to its own (measured on the corpus's correct metrics: bench/bench_verify.py).
MISATTRIBUTION_FLOOR = 0.6
MISATTRIBUTION_MARGIN = 0.2
_RATE_NAME_RE = re.compile(r"增速|增长率|增幅|涨幅|降幅|比重|占比|率|增长$|下降$|提高$")
# A name that says its figure is a change or a rate (增加额, 增长, 下降, 比重), where a level's name says none.
_CHANGE_NAME_RE = re.compile(r"增长|下降|增加|减少|提高|降低|上升|增量|比重|占比|率")
_DIGIT_RE = re.compile(r"\d")


_NAME_FALL_RE = re.compile(r"(?:同比|比上年|较上年|年均)?(?:降幅|跌幅|下降|下跌|降低|减少|回落)")


# Memoized: validation and verification compare every metric's name with every figure's binding in its sentence,
# a few names over and over (four regex passes each, a third of a misattribution check's time).
@lru_cache(maxsize=8192)
def _name_form(name: str) -> str:
    text = _NAME_PUNCT_RE.sub("", name).upper()
    text = _NAME_GROWTH_RE.sub("增长", text)
    text = _NAME_FALL_RE.sub("下降", text)
    return _NAME_SCOPE_RE.sub("", text)


@lru_cache(maxsize=8192)
def _name_pairs(form: str) -> frozenset[str]:
    return frozenset(form[i : i + 2] for i in range(len(form) - 1)) or frozenset((form,))


def name_similarity(a: str, b: str) -> float:
    """How alike two indicator names are: the Dice coefficient of their character pairs after both are
    written one way (punctuation, growth words, scope words), and 0 when a contrasting modifier differs
    (城镇 vs 农村, 出口 vs 进口, 增长 vs 下降)."""
    x, y = _name_form(a), _name_form(b)
    if not x or not y:
        return 0.0
    for p, q in NAME_CONTRASTS:
        if (p in x and q in y and p not in y) or (q in x and p in y and q not in y):
            return 0.0
    if x == y:
        return 1.0
    gx, gy = _name_pairs(x), _name_pairs(y)
    return 2 * len(gx & gy) / (len(gx) + len(gy))


def _is_rate(m: NumberMention) -> bool:
    return m.unit in ("%", "‰", "百分点")


def has_rival(mentions: Iterable[NumberMention]) -> bool:
    """Whether a figure among ``mentions`` (those of one quote) could be taken for another's: there must be two
    that are not junk by their kind. ``misattribution`` and verification's ambiguity need a rival binding, which
    is never junk, so with fewer the sentence need not be bound at all (most quotes hold one figure)."""
    return sum(m.kind not in JUNK_KINDS for m in mentions) >= 2


def misattribution(name: str, own: Binding, others: Sequence[Binding]) -> Binding | None:
    """The binding of another figure of the same evidence that ``name`` denotes clearly better than the
    indicator its own figure is bound to, or None. Two cases, both from what the text binds:

    * a figure of the same kind (a unit it could share): "农村常住居民人均可支配收入" given 37820 where the text
      says 城乡…分别完成37820元、28104元 (the name must be at least ``MISATTRIBUTION_FLOOR`` alike to the
      other figure's binding and ``MISATTRIBUTION_MARGIN`` more than to its own);
    * a level and its rate or change swapped: a rate's or change's name (增长, 比重, 率, 增加额) on the level
      while the figure beside it is bound to that name, or a level's name on the rate or change
      (地区生产总值增长 given 235.2亿元 where the growth is 18.5%; 专项债券增加额 given 3.9万亿元 where the
      increase is 1000亿元).

    A binding whose name holds a figure is no rival: the reading of that clause failed."""
    if own.junk or not own.name:
        return None
    mine = name_similarity(name, own.name)
    name_rate = _RATE_NAME_RE.search(_name_form(name)) is not None
    name_change = _CHANGE_NAME_RE.search(_name_form(name)) is not None
    best: Binding | None = None
    best_score = 0.0
    for b in others:
        if b is own or b.junk or not b.name or b.name == own.name or _DIGIT_RE.search(b.name):
            continue
        score = name_similarity(name, b.name)
        if score < MISATTRIBUTION_FLOOR:
            continue
        same_kind = units_compatible(b.mention, own.mention, ordinals_apart=False)
        # A level and its change or rate swapped: the name says change where its figure is the level and
        # the change beside it is bound to that name (专项债券3.9万亿元、比上年增加1000亿元), or the reverse.
        swapped = _is_rate(b.mention) == name_rate != _is_rate(own.mention) or (
            bool(b.predicate) == name_change != bool(own.predicate)
        )
        clearly = (same_kind and score > mine + MISATTRIBUTION_MARGIN) or (swapped and score >= mine)
        if clearly and score > best_score:
            best, best_score = b, score
    return best
