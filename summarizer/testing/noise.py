"""Scraped-page noise with ground truth: the cleaner's benchmark and its tests draw documents from here.

A *noisy document* is a stretch of a clean report (the cleaned corpus, the national reports) dressed the
way report pages are scraped: site headers and navigation, breadcrumbs with any separator, download-site
metadata blocks, file-name lines, ``_第N页`` page lists, uploader / preview / download lines, disclaimers,
copyright and ICP lines, share bars, related-article lists, ads, page-break markers ``N、`` (splitting a
word, a number or a heading, with and without blank lines), pinyin glosses, traditional script, full-width
digits and letters, a repeated title and a title glued to the first sentence.

Every piece of chrome is recorded (``Chrome``), every body segment that must survive (``NoisyDoc.body``),
and every word split by a page break (``Split``), so ``score`` can say, trafilatura-style: recall of the
body, share of chrome removed, share of split words rejoined.

The site names, labels and phrases are made up, and each vocabulary list is split in two halves by
position: ``part="dev"`` draws from the even entries (the unit tests use those), ``part="holdout"`` from
the odd ones, which no rule of the cleaner names; the benchmark reports both, so a rule that only knows
the strings it was tuned on shows up as a gap between the two.

Why here (``summarizer.testing``) and not under ``tests/``: the benchmark (``bench/bench_clean.py``) and
the tests both import it, and a package module is importable from either without path tricks.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

Part = Literal["dev", "holdout"]

ROOT = Path(__file__).resolve().parent.parent.parent


# --------------------------------------------------------------------------------------------------
# Vocabulary (made up; split into dev = even entries, holdout = odd entries)
# --------------------------------------------------------------------------------------------------

SITE_STEMS = (
    "鹏程",
    "云帆",
    "知行",
    "博文",
    "青藤",
    "墨香",
    "启明",
    "星河",
    "百川",
    "汇智",
    "文渊",
    "书海",
    "睿思",
    "优范",
)
SITE_SUFFIXES = (
    "文库",
    "文档网",
    "范文网",
    "资料网",
    "文秘网",
    "学习网",
    "文档分享平台",
    "资源网",
    "写作网",
    "公文网",
    "之家",
    "在线",
)
SITE_LATIN = (
    "pengcheng",
    "yunfan",
    "zhixing",
    "bowen",
    "qingteng",
    "moxiang",
    "qiming",
    "xinghe",
    "baichuan",
    "huizhi",
)
TLDS = (".com", ".cn", ".net", ".com.cn", ".org", ".cc")
SLOGANS = (
    "专业文档分享平台",
    "海量范文免费下载",
    "一站式公文写作服务",
    "让写作更简单",
    "您身边的资料库",
    "精品文档任你选",
)
NAV = (
    "首页",
    "范文",
    "工作总结",
    "工作计划",
    "述职报告",
    "心得体会",
    "演讲稿",
    "合同范本",
    "教案",
    "课件",
    "试题",
    "论文",
    "公文",
    "资讯",
    "政务公开",
    "新闻中心",
    "办事服务",
    "互动交流",
    "专题专栏",
    "领导信箱",
)
LOGIN = ("登录", "注册", "会员中心", "上传文档", "我的文库", "VIP", "APP下载", "帮助中心", "搜索", "退出")
NAV_SEPS = (" ", " | ", "  ", " · ", "｜", " / ", "　")
CRUMB_LABELS = ("当前位置", "您的位置", "你的位置", "所在位置", "当前页面", "位置", "您现在的位置", "导航")
CRUMB_SEPS = (">", "›", "»", "/", "→", "＞", ">>", "-", "|", "→")
CRUMB_ROOTS = ("首页", "网站首页", "主页", "Home", "{site}", "{site}首页")
META_LABELS: dict[str, tuple[str, ...]] = {
    "id": ("ID", "编号", "文档ID", "文档编号"),
    "size": ("大小", "文件大小", "文档大小", "体积"),
    "pages": ("页数", "共几页", "文档页数", "总页数"),
    "time": ("时间", "上传时间", "发布时间", "更新日期"),
    "format": ("格式", "文件格式", "文档格式", "类型"),
    "points": ("下载积分", "所需积分", "下载券", "售价"),
    "views": ("浏览次数", "阅读量", "浏览", "热度"),
    "downloads": ("下载次数", "下载量", "已下载", "人气"),
    "uploader": ("上传者", "分享者", "贡献者", "上传人"),
    "rating": ("评分", "星级", "收藏", "点赞"),
}
KV_SEPS = (":", "：", "： ", ": ")
PAIR_SEPS = ("  ", " | ", "\t", "　", " / ", " · ", "    ")
USERS = ("wenku_2019", "晨光小屋", "user7781", "蓝天白云", "zhang_li", "不忘初心88", "公文达人", "qq_3361")
EXTS = ("docx", "doc", "pdf", "wps", "txt", "pptx")
CATEGORIES = ("教育资源", "行业资料", "党政公文", "工作范文", "实用文档", "政务文书", "总结汇报", "办公文档")
DOWNLOAD_LINES = (
    "《{title}.{ext}》由会员{user}上传分享，免费在线阅读，更多相关内容在{cat}-{site}",
    "本文档由{user}于{date}上传分享，仅供在线阅读",
    "此文档下载收益归作者所有",
    "该文档为用户{user}上传，版权归上传者所有",
    "当前文档最多预览{cn}页，下载文档查看全文",
    "预览结束，剩余{n}页需下载后查看",
    "还剩{n}页未读，继续阅读",
    "试读已结束，如需阅读全文请下载",
    "下载本文档需要{n}积分",
    "开通VIP会员，海量文档免费下载",
    "{title}免费在线阅读，下载文档到电脑查找使用更方便",
    "想要查看完整内容？点击下载后阅读",
)
DISCLAIMERS = (
    "免责声明：本站文档均由用户上传，仅用于学习交流，如有侵权请联系删除",
    "声明：本文内容来源于网络，版权归原作者所有，若有不妥请告知",
    "版权声明：本站所有资料仅供参考，不代表本站立场",
    "特别声明：以上内容由网友提供，本网不对其真实性负责",
    "本站资源均来自互联网收集整理，如侵犯您的权益请通知我们删除",
    "部分内容转载自网络，文章观点与本网站无关，请读者自行核实",
)
COPYRIGHTS = (
    "Copyright © 2008-{year} {site} All Rights Reserved",
    "版权所有：{site}",
    "©{year} {domain} 版权所有",
    "Copyright © {year} {domain}, All rights reserved.",
    "{site} 版权所有 未经许可不得转载",
    "Copyright©{year} {site}",
)
ICPS = (
    "{prov}ICP备{n8}号-{d}",
    "{prov}公网安备 {n14}号",
    "ICP备案号：{prov}ICP备{n8}号",
    "{prov}ICP证{n6}号",
    "增值电信业务经营许可证：{prov}B2-{n8}",
    "网站备案：{prov}ICP备{n8}号",
)
PROVS = ("京", "沪", "粤", "浙", "苏", "鄂", "皖", "蒙", "川", "鲁")
SHARE_BARS = (
    "分享到：微信 微博 QQ空间",
    "【打印】【关闭】",
    "[ 打印本页 ] [ 关闭窗口 ]",
    "收藏 | 分享 | 举报",
    "分享至 朋友圈 QQ好友 新浪微博",
    "打印 | 关闭 | 返回顶部",
    "字号：大 中 小  打印  关闭",
    "点赞 收藏 转发",
)
RELATED_HEADS = ("相关文章", "推荐阅读", "猜你喜欢", "相关推荐", "热门文档", "最新范文", "同类文档", "大家都在看")
PREV_NEXT = (
    "上一篇：{t1}",
    "下一篇：{t2}",
    "上一篇：{t1}  下一篇：{t2}",
    "前一篇：{t1}",
    "后一篇：{t2}",
    "上篇：{t1} 下篇：{t2}",
)
ADS = (
    "【广告】{site}会员限时5折，立即开通",
    "扫码关注{site}公众号，每日更新精品范文",
    "考公上岸就选{stem}教育，立即咨询>>",
    "▲点击领取：{year}年最新公文写作模板大全",
    "【推荐】{site}APP，随时随地看文档",
    "↓↓↓ 更多范文请访问 {domain} ↓↓↓",
    "VIP专享文档，免费下载，点此领取",
    "学历提升找{stem}，在线报名享优惠",
)
HEADER_TEMPLATES = (
    "{site}",
    "{site} - {slogan}",
    "{domain}",
    "{site}（{domain}）",
    "欢迎来到{site}",
    "{site}|{slogan}",
)
TITLE_SUFFIX_SEPS = ("_", " - ", "-", "|", " | ", "——")
DESCRIPTION_LABELS = ("资源描述", "文档简介", "内容简介", "文档摘要", "摘要", "简介")
PLACES = (
    "江宁县",
    "青山区",
    "临河市",
    "东坪镇",
    "白沙县",
    "松江区",
    "兴和县",
    "南岭市",
    "北川县",
    "金水区",
    "云溪县",
    "安平市",
)
UNITS = (
    "科技局",
    "人民政府",
    "发展和改革委员会",
    "农业农村局",
    "教育局",
    "统计局",
    "商务局",
    "财政局",
    "住房和城乡建设局",
    "生态环境局",
    "市场监督管理局",
    "工业和信息化局",
)
PERIODS = ("2019年", "2020年上半年", "2021年", "2018年度", "2022年上半年", "2023年", "2017年", "2024年上半年")
GENRES = (
    "工作总结",
    "工作总结及下半年工作安排",
    "工作报告",
    "工作总结和下一步工作计划",
    "重点工作推进情况汇报",
    "工作要点",
    "工作情况报告",
    "上半年工作总结",
    "年度工作总结",
    "工作开展情况",
)
CN_NUMS = "二三四五六七八九"

# Readings for glosses; a site glosses a handful of common characters.
PINYIN = {
    "创": "chuàng",
    "新": "xīn",
    "发": "fā",
    "展": "zhǎn",
    "网": "wǎng",
    "络": "luò",
    "业": "yè",
    "现": "xiàn",
    "经": "jīng",
    "济": "jì",
    "建": "jiàn",
    "设": "shè",
    "科": "kē",
    "技": "jì",
    "服": "fú",
    "务": "wù",
    "企": "qǐ",
    "推": "tuī",
    "进": "jìn",
    "项": "xiàng",
    "目": "mù",
    "改": "gǎi",
    "革": "gé",
    "民": "mín",
    "生": "shēng",
    "重": "zhòng",
    "点": "diǎn",
    "强": "qiáng",
    "化": "huà",
    "增": "zēng",
    "长": "zhǎng",
    "投": "tóu",
    "资": "zī",
    "产": "chǎn",
    "品": "pǐn",
    "质": "zhì",
    "量": "liàng",
    "农": "nóng",
    "村": "cūn",
}


def _half(words: Sequence[str], part: Part) -> Sequence[str]:
    return words[0::2] if part == "dev" else words[1::2]


# --------------------------------------------------------------------------------------------------
# Ground truth
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chrome:
    kind: str  # what it imitates: "nav", "breadcrumb", "metadata", "file_name", … (see ``KINDS``)
    text: str  # as injected (before the document-wide script / width changes)


@dataclass(frozen=True)
class Split:
    kind: Literal["word", "number", "heading"]
    joined: str  # the characters around the break, which must read contiguously once the pages are joined


@dataclass
class NoisyDoc:
    text: str  # the page as scraped
    title: str  # the report's title as the page states it
    body: list[str]  # body segments that must survive (sentences and headings)
    chrome: list[Chrome]
    splits: list[Split]
    traditional: bool
    source: str  # which clean text the body came from
    flags: dict[str, bool] = field(default_factory=dict)  # title_repeat, title_glued, spaced_title, …
    body_text: str = ""  # the body as one text (chrome words that also occur in it cannot be told apart)


KINDS = (
    "header",
    "nav",
    "breadcrumb",
    "page_title",
    "metadata",
    "file_name",
    "page_list",
    "description",
    "byline",
    "download",
    "disclaimer",
    "copyright",
    "icp",
    "share",
    "related",
    "prev_next",
    "ad",
    "page_marker",
    "title_repeat",
    "counter",
)


# --------------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------------

_SENTENCE_END = "。！？；!?;"
_BODY_SPLIT_RE = re.compile(r"[。！？；!?;\s]+")
_ZERO_WIDTH_RE = re.compile("[\u200b-\u200f\ufeff]")


@lru_cache(maxsize=1)
def default_sources() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(name, paragraphs) of every clean text in the repository: the golden cleaned corpus (title line
    dropped) and the national reports (lines stripped, empty ones dropped)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for path in sorted((ROOT / "golden" / "clean").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").split("\n")
        # The title goes (the generator makes up its own): the first line, or on a one-line page its
        # first space-delimited segment.
        one_line = len(lines) == 1 or (len(lines) == 2 and not lines[1])
        lines = [lines[0].split(" ", 1)[1]] if one_line else lines[1:]
        out.append((path.stem, _paragraphs(lines)))
    for path in sorted((ROOT / "tests" / "data" / "national").glob("*.txt")):
        text = _ZERO_WIDTH_RE.sub("", path.read_text(encoding="utf-8"))
        # From the dateline (or the salutation when there is none): the lines above are the title.
        start = re.search(r"^\s*(?:——|各位代表)", text, re.M)
        out.append((path.stem, _paragraphs(text[start.start() if start else 0 :].split("\n"))))
    return tuple(out)


def _paragraphs(lines: Iterable[str]) -> tuple[str, ...]:
    paras: list[str] = []
    for raw in lines:
        line = " ".join(raw.replace("\u3000", " ").split())
        if not line:
            continue
        if len(line) > 1500:  # a one-line page (xuancheng): its sentences become paragraphs
            paras += [p.strip() for p in re.split(r"(?<=[。；])\s+", line) if p.strip()]
        else:
            paras.append(line)
    return tuple(paras)


# --------------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------------


class _Gen:
    def __init__(self, rng: random.Random, part: Part) -> None:
        self.rng = rng
        self.part = part
        stem = self.pick(SITE_STEMS)
        self.stem = stem
        self.site = stem + self.pick(SITE_SUFFIXES)
        self.domain = "www." + self.pick(SITE_LATIN) + self.pick(TLDS)
        self.year = str(rng.randrange(2012, 2026))

    def pick(self, words: Sequence[str]) -> str:
        return self.rng.choice(_half(words, self.part))

    def fill(self, template: str, title: str = "") -> str:
        rng = self.rng
        values = {
            "site": self.site,
            "stem": self.stem,
            "domain": self.domain,
            "slogan": self.pick(SLOGANS),
            "title": title,
            "ext": self.pick(EXTS),
            "user": self.pick(USERS),
            "cat": self.pick(CATEGORIES),
            "date": f"{self.year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            "cn": rng.choice(CN_NUMS),
            "n": str(rng.randrange(2, 40)),
            "year": self.year,
            "prov": rng.choice(PROVS),
            "n8": str(rng.randrange(10_000_000, 99_999_999)),
            "n6": str(rng.randrange(100_000, 999_999)),
            "n14": str(rng.randrange(10**13, 10**14)),
            "d": str(rng.randrange(1, 9)),
            "t1": self.other_title(),
            "t2": self.other_title(),
        }
        return template.format(**values)

    def other_title(self) -> str:
        return f"{self.rng.choice(PLACES)}{self.rng.choice(UNITS)}{self.rng.choice(PERIODS)}{self.rng.choice(GENRES)}"

    # -- chrome lines ------------------------------------------------------------------------------
    def header(self) -> str:
        return self.fill(self.pick(HEADER_TEMPLATES))

    def nav(self) -> str:
        words = self.rng.sample(list(NAV), self.rng.randrange(4, 9))
        if self.rng.random() < 0.5:
            words += self.rng.sample(list(LOGIN), 2)
        return self.pick(NAV_SEPS).join(words)

    def breadcrumb(self, title: str) -> str:
        rng = self.rng
        sep = self.pick(CRUMB_SEPS)
        sep = rng.choice((sep, f" {sep} "))
        steps = [self.fill(self.pick(CRUMB_ROOTS)), *rng.sample(list(NAV[1:]), rng.randrange(1, 3))]
        if rng.random() < 0.5:
            steps.append(title)
        crumb = sep.join(steps)
        if rng.random() < 0.6:
            crumb = self.pick(CRUMB_LABELS) + rng.choice(KV_SEPS) + crumb
        return crumb

    def page_title(self, title: str) -> str:
        return title + self.pick(TITLE_SUFFIX_SEPS) + self.site

    def metadata(self) -> list[str]:
        rng = self.rng
        kinds = rng.sample(list(META_LABELS), rng.randrange(3, 8))
        pairs = []
        for kind in kinds:
            label = self.pick(META_LABELS[kind])
            pairs.append(label + rng.choice(KV_SEPS) + self._meta_value(kind))
        per_line = rng.choice((1, 2, 3, len(pairs)))
        sep = self.pick(PAIR_SEPS)
        return [sep.join(pairs[i : i + per_line]) for i in range(0, len(pairs), per_line)]

    def _meta_value(self, kind: str) -> str:
        rng = self.rng
        return {
            "id": lambda: str(rng.randrange(10_000, 9_999_999)),
            "size": lambda: f"{rng.randrange(12, 900)}{rng.choice(('KB', 'K', 'kb', 'MB'))}",
            "pages": lambda: f"{rng.randrange(1, 30)}{rng.choice(('页', 'P', ''))}",
            "time": lambda: (
                f"{self.year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
                + rng.choice(("", f" {rng.randrange(0, 24):02d}:{rng.randrange(0, 60):02d}"))
            ),
            "format": lambda: rng.choice(("DOCX", "DOC", "PDF", "docx", "WPS", "TXT")),
            "points": lambda: f"{rng.randrange(0, 20)}{rng.choice(('积分', '分', '', '元'))}",
            "views": lambda: f"{rng.randrange(10, 99_999)}{rng.choice(('', '次'))}",
            "downloads": lambda: f"{rng.randrange(0, 9_999)}{rng.choice(('', '次'))}",
            "uploader": lambda: self.pick(USERS),
            "rating": lambda: rng.choice(("4.5", "★★★★☆", "3分", "12", "5.0")),
        }[kind]()

    def file_name(self, title: str) -> str:
        name = f"{title}.{self.pick(EXTS)}"
        return self.rng.choice((name, f"{name}（{self.rng.randrange(12, 900)}KB）", f"文件：{name}", name))

    def page_list(self, title: str) -> list[str]:
        rng = self.rng
        ext = self.pick(EXTS)
        pages = [f"{title}.{ext}_第{i}页" for i in range(1, rng.randrange(3, 7))]
        if rng.random() < 0.5:
            return pages
        return [rng.choice((" ", "  ", "")).join(pages)]

    def description(self, body: list[str]) -> str:
        opening = body[0][: self.rng.randrange(20, 60)]
        return self.pick(DESCRIPTION_LABELS) + self.rng.choice(KV_SEPS) + opening + "..."

    def byline(self) -> str:
        rng = self.rng
        parts = [
            rng.choice(("来源", "信息来源", "文章来源")) + "：" + self.site,
            rng.choice(("作者", "编辑", "责任编辑")) + "：" + self.pick(USERS),
            rng.choice(("发布时间", "时间", "日期")) + "：" + self.fill("{date}"),
            rng.choice(("浏览次数", "阅读", "点击")) + "：" + str(rng.randrange(10, 9999)),
        ]
        rng.shuffle(parts)
        return self.pick(PAIR_SEPS).join(parts[: rng.randrange(2, 5)])

    def download(self, title: str) -> str:
        return self.fill(self.pick(DOWNLOAD_LINES), title)

    def disclaimer(self) -> str:
        return self.pick(DISCLAIMERS)

    def copyright(self) -> str:
        return self.fill(self.pick(COPYRIGHTS))

    def icp(self) -> str:
        return self.fill(self.pick(ICPS))

    def share(self) -> str:
        return self.pick(SHARE_BARS)

    def related(self) -> list[str]:
        rng = self.rng
        lines = [self.pick(RELATED_HEADS)]
        numbered = rng.random() < 0.4
        for i in range(rng.randrange(3, 7)):
            t = self.other_title() + rng.choice(("", "范文", "（精选）", "（通用）", f"（{rng.randrange(3, 12)}篇）"))
            if rng.random() < 0.3:
                t += " " + self.fill("{date}")
            lines.append(f"{i + 1}. {t}" if numbered else t)
        return lines

    def prev_next(self) -> str:
        return self.fill(self.pick(PREV_NEXT))

    def ad(self) -> str:
        return self.fill(self.pick(ADS))


_HAN_RE = re.compile(r"[\u4e00-\u9fff]")


def _title(rng: random.Random) -> str:
    if rng.random() < 0.15:
        place, year = rng.choice(PLACES), rng.randrange(2013, 2025)
        return rng.choice(("政府工作报告", f"{place}政府工作报告", f"{year}年政府工作报告"))
    return f"{rng.choice(PLACES)}{rng.choice(UNITS)}{rng.choice(PERIODS)}{rng.choice(GENRES)}"


def _excerpt(rng: random.Random, paragraphs: Sequence[str]) -> list[str]:
    """A stretch of paragraphs, 600-5000 characters, that ends with a finished sentence."""
    target = rng.randrange(600, 5000)
    start = rng.randrange(0, max(1, len(paragraphs) - 3))
    out: list[str] = []
    size = 0
    for p in paragraphs[start:]:
        out.append(p)
        size += len(p)
        if size >= target:
            break
    while out and not out[-1].endswith(tuple(_SENTENCE_END)):
        out.pop()
    return out or [p for p in paragraphs if p.endswith("。")][:3]


def _segments(paragraphs: Iterable[str]) -> list[str]:
    """Body pieces that must survive: clauses between sentence ends and spaces, 6 characters or more."""
    return [s for p in paragraphs for s in _BODY_SPLIT_RE.split(p) if len(s) >= 6]


@lru_cache(maxsize=1)
def _s2t() -> Callable[[str], str]:
    import opencc

    convert: Callable[[str], str] = opencc.OpenCC("s2t").convert
    return convert


@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str]:
    import opencc

    convert: Callable[[str], str] = opencc.OpenCC("t2s").convert
    return convert


_FULLWIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F) if chr(c).isalnum()}


def _page_breaks(
    rng: random.Random, body: str, blank_share: float
) -> tuple[list[tuple[int, str]], list[Split], list[Chrome]]:
    """Insertions (position in ``body``, text) that split the text into pages marked 2、 3、 …"""
    inserts: list[tuple[int, str]] = []
    splits: list[Split] = []
    markers: list[Chrome] = []
    page = rng.randrange(250, 1100)
    at = page
    number = 2
    while at < len(body) - 40:
        kind = rng.choices(("word", "number", "heading", "paragraph"), (0.5, 0.15, 0.1, 0.25))[0]
        pos = _break_position(body, at, kind)
        if pos is None:
            kind = "word"
            pos = _break_position(body, at, kind)
        if pos is None:
            at += 200
            continue
        blank = "\n" if rng.random() < blank_share else ""
        marker = f"{number}、"
        if kind == "paragraph":
            # The page ends with a paragraph: the marker opens the next one.
            inserts.append((pos, marker))
            markers.append(Chrome("page_marker", marker + body[pos : pos + 6]))
        else:
            inserts.append((pos, "\n" + blank + marker))
            line_start = body.rfind("\n", 0, pos) + 1
            line_end = body.find("\n", pos)
            line_end = len(body) if line_end < 0 else line_end
            joined = body[max(line_start, pos - 4) : min(line_end, pos + 4)]
            splits.append(Split(kind, joined))  # type: ignore[arg-type]
        number += 1
        at = pos + rng.randrange(250, 1100)
    return inserts, splits, markers


def _break_position(body: str, at: int, kind: str) -> int | None:
    end = min(len(body) - 8, at + 400)
    for pos in range(at, end):
        a, b = body[pos - 1], body[pos]
        if kind == "paragraph":
            if a == "\n" and b != "\n":
                return pos
            continue
        window = body[pos - 3 : pos + 3]
        if any(c.isspace() for c in window):
            continue
        if kind == "word" and _HAN_RE.match(a) and _HAN_RE.match(b):
            return pos
        if kind == "number" and (a.isdigit() or a == ".") and b.isdigit() and body[pos - 2].isdigit():
            return pos
        if kind == "heading":
            ls = body.rfind("\n", 0, pos) + 1
            le = body.find("\n", pos)
            line = body[ls : len(body) if le < 0 else le]
            heading = 8 <= len(line) <= 40 and not any(c in line for c in _SENTENCE_END)
            if heading and _HAN_RE.match(a) and _HAN_RE.match(b) and pos - ls >= 4 and (le < 0 or le - pos >= 3):
                return pos
    return None


def _gloss(rng: random.Random, text: str, share: float) -> list[tuple[int, str]]:
    out = []
    for m in re.finditer("[" + "".join(PINYIN) + "]", text):
        if rng.random() < share:
            out.append((m.end(), f"({PINYIN[m.group()]})"))
    return out


def _insert(text: str, inserts: list[tuple[int, str]]) -> str:
    pieces, at = [], 0
    for pos, s in sorted(inserts, key=lambda x: x[0]):
        pieces.append(text[at:pos])
        pieces.append(s)
        at = pos
    pieces.append(text[at:])
    return "".join(pieces)


_Made = Callable[[], str | list[str]]


@dataclass
class _ChromeLog:
    """The chrome injected so far, in the order it was drawn (the ground truth lists it that way)."""

    items: list[Chrome] = field(default_factory=list)

    def add(self, kind: str, lines: str | list[str]) -> list[str]:
        lines = [lines] if isinstance(lines, str) else lines
        self.items.extend(Chrome(kind, ln) for ln in lines)
        return lines


def _draw(rng: random.Random, log: _ChromeLog, table: Iterable[tuple[str, float, _Made]]) -> list[str]:
    """The lines of each (kind, probability, maker) that the dice let in, in table order."""
    lines: list[str] = []
    for kind, p, make in table:
        if rng.random() < p:
            lines += log.add(kind, make())
    return lines


def _head(g: _Gen, title: str, log: _ChromeLog) -> list[str]:
    """What sits above the article: site header, navigation, an ad, a breadcrumb; the page title first."""
    head = _draw(
        g.rng,
        log,
        (
            ("header", 0.5, g.header),
            ("nav", 0.5, g.nav),
            ("ad", 0.3, g.ad),
            ("breadcrumb", 0.6, lambda: g.breadcrumb(title)),
        ),
    )
    if g.rng.random() < 0.3:
        head.insert(0, log.add("page_title", g.page_title(title))[0])
    return head


def _after_title(g: _Gen, title: str, body_paras: list[str], log: _ChromeLog) -> list[str]:
    """What follows the article heading (metadata, byline, file name, page list, …), in a random order."""
    after = _draw(
        g.rng,
        log,
        (
            ("metadata", 0.4, g.metadata),
            ("byline", 0.3, g.byline),
            ("file_name", 0.3, lambda: g.file_name(title)),
            ("page_list", 0.25, lambda: g.page_list(title)),
            ("description", 0.2, lambda: g.description(body_paras)),
            ("share", 0.2, g.share),
        ),
    )
    g.rng.shuffle(after)
    return after


def _tail(g: _Gen, title: str, log: _ChromeLog) -> list[str]:
    """What follows the article: download lines, disclaimer, share bar, related list, copyright, ICP, …"""
    rng = g.rng
    return _draw(
        rng,
        log,
        (
            ("download", 0.4, lambda: g.download(title)),
            ("download", 0.2, lambda: g.download(title)),
            ("disclaimer", 0.3, g.disclaimer),
            ("share", 0.3, g.share),
            ("prev_next", 0.3, g.prev_next),
            ("related", 0.35, g.related),
            ("ad", 0.25, g.ad),
            ("copyright", 0.3, g.copyright),
            ("icp", 0.3, g.icp),
            ("counter", 0.1, lambda: str(rng.randrange(1000, 99999))),
        ),
    )


def _line_sep(blank_share: float) -> str:
    """A page whose page breaks all have blank lines has blank lines between all its paragraphs too."""
    return "\n\n" if blank_share >= 1.0 else "\n"


def _body_page(g: _Gen, body_paras: list[str], blank_share: float, log: _ChromeLog) -> tuple[str, list[Split]]:
    """The body as scraped: page breaks (with the words they split), pinyin glosses, full-width
    characters, an ad between two paragraphs."""
    rng = g.rng
    body_text = _line_sep(blank_share).join(body_paras)
    inserts: list[tuple[int, str]] = []
    splits: list[Split] = []
    if rng.random() < 0.35 and len(body_text) > 700:
        inserts, splits, markers = _page_breaks(rng, body_text, blank_share)
        log.items += markers
    if rng.random() < 0.15:
        taken = {p for p, _ in inserts}
        inserts += [(p, s) for p, s in _gloss(rng, body_text, 0.3) if p not in taken and p - 1 not in taken]
    if rng.random() < 0.2:
        body_text = body_text.translate(_FULLWIDTH)
    if rng.random() < 0.1:  # an ad between paragraphs
        cut = body_text.find("\n", len(body_text) // 2)
        if cut > 0 and not any(abs(cut - p) < 3 for p, _ in inserts):
            inserts.append((cut, "\n" + log.add("ad", g.ad())[0]))
    return _insert(body_text, inserts), splits


def _place_title(
    title: str,
    title_line: str,
    head: list[str],
    after: list[str],
    body_page: str,
    flags: dict[str, bool],
    log: _ChromeLog,
) -> tuple[list[str], str]:
    """The lines above the body and the body: the title on its own line (maybe repeated), or glued to the
    first sentence."""
    repeat = flags["title_repeat"]
    if flags["title_glued"]:
        if repeat:
            log.items.append(Chrome("title_repeat", title))
        return [*head, *after], title + (title if repeat else "") + body_page
    top = [*head, title_line, *after]
    if repeat:
        top.append(title)
        log.items.append(Chrome("title_repeat", title))
    return top, body_page


def make_doc(
    rng: random.Random, part: Part = "dev", sources: Sequence[tuple[str, Sequence[str]]] | None = None
) -> NoisyDoc:
    """One noisy page with its ground truth.

    The draws from ``rng`` keep one order (site, source, excerpt, title, head, heading, tail, body, a glued
    disclaimer, script): the corpus of a seed, and with it every benchmark figure, depends on that order.
    """
    g = _Gen(rng, part)
    sources = sources or default_sources()
    source, paragraphs = rng.choice(sources)
    body_paras = _excerpt(rng, paragraphs)
    title = _title(rng)
    log = _ChromeLog()
    head = _head(g, title, log)
    spaced = title.endswith("政府工作报告") and len(title) == 6 and rng.random() < 0.5
    after = _after_title(g, title, body_paras, log)
    flags = {"spaced_title": spaced, "title_repeat": rng.random() < 0.25, "title_glued": rng.random() < 0.15}
    tail = _tail(g, title, log)
    blank_share = rng.choice((0.0, 0.0, 1.0, 0.5))
    body_page, splits = _body_page(g, body_paras, blank_share, log)
    title_line = " ".join(title) if spaced else title
    top, body_page = _place_title(title, title_line, head, after, body_page, flags, log)
    if tail and rng.random() < 0.1:  # a one-line page: the disclaimer glued to the last paragraph
        body_page += " " + log.add("disclaimer", g.disclaimer())[0]
    text = _line_sep(blank_share).join([*top, body_page, *tail])
    traditional = rng.random() < 0.15
    if traditional:
        text = _s2t()(text)
    flags["traditional"] = traditional
    return NoisyDoc(
        text=text,
        title=title,
        body=_segments(body_paras),
        chrome=log.items,
        splits=splits,
        traditional=traditional,
        source=source,
        flags=flags,
        body_text="\n".join(body_paras),
    )


def make_corpus(n: int, seed: int = 11, part: Part = "dev") -> list[NoisyDoc]:
    rng = random.Random(f"{seed}-{part}")
    return [make_doc(rng, part) for _ in range(n)]


# --------------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------------

_WS_RE = re.compile(r"\s+")
_PIECE_SPLIT_RE = re.compile(r"[\s|｜/>›»→＞<:：,，、.。·•\-_()（）\[\]【】《》「」“”？?！!…~+]+")


def norm(text: str, keep_lines: bool = False) -> str:
    """What two texts are compared on: t2s, NFKC (full width, compatibility forms), no whitespace."""
    text = _t2s()(unicodedata.normalize("NFKC", text))
    if keep_lines:
        return re.sub(r"[^\S\n]+", "", text)
    return _WS_RE.sub("", text)


@dataclass
class DocScore:
    body_total: int = 0
    body_kept: int = 0
    chrome_total: int = 0
    chrome_removed: int = 0
    splits_total: int = 0
    splits_joined: int = 0
    missed_body: list[str] = field(default_factory=list)
    kept_chrome: list[Chrome] = field(default_factory=list)
    unjoined: list[Split] = field(default_factory=list)
    title_ok: bool = True


def score_doc(doc: NoisyDoc, cleaned: str) -> DocScore:
    out = norm(cleaned)
    out_lines = norm(cleaned, keep_lines=True)
    s = DocScore()
    conv = _s2t() if doc.traditional else (lambda x: x)
    body_norm = norm(conv((doc.body_text or "".join(doc.body)) + doc.title))
    for seg in doc.body:
        s.body_total += 1
        if norm(conv(seg)) in out:
            s.body_kept += 1
        else:
            s.missed_body.append(seg)
    for item in doc.chrome:
        s.chrome_total += 1
        if _chrome_removed(item, conv, out, out_lines, body_norm, doc.title):
            s.chrome_removed += 1
        else:
            s.kept_chrome.append(item)
    for split in doc.splits:
        s.splits_total += 1
        if norm(conv(split.joined), keep_lines=True) in out_lines:
            s.splits_joined += 1
        else:
            s.unjoined.append(split)
    title = norm(conv(doc.title))
    s.title_ok = out.count(title) == 1 and any(norm(ln) == title for ln in cleaned.split("\n")[:8])
    return s


def _chrome_removed(
    item: Chrome, conv: Callable[[str], str], out: str, out_lines: str, body_norm: str, title: str
) -> bool:
    if item.kind == "title_repeat":
        return out.count(norm(conv(title))) <= 1
    if item.kind == "page_marker":
        return norm(conv(item.text)) not in out
    pieces = [norm(conv(p)) for p in _PIECE_SPLIT_RE.split(item.text)]
    pieces = [p for p in pieces if len(p) >= 2 and p not in body_norm]
    if not pieces:
        pieces = [norm(conv(item.text))]
    return not any(p in out for p in pieces)


@dataclass
class Score:
    docs: int = 0
    body_total: int = 0
    body_kept: int = 0
    chrome_total: int = 0
    chrome_removed: int = 0
    splits_total: int = 0
    splits_joined: int = 0
    titles_ok: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [total, removed]
    by_split: dict[str, list[int]] = field(default_factory=dict)  # kind -> [total, joined]
    missed_body: list[tuple[int, str]] = field(default_factory=list)  # (doc index, segment)
    kept_chrome: list[tuple[int, Chrome]] = field(default_factory=list)
    unjoined: list[tuple[int, Split]] = field(default_factory=list)

    def add(self, index: int, doc: NoisyDoc, s: DocScore) -> None:
        self.docs += 1
        self.body_total += s.body_total
        self.body_kept += s.body_kept
        self.chrome_total += s.chrome_total
        self.chrome_removed += s.chrome_removed
        self.splits_total += s.splits_total
        self.splits_joined += s.splits_joined
        self.titles_ok += s.title_ok
        kept = {id(c) for c in s.kept_chrome}
        for item in doc.chrome:
            slot = self.by_kind.setdefault(item.kind, [0, 0])
            slot[0] += 1
            slot[1] += id(item) not in kept
        unjoined = {id(x) for x in s.unjoined}
        for split in doc.splits:
            slot = self.by_split.setdefault(split.kind, [0, 0])
            slot[0] += 1
            slot[1] += id(split) not in unjoined
        self.missed_body += [(index, seg) for seg in s.missed_body]
        self.kept_chrome += [(index, c) for c in s.kept_chrome]
        self.unjoined += [(index, x) for x in s.unjoined]

    @property
    def body_recall(self) -> float:
        return self.body_kept / self.body_total if self.body_total else 1.0

    @property
    def chrome_share(self) -> float:
        return self.chrome_removed / self.chrome_total if self.chrome_total else 1.0

    @property
    def split_share(self) -> float:
        return self.splits_joined / self.splits_total if self.splits_total else 1.0


def score(docs: Sequence[NoisyDoc], clean_fn: Callable[[str], str]) -> Score:
    total = Score()
    for i, doc in enumerate(docs):
        total.add(i, doc, score_doc(doc, clean_fn(doc.text)))
    return total
