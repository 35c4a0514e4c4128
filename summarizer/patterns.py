"""The cleaning pattern table: what scraped-report chrome looks like, kept as data (trafilatura-style).

``clean`` compiles these once; adding a site's quirk means adding a row here, not code. Every row names
what it targets and why it cannot eat body text. All patterns see the text *after* full-width ASCII
folding, t2s conversion and whitespace normalisation (lines stripped, runs of spaces collapsed), so they
are written in simplified Chinese with ASCII digits/letters and single spaces.

Two kinds of row:

* ``line``: the regex must match a whole line (it is compiled with ``^...$`` and MULTILINE); the line
  and its newline are dropped.
* ``inline``: the match itself is deleted, wherever it stands in a line.
* ``sentence``: the match marks a notice; the deletion runs from the start of the sentence holding it
  (after the previous 。！？ or space, at most ``SENTENCE_BACK`` characters back) to the end of the line.
  (A regex with a bounded look-back prefix does the same but costs ~40 steps at every position.)

The main guard against eating body text is shape: chrome lines are short, carry no sentence-ending
punctuation (。！？) and consist of a label or UI words; body sentences are long and end in 。.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Rule:
    name: str
    kind: Literal["line", "inline", "sentence"]
    pattern: str
    why: str


# A piece of a line that contains no sentence end: chrome never states a full sentence before its
# label, and body text almost always does within a few dozen characters.
_NOEND = r"[^\n。！？!?]"


def _spaced(word: str) -> str:
    """Government sites pad labels to equal width: "文  号", "名   称" (spaces collapsed to one by then)."""
    return " ?".join(word)


# Government open-information ("政府信息公开") metadata table labels.
GOV_METADATA_KEYS: tuple[str, ...] = (
    "索引号", "文号", "发文字号", "主题分类", "体裁分类", "组配分类", "信息分类", "服务对象", "发文单位",
    "发文机关", "发布机构", "发布单位", "成文日期", "发布日期", "发文日期", "生效日期", "废止日期", "有效性",
    "效力状态", "名称", "标题", "主题词", "关键词", "公开方式", "公开范围", "公开时限", "公开形式",
    "生成日期", "信息来源", "统一编号", "所属机构", "所属主题", "内容概述",
)  # fmt: skip

# Document-download and news sites' per-file metadata labels.
SITE_METADATA_KEYS: tuple[str, ...] = (
    "ID", "大小", "页数", "时间", "格式", "上传时间", "上传者", "上传人", "贡献者", "文档大小", "文件大小",
    "文档格式", "文件格式", "下载次数", "下载量", "浏览次数", "浏览量", "浏览", "阅读量", "阅读数", "阅读",
    "点击数", "点击量", "点击", "字数", "发布时间", "更新时间", "发布者", "发布人", "来源", "文章来源",
    "作者", "责任编辑", "编辑", "分类", "所属分类", "栏目", "所属栏目", "评论", "收藏", "字号",
    "文档分类", "文档页数", "价格", "下载券", "积分",
)  # fmt: skip

# Footer labels of article pages: the page's own title/URL repeated, prev/next links, recommendations.
FOOTER_KEYS: tuple[str, ...] = (
    "本文标题", "本文链接", "链接地址", "原文链接", "原文地址", "本文地址", "文章链接", "文章地址",
    "转载请注明", "转载请保留", "上一篇", "下一篇", "上一篇文章", "下一篇文章", "上一篇文档", "下一篇文档",
    "相关推荐", "相关文章", "相关阅读", "热门推荐", "推荐阅读", "猜你喜欢", "延伸阅读", "最新文章",
    "热门文章", "精品推荐", "相关搜索", "相关文档", "推荐文档", "热门标签", "标签", "TAG", "Tags",
)  # fmt: skip

# UI words that make up preview/download/toolbar lines. A line made only of these is never a sentence.
# Strong words name a download/preview/page action and may stand alone on a line. Weak words are also
# ordinary nouns that a Word table cell may hold on its own ('微信', '中', '首页'), so they count only
# when the line holds at least two UI words ('收藏 分享 举报').
UI_STRONG: tuple[str, ...] = (
    "全文阅读已结束", "阅读已结束", "预览已结束", "下载本文档", "下载此文档", "下载文档", "点击下载",
    "立即下载", "免费下载", "直接下载", "文档下载", "本文下载", "下载全文", "下载", "在线预览", "全文预览",
    "预览", "继续阅读", "展开阅读全文", "阅读全文", "展开全文", "查看全文", "收起全文", "收藏本文",
    "打印本页", "打印本文", "关闭窗口", "关闭本页", "返回顶部", "返回列表", "返回首页", "加入收藏",
    "设为首页", "复制链接", "在手机上打开", "分享到", "字号 ?[:：]? ?大 ?中 ?小",
)  # fmt: skip
UI_WEAK: tuple[str, ...] = (
    "收藏", "分享", "举报", "打印", "关闭", "返回", "上一页", "下一页", "首页", "尾页", "纠错", "保存",
    "默认", "微信", "微博", "QQ空间", "扫一扫", "手机版", "电脑版", "VIP", "会员", "评论", "点赞",
)  # fmt: skip

# Words that mark a line as download-site boilerplate (used for 温馨提示 lists).
SITE_VOCAB: tuple[str, ...] = (
    "下载", "上传", "文档", "版权", "预览", "侵权", "本站", "网站", "积分", "客服", "浏览器", "付费",
    "会员", "下载券", "举报", "投诉",
)  # fmt: skip

# Phrases that only occur in copyright/takedown notices; the notice runs to the end of its line.
NOTICE_PHRASES: tuple[str, ...] = (
    "如有侵权", "若有侵权", "若侵犯了您", "如侵犯了您", "若侵犯您", "如侵犯您", "侵权请联系", "联系删除",
    "版权归原作者", "版权归原创作者", "版权归属原作者", "版权属于原作者", "图文来源网络", "本文来源于网络",
    "本文来自网络", "转载自网络",
)  # fmt: skip

SENTENCE_BACK = 40

# Labels of download-site abstracts. The abstract is usually a truncated copy of the document's
# opening; ``clean`` drops the label always, and the abstract only when it is found again later in the
# text (so a description that is the only copy of some text is kept).
DESCRIPTION_LABELS: tuple[str, ...] = ("资源描述", "文档描述", "内容简介", "文档简介", "资料简介", "文档摘要")

_DOC_EXTS = r"(?:docx?|wps|pdf|pptx?|xlsx?|txt|rtf)"


def _alt(words: tuple[str, ...]) -> str:
    # Longest first so "下载本文档" wins over "下载" inside an alternation.
    return "|".join(sorted((w.replace(" ", r"\s?") if "?" not in w else w for w in words), key=len, reverse=True))


def _ui_token(words: str) -> str:
    return rf"[\[【(（<《「]? ?(?:{words}) ?[\]】)）>》」]?"


_UI_SEP = r"[ |｜/·•,，:：>»]*"
_UI_ANY = _ui_token(_alt(UI_STRONG + UI_WEAK))
_UI_STRONG = _ui_token(_alt(UI_STRONG))


RULES: tuple[Rule, ...] = (
    Rule(
        "welcome",
        "line",
        rf"{_NOEND}{{0,20}}欢迎(?:您|你)?(?:访问|光临|来到|登录){_NOEND}{{0,40}}[。！!]?",
        "Site greetings ('欢迎访问XX网'). '欢迎' in body text is never followed by 访问/光临/来到.",
    ),
    Rule(
        "breadcrumb_label",
        "line",
        r"(?:当前位置|您的位置|你的位置|您现在的位置|您当前的位置|你现在的位置|所在位置|当前页面)"
        rf" ?[:：]{_NOEND}{{0,150}}",
        "Breadcrumbs introduced by a location label ('当前位置:首页 > 工作总结 > …').",
    ),
    Rule(
        "breadcrumb_separators",
        "line",
        r"[^\n。！？>＞»›]{0,30}(?:网|站|首页|主页|门户|频道|文库|范文|大全)"
        r"(?: ?[>＞»›] ?[^\n。！？>＞»›]{1,80}){2,}",
        "Breadcrumbs without a label ('找总结网 > 工作计划 > 单位工作计划 > 标题'): a site-like root "
        "(…网/…站/首页/…文库) then two or more '>' steps, no sentence end. A process written as "
        "'申报 > 审核 > 公示' has no site-like root and stays.",
    ),
    Rule(
        "breadcrumb_home",
        "line",
        rf"(?:首页|主页|网站首页|返回首页) ?[>＞»›]{_NOEND}{{0,120}}",
        "Two-level breadcrumbs starting at the home page ('首页 > 通知公告').",
    ),
    Rule(
        "gov_metadata",
        "line",
        rf"(?:{'|'.join(_spaced(k) for k in GOV_METADATA_KEYS)}) ?[:：]{_NOEND}{{0,200}}",
        "The open-information metadata table of government sites (索引号 / 文号 / 主题分类 / 发文单位 / "
        "发布日期 / 有效性 …), several 'label: value' pairs per line, never a sentence.",
    ),
    Rule(
        "site_metadata",
        "line",
        rf"(?:{_alt(SITE_METADATA_KEYS)}) ?[:：]{_NOEND}{{0,80}}",
        "Per-file metadata of download sites (ID: / 大小: / 页数: / 时间: …) and news bylines (来源: / "
        "作者: / 浏览次数:). Short and without a sentence end; a body line starting '时间：' would be a "
        "full sentence and end in 。.",
    ),
    Rule(
        "page_thumbnail",
        "line",
        rf"(?:\S{{0,120}}?\.{_DOC_EXTS}_第\d+页 ?)+",
        "Alt text of page thumbnails on document sites ('科技局工作总结.docx_第3页').",
    ),
    Rule(
        "ui_line",
        "line",
        rf"(?:{_UI_ANY}{_UI_SEP}){{0,7}}{_UI_STRONG}(?:{_UI_SEP}{_UI_ANY}){{0,7}}{_UI_SEP}"
        rf"|{_UI_ANY}(?:{_UI_SEP}{_UI_ANY}){{1,8}}{_UI_SEP}",
        "Preview/download notices and toolbars ('点击下载', '全文阅读已结束', '收藏 分享 举报', "
        "'字号: 大 中 小'): lines made only of UI words, with a strong one or at least two.",
    ),
    Rule(
        "read_more",
        "line",
        rf"(?:全文阅读已结束|预览已结束|还剩 ?\d+ ?页未读|本文档共 ?\d+ ?页|文档共 ?\d+ ?页){_NOEND}{{0,80}}",
        "End-of-preview prompts that carry a count or a price ('还剩5页未读,继续阅读', "
        "'全文阅读已结束,下载本文需要1下载券').",
    ),
    Rule(
        "footer_label",
        "line",
        rf"(?:{_alt(FOOTER_KEYS)}) ?(?:[:：].{{0,200}})?",
        "Article-page footers: '本文标题:' / '链接地址:' / '上一篇:' / '相关推荐' and similar labels.",
    ),
    Rule(
        "bare_url",
        "line",
        r"(?:https?://|www\.)\S+",
        "A line that is only a URL (copied link footers).",
    ),
    Rule(
        "stray_token",
        "line",
        r"[|｜] ?[A-Za-z0-9_.\-]{0,24} ?[|｜]?|[|｜>»<«=_~·•]+",
        "Template residue such as '| cwl2' or a row of separators: no Han character, no number-with-unit.",
    ),
    Rule(
        "pdf_page_number",
        "line",
        r"[-—－] ?\d{1,4} ?[-—－]|第 ?\d{1,4} ?页(?: ?[/,，]? ?共 ?\d{1,4} ?页)?",
        "Page numbers left by PDF/Word export ('- 3 -', '第3页 共12页').",
    ),
    Rule(
        "disclaimer",
        "inline",
        r" ?(?:免责声明|版权声明|免责申明)[:：].*",
        "Disclaimers run from their label to the end of the line: sites append them to the last "
        "paragraph ('…工作。 免责声明:图文来源网络征集,版权归原作者所有…').",
    ),
    Rule(
        "statement",
        "inline",
        r"(?:^| )[^\s:：。，,！？]{0,4}(?:声明|申明)[:：](?=[^\n]*(?:"
        + "|".join(("本站", "本网", "网友", "网站", "版权", "侵权", "转载", "删除", "用户", "上传", "作者"))
        + r"))[^\n]*",
        "Any '…声明:' at a line start or after a space whose line talks about the site ('特别声明:以上内容由"
        "网友提供…'): a label then site words, to the end of the line.",
    ),
    Rule(
        "copyright_notice",
        "sentence",
        _alt(NOTICE_PHRASES),
        "Takedown/copyright notices without a label ('本站文章来源于网络,如有侵权请联系删除'): from "
        "the start of the sentence holding the phrase to the end of the line.",
    ),
)


# --------------------------------------------------------------------------------------------------
# Line shapes (``clean._chrome_lines``)
#
# The rules above recognise chrome by its words; the ones below by the *shape* of a line and where it
# stands on the page. Each entry is a class of words (what a download site says about files, what a
# site calls itself, what an ad asks you to do), not one site's sentence.
# --------------------------------------------------------------------------------------------------

# Words of report titles ("…工作总结", "…政府工作报告"): a short line holding one near the top is the title.
GENRE_WORDS: tuple[str, ...] = (
    "报告", "总结", "计划", "安排", "要点", "汇报", "打算", "思路", "意见", "方案", "讲话", "发言", "述职",
    "纪要", "规划", "公报", "情况",
)  # fmt: skip

# Words that connect two halves of one title ("…工作总结及下半年工作安排"): a title does not end before them.
TITLE_CONNECTORS = "及和与暨、的之"

# What a download or article site says about its files and pages. Two of them on a line without a 。
# make it site text ("此文档下载收益归作者所有", "当前文档最多预览五页,下载文档查看全文").
SITE_WORDS: tuple[str, ...] = (
    "下载", "上传", "预览", "在线阅读", "阅读全文", "查看全文", "试读", "文档", "会员", "VIP", "积分",
    "下载券", "收益", "版权", "侵权", "本站", "本网", "网站", "网友", "用户", "客服", "付费", "免费", "页未读",
    "剩余", "转载", "免责", "删除", "举报", "登录", "注册", "浏览器",
)  # fmt: skip

# How sites name themselves: "…网", "…文库", "…之家"; a short line ending in one is a site name.
SITE_NAME_SUFFIXES: tuple[str, ...] = (
    "网", "网站", "文库", "门户", "之家", "在线", "平台", "社区", "论坛", "频道", "资源站", "大全",
)  # fmt: skip

# Calls to action and the marks ads wear ("立即开通", "扫码关注", "▲", "↓↓↓", "【广告】").
AD_WORDS: tuple[str, ...] = (
    "立即", "点击", "点此", "咨询", "领取", "开通", "报名", "关注", "扫码", "扫一扫", "公众号", "优惠", "限时",
    "折扣", "专享", "APP", "访问", "戳", "抢", "广告", "推广", "赞助",
)  # fmt: skip
AD_MARKS = r"[▲▼△▽↓↑►▶☞👉]|>>|【(?:广告|推荐|推广|热门)】"

# Share / print / close bars: words of page controls. A line made of short tokens, two of them holding
# one of these, is a toolbar ("分享至 朋友圈 QQ好友 新浪微博", "打印 | 关闭 | 返回顶部").
UI_WORDS: tuple[str, ...] = (
    "分享", "收藏", "打印", "关闭", "举报", "转发", "点赞", "评论", "微信", "微博", "朋友圈", "QQ", "空间",
    "好友", "返回", "顶部", "字号", "复制", "链接", "纠错", "保存",
)  # fmt: skip

# Labels of "label: value" metadata (download sites, news bylines, open-information tables) by the
# concept they name: an identifier, a size, a count, a time, a format, a price, a person, a rating.
LABEL_HINTS: tuple[str, ...] = (
    "ID", "编号", "索引", "大小", "体积", "页", "格式", "类型", "时间", "日期", "积分", "券", "价", "浏览",
    "阅读", "点击", "下载", "上传", "分享", "贡献", "作者", "编辑", "来源", "出处", "评分", "星", "收藏",
    "点赞", "热度", "人气", "字数", "分类", "栏目", "标签", "关键词", "文号", "主题", "发布", "更新",
    "有效性", "名称", "标题", "网址", "链接", "地址",
)  # fmt: skip

# Reporting bodies sign off with their name; a short line ending in one of these after the last sentence
# is a signature, not chrome ("XX县科技局", "海拉尔区人民政府").
ORG_SUFFIXES: tuple[str, ...] = (
    "局", "委", "委员会", "政府", "办公室", "办", "厅", "中心", "处", "科", "所", "院", "部", "站", "会",
    "公司", "集团", "镇", "乡", "街道", "县", "区", "市", "省",
)  # fmt: skip

# Separators of navigation and link lists ("首页 | 范文 | 总结"); breadcrumb steps (any arrow or slash).
LIST_SEPARATORS = r"[ \t|｜·•/／、]"
CRUMB_SEPARATORS = r"(?:>>|[>＞›»→/／|｜]| - )"
# File names ("…工作总结.docx"): a document extension after a name.
FILE_NAME = r"[^\s/\\<>|]{2,80}\.(?:docx?|wps|pdf|pptx?|xlsx?|txt|rtf|et|dps)(?![A-Za-z])"
# Copyright and licence lines.
COPYRIGHT = r"[Cc]opyright|©|\(C\) ?\d{4}|版权所有|[Aa]ll [Rr]ights [Rr]eserved|保留所有权利"
ICP = r"ICP|公网安备|备案号|B2-\d|经营许可证"
