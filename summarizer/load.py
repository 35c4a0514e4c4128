"""load: path / directory / stdin / bytes -> ``Document`` (decoded text + provenance).

``Document.text`` is "the original": every offset the library reports points into it. So load does only
what is needed to get *text* out of the bytes (decode, newline normalisation, HTML/DOCX text extraction)
and leaves every content decision (chrome, pinyin, script) to ``clean``, which keeps an offset map back
to this text.

Paged formats (PDF) also give the offset where each page starts (``Document.pages``), so every offset maps
to a page; page furniture (running headers, footers, page numbers) is dropped and paragraphs split across
lines and pages are rejoined here, in ``summarizer.pdf``, because they are layout, not content: the text a
PDF yields *is* its furniture-free text, and its offsets are the ones evidence points into. Legacy Word
(.doc, .wps) and RTF go through an external converter found at run time (``summarizer.legacy``).

Every input is bounded (``LoadLimits``: file size, pages, what a container may inflate to), so a hostile or
broken file fails fast with one line instead of eating the machine.

Encoding detection is charset-normalizer's job; the only policy added here is (a) BOMs and strict UTF-8
first, because they are unambiguous and cheap, and (b) GB family -> gb18030, its superset, so a GBK
file with a rare GB18030-only character still decodes.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
import os
import re
import stat
import unicodedata
import zipfile
from bisect import bisect_right
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from summarizer.errors import LoadError

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

log = logging.getLogger("summarizer.load")

SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".txt", ".md", ".html", ".htm", ".docx", ".pdf", ".doc", ".wps", ".rtf",
)  # fmt: skip
MB = 1 << 20


@dataclass(frozen=True)
class LoadLimits:
    """What one input may cost. Defaults are far above any real report (the longest national report is 60 KB of
    text, about 40 pages) and far below what hurts the machine; ``--max-input-mb``, ``--max-pages`` and
    ``--max-unpacked-mb`` raise them."""

    max_input_mb: float = 100.0  # the file's own size
    max_pages: int = 1000  # pages of a PDF
    max_unpacked_mb: float = 200.0  # what a container inflates to: .docx parts, PDF streams, converter output
    # The text a document yields (UTF-8), whatever its format: the pipeline's time grows faster than the text
    # (offline: 1 MB 2.5 s of CPU, 5 MB 11 s, 10 MB 23 s and 344 MB of memory, 20 MB 59 s and 637 MB;
    # bench/README.md).
    max_text_mb: float = 10.0

    @property
    def max_input_bytes(self) -> int:
        return int(self.max_input_mb * MB)

    @property
    def max_unpacked_bytes(self) -> int:
        return int(self.max_unpacked_mb * MB)

    @property
    def max_text_bytes(self) -> int:
        return int(self.max_text_mb * MB)


def check_text_size(name: str, text: str, limits: LoadLimits) -> None:
    """Refuse a text longer than ``limits.max_text_mb`` (UTF-8), in one line naming the option that raises it."""
    if len(text) * 3 <= limits.max_text_bytes:  # cheap bound first: no UTF-8 character is longer than 4 bytes
        return
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_text_bytes:
        raise LoadError(
            name,
            f"text is {size / MB:.1f} MB, more than the limit of {limits.max_text_mb:g} MB "
            "(10 MB of text takes about 30 s offline, 20 MB a minute; raise it with --max-text-mb)",
        )


@dataclass(frozen=True)
class Document:
    """A decoded report. ``text`` is the *original* all offsets refer to (newlines normalised to \\n)."""

    name: str  # the path as given, or "<stdin>" / "<text>"
    text: str
    sha256: str  # of the raw bytes (of the UTF-8 text for load_text)
    # e.g. "utf_8", "gb18030", "big5", "utf_16"; "docx"/"pdf"/"unicode" or the converter ("antiword",
    # "libreoffice") where not applicable
    encoding: str
    format: str  # "txt" | "md" | "html" | "docx" | "pdf" | "doc" | "wps" | "rtf" | "text"
    path: str | None = None
    # Paged formats (PDF): the offset in ``text`` where each page starts (pages[0] == 0); None when unpaged.
    pages: tuple[int, ...] | None = None

    @property
    def page_count(self) -> int | None:
        return len(self.pages) if self.pages is not None else None

    def page_at(self, offset: int) -> int | None:
        """1-based page of ``text[offset]`` (None for unpaged inputs). Pages with no text share their start
        with the next page; an offset there belongs to the later page, the one its text is on."""
        if self.pages is None:
            return None
        return max(1, bisect_right(self.pages, offset))


_FORMATS = {
    ".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf",
    ".doc": "doc", ".wps": "wps", ".rtf": "rtf",
}  # fmt: skip
_SUPPORTED_LIST = ", ".join(SUPPORTED_SUFFIXES)

# (bom, codec that decodes what follows it, name reported in Document.encoding). Checked in this
# order: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf_32_le", "utf_32"),
    (codecs.BOM_UTF32_BE, "utf_32_be", "utf_32"),
    (codecs.BOM_UTF8, "utf_8", "utf_8"),
    (codecs.BOM_UTF16_LE, "utf_16_le", "utf_16"),
    (codecs.BOM_UTF16_BE, "utf_16_be", "utf_16"),
)
# Magic numbers of formats people drop into a reports folder by mistake (images, PDFs, archives,
# executables). Several of them contain no NUL in the first bytes, so the NUL test alone misses them.
_MAGIC: tuple[bytes, ...] = (
    b"\x89PNG",
    b"%PDF",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x7fELF",
    b"MZ",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\xd0\xcf\x11\xe0",  # OLE2: legacy .doc/.xls
)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936", "euc_cn"}
# C0/C1 control characters other than tab/newline/CR/form feed: plenty of them means the bytes were
# not text at all, whatever codec happened to accept them.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_NEWLINE_RE = re.compile(r"\r\n?")
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def display_name(path: str | Path) -> str:
    """The path as text that is valid Unicode: bytes of a file name that are not UTF-8 (a GBK name on a UTF-8
    system) become ``\\xb9`` escapes, so the name can be written into JSON, CSV, Markdown and a terminal."""
    name = os.fspath(path)
    if not any("\udc80" <= c <= "\udcff" for c in name):
        return name
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def load_path(path: str | Path, limits: LoadLimits | None = None) -> Document:
    limits = limits or LoadLimits()
    name = display_name(path)
    p = Path(path)
    try:
        info = p.stat()
    except OSError as exc:
        raise _read_error(name, exc) from None
    if stat.S_ISDIR(info.st_mode):
        raise LoadError(name, "is a directory (use discover() to list its reports)")
    if not stat.S_ISREG(info.st_mode):
        # A FIFO would block the read forever, /dev/zero would fill the memory: only regular files are reports.
        raise LoadError(name, "not a regular file (a pipe, device or socket); pipe it to stdin with '-' instead")
    suffix = _check_suffix(name, p.suffix)
    try:
        _check_size(name, info.st_size, limits)
        with p.open("rb") as fh:
            data = fh.read(limits.max_input_bytes + 1)  # a file that grew since stat is still capped
    except OSError as exc:
        raise _read_error(name, exc) from None
    return replace(load_bytes(data, name, suffix, limits), path=name)


def _read_error(name: str, exc: OSError) -> LoadError:
    """One line for a file that cannot be read (from its stat or its read alike)."""
    if isinstance(exc, FileNotFoundError):
        return LoadError(name, "file not found")
    if isinstance(exc, PermissionError):
        return LoadError(name, "permission denied")
    return LoadError(name, f"cannot read file ({exc.strerror or exc})")


def load_bytes(data: bytes, name: str, suffix: str = ".txt", limits: LoadLimits | None = None) -> Document:
    limits = limits or LoadLimits()
    suffix = _check_suffix(name, suffix if suffix.startswith(".") or not suffix else "." + suffix)
    _check_size(name, len(data), limits)
    digest = hashlib.sha256(data).hexdigest()
    if not data:
        raise LoadError(name, "empty file")
    fmt = _FORMATS[suffix]
    if fmt in ("doc", "wps"):
        fmt = _sniff_word(data, fmt)  # sites serve RTF, HTML and .docx under a .doc name
    pages: tuple[int, ...] | None = None
    if fmt == "pdf":
        from summarizer.pdf import pdf_text

        extracted = pdf_text(
            data, name, max_pages=limits.max_pages, max_unpacked_bytes=limits.max_unpacked_bytes
        )
        text, encoding, pages = extracted.text, "pdf", extracted.pages
    elif fmt in ("doc", "wps", "rtf"):
        from summarizer.legacy import legacy_text

        text, encoding = legacy_text(data, name, fmt, max_output_bytes=limits.max_unpacked_bytes)
    elif fmt == "docx":
        text, encoding = _docx_text(data, name, limits), "docx"
    elif fmt == "html":
        raw, encoding = _decode(data, name, declared=_declared_charset(data))
        text = _html_text(raw)
    else:
        text, encoding = _decode(data, name)
    text = _normalise_newlines(text)
    if not text.strip():
        raise LoadError(name, "empty file (whitespace only)" if fmt != "html" else "no visible text in HTML")
    check_text_size(name, text, limits)
    return Document(name=name, text=text, sha256=digest, encoding=encoding, format=fmt, pages=pages)


def load_text(text: str, name: str = "<text>", limits: LoadLimits | None = None) -> Document:
    text = _normalise_newlines(text.removeprefix("\ufeff"))
    if not text.strip():
        raise LoadError(name, "empty text")
    check_text_size(name, text, limits or LoadLimits())
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return Document(name=name, text=text, sha256=digest, encoding="unicode", format="text")


def discover(
    path: str | Path, *, exclude: tuple[Path, ...] = (), follow_symlinks: bool = False
) -> list[Path]:
    """Supported files under a directory (recursive, sorted), or ``[path]`` for a file.

    Folders in ``exclude`` (a batch's output folder inside its input folder) are left out, so a rerun never reads
    earlier summaries as reports. A symlink to a file outside the folder is skipped with a warning unless
    ``follow_symlinks``: a link must not pull a file from elsewhere on the machine into a batch (and its text into
    an endpoint's prompts) unasked. Symlinked folders are not descended into, so a link loop ends."""
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise LoadError(str(path), "no such file or directory")
    real_root = root.resolve()
    excluded = [os.path.abspath(e) for e in exclude]
    found: list[Path] = []
    for p in root.rglob("*"):
        rel = p.relative_to(root).parts
        # Hidden files/dirs (.git, .DS_Store) and Office lock files (~$report.docx) are never reports.
        if any(part.startswith(".") for part in rel) or p.name.startswith("~$"):
            continue
        if p.suffix.lower() not in SUPPORTED_SUFFIXES or not p.is_file():
            continue
        absolute = os.path.abspath(p)
        if any(os.path.commonpath([absolute, e]) == e for e in excluded):
            continue
        if p.is_symlink() and not follow_symlinks and not p.resolve().is_relative_to(real_root):
            log.warning(
                "%s: a symlink to a file outside %s, skipped (--follow-symlinks reads it)", display_name(p), root
            )
            continue
        found.append(p)
    return sorted(found)


# --------------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------------


def _check_suffix(name: str, suffix: str) -> str:
    s = suffix.lower()
    if s not in _FORMATS:
        shown = s or "(no suffix)"
        raise LoadError(name, f"unsupported file type {shown} (supported: {_SUPPORTED_LIST})")
    return s


def _check_size(name: str, size: int, limits: LoadLimits) -> None:
    if size > limits.max_input_bytes:
        raise LoadError(
            name,
            f"file is {size / MB:.1f} MB, more than the limit of {limits.max_input_mb:g} MB "
            "(raise it with --max-input-mb)",
        )


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff_suffix(data: bytes) -> str:
    """The suffix bytes without a name (stdin) are read as: a PDF, Word 97 or zip (.docx) by their magic
    number, anything else as text (HTML included: the text route decodes it as it is)."""
    if b"%PDF-" in data[:1024]:
        return ".pdf"
    if data.startswith(_OLE2):
        return ".doc"
    if data.startswith(b"PK\x03\x04"):
        return ".docx"
    return ".txt"


def _sniff_word(data: bytes, fmt: str) -> str:
    """What a .doc/.wps really is: download sites serve RTF, HTML ("Save as Web Page") and .docx under
    those names, and each reads best by its own route. Anything else goes to the converter, which says
    whether it is a Word file."""
    if data.startswith(_OLE2):
        return fmt
    if data.startswith(b"{\\rtf"):
        return "rtf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<html", b"<!doctype html", b"<?xml")) and b"<html" in data[:4096].lower():
        return "html"
    return fmt


def _normalise_newlines(text: str) -> str:
    return _NEWLINE_RE.sub("\n", text) if "\r" in text else text


def _codec_name(encoding: str) -> str:
    """Python's canonical codec name ("utf_8", "gb18030", "big5"), GB family folded into gb18030."""
    try:
        canonical = codecs.lookup(encoding).name.replace("-", "_")
    except LookupError:
        return encoding
    return "gb18030" if canonical in _GB_FAMILY else canonical


def _declared_charset(data: bytes) -> str | None:
    m = _META_CHARSET_RE.search(data[:4096])
    return m.group(1).decode("ascii", "ignore") if m else None


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    controls = len(_CONTROL_RE.findall(text[:20000]))
    return controls > max(2, len(text[:20000]) // 100)


def _decode(data: bytes, name: str, declared: str | None = None) -> tuple[str, str]:
    for bom, codec, reported in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), reported
            except UnicodeDecodeError:
                raise LoadError(
                    name, f"cannot decode text (invalid {reported} after its byte-order mark)"
                ) from None
    if b"\x00" in data or any(data.startswith(m) for m in _MAGIC):
        raise LoadError(name, "binary file, not a text report")
    candidates: list[str] = []
    if declared:
        candidates.append(_codec_name(declared))
    candidates.append("utf_8")
    for enc in candidates:
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if _looks_binary(text):
            raise LoadError(name, "binary file, not a text report")
        return text, enc
    damaged = _nearly_utf8(data)
    if damaged is not None:
        text, bad = damaged
        log.warning(
            "%s: %d invalid byte sequence%s in UTF-8 text replaced with U+FFFD", name, bad, "" if bad == 1 else "s"
        )
        return text, "utf_8"
    text, enc = _detect_legacy(data, name)
    if _looks_binary(text) or _implausible(text):
        raise LoadError(name, "binary file, not a text report")
    return text, enc


# A UTF-8 file with a few bad bytes (a truncated download, one corrupted sector) is still UTF-8: at most one
# invalid sequence per this many characters, and only when the valid multi-byte sequences outnumber the bad ones
# tenfold (a GBK or Big5 file read as UTF-8 has almost no valid multi-byte sequences and many invalid ones).
UTF8_DAMAGE_PER_CHARS = 1000
UTF8_DAMAGE_MAX = 16


def _nearly_utf8(data: bytes) -> tuple[str, int] | None:
    """The text with its few invalid UTF-8 sequences replaced, and how many there were; None when the bytes are
    not UTF-8 with tiny damage."""
    text = data.decode("utf_8", "replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    if bad < 1 or bad > UTF8_DAMAGE_MAX or bad * UTF8_DAMAGE_PER_CHARS > len(text):
        return None
    multibyte = sum(1 for c in text if ord(c) > 0x7F and c != "\ufffd")
    if multibyte < 10 * bad or _looks_binary(text):
        return None
    return text, bad


_CHINESE_CODECS = ("gb18030", "big5")
_HAN_RE = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


def _han_share(text: str) -> float:
    letters = [c for c in text[:5000] if not c.isspace() and not c.isascii()]
    return len(_HAN_RE.findall("".join(letters))) / len(letters) if letters else 0.0


def _detect_legacy(data: bytes, name: str) -> tuple[str, str]:
    """Not UTF-8: let charset-normalizer weigh the legacy codecs.

    On short inputs it often prefers a Korean or Japanese codec for GBK bytes ('工作总结' reads as
    cp949 Hangul). Reports are Chinese, so when its choice is not a Chinese codec but a Chinese codec
    decodes the bytes into Han text, it is asked again restricted to GB18030 vs Big5.
    """
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    enc = _codec_name(best.encoding) if best is not None and best.encoding else None
    if enc not in _CHINESE_CODECS:
        current = _han_share(data.decode(enc, "replace")) if enc else 0.0
        chinese = []
        for codec in _CHINESE_CODECS:
            try:
                if _han_share(data.decode(codec)) > max(current, 0.5):
                    chinese.append(codec)
            except UnicodeDecodeError:
                continue
        if chinese:
            ranked = from_bytes(data, cp_isolation=list(chinese)).best()
            enc = _codec_name(ranked.encoding) if ranked is not None and ranked.encoding else chinese[0]
    if enc is None:
        raise LoadError(name, "cannot decode text (tried utf-8, then charset detection found no codec)")
    try:
        return data.decode(enc), enc
    except (UnicodeDecodeError, LookupError):
        raise LoadError(
            name, f"cannot decode text (detected {enc}, but the bytes are not valid {enc})"
        ) from None


def _implausible(text: str) -> bool:
    """Random bytes "decode" in some single-byte codec; real reports are mostly letters, CJK and space."""
    sample = text[:20000]
    if not sample:
        return False
    odd = sum(1 for c in sample if unicodedata.category(c)[0] in "CS" and c not in "\t\n\r\f")
    return odd > len(sample) * 0.1


# --------------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------------

# Never visible, or site navigation rather than the report.
_DROP_TAGS = (
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
    "head", "title", "meta", "link", "nav", "aside", "form", "button", "select", "option",
    "input", "textarea", "map",
)  # fmt: skip
# Landmarks that are site chrome at page level but hold the article's own title/byline when they sit
# inside <article>/<main> (HTML5 article headers), so they are dropped only outside those.
_PAGE_LANDMARKS = ("header", "footer")
# Whole class/id tokens used for navigation blocks by common CMSs; matched as tokens, not substrings,
# so "content-header-title" or "navigation-free" do not match.
_NAV_TOKEN_RE = re.compile(
    r"(?:^|[\s_-])(nav|navbar|navigation|menu|breadcrumbs?|crumbs?|sidebar|footer|share|toolbar|skip-link|"
    r"topbar|site-header|site-footer|pagination|pager)(?:$|[\s_-])",
    re.IGNORECASE,
)
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BLOCK_TAGS = frozenset((
    "address", "article", "blockquote", "body", "br", "caption", "center", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "li", "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
))  # fmt: skip
_WS_RE = re.compile(r"[ \t\n\r\f\v]+")


def _html_text(markup: str) -> str:
    """The page's text, one line per block element, without scripts, navigation, page headers and
    footers, or hidden elements."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    _drop_chrome(soup)
    lines = [line.strip(" ") for line in _block_text(soup).split("\n")]
    # One element boundary or many (</p><p>, </td></tr><tr><td>): one line break. Paragraphs become
    # lines, which is all the later steps need.
    return re.sub(r"\n{2,}", "\n", "\n".join(lines)).strip("\n")


def _drop_chrome(soup: BeautifulSoup) -> None:
    """Remove what is not the report: dropped tags, comments, page landmarks outside the article,
    hidden elements and navigation blocks."""
    from bs4 import Comment

    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(_PAGE_LANDMARKS):
        if tag.find_parent(["article", "main"]) is None:
            tag.decompose()
    hidden = [tag for tag in soup.find_all(True) if _hidden(tag)]
    for tag in hidden:
        if not tag.decomposed:
            tag.decompose()


def _hidden(tag: object) -> bool:
    """Hidden (``hidden``, ``aria-hidden``, a hiding style) or a navigation block by its class or id."""
    from bs4 import Tag

    if not isinstance(tag, Tag) or tag.attrs is None:
        return False
    style = tag.get("style")
    classes = tag.get("class")
    class_list = list(classes) if isinstance(classes, list) else [str(classes or "")]
    ident = " ".join([*class_list, str(tag.get("id") or "")])
    return bool(
        tag.has_attr("hidden")
        or str(tag.get("aria-hidden", "")).lower() == "true"
        or (isinstance(style, str) and _HIDDEN_STYLE_RE.search(style))
        or (tag.name not in ("body", "html", "article", "main") and _NAV_TOKEN_RE.search(ident))
    )


def _block_text(soup: BeautifulSoup) -> str:
    """The text with a line break around every block element.

    Walk the tree ourselves: get_text() cannot tell block from inline elements, and source indentation
    inside text nodes must collapse (HTML whitespace rules) except under <pre>. Iterative, with an explicit
    stack: a page of a few thousand nested (or never closed) tags is legal HTML and would exceed Python's
    recursion limit in a recursive walk.
    """
    from bs4 import NavigableString, Tag
    from bs4.element import PageElement, PreformattedString

    parts: list[str] = []
    # Entries: a node to visit with whether it lies inside <pre>, or a string to emit after a block's children.
    stack: list[tuple[PageElement, bool] | str] = [(soup, False)]
    while stack:
        entry = stack.pop()
        if isinstance(entry, str):
            parts.append(entry)
            continue
        node, in_pre = entry
        if isinstance(node, PreformattedString):
            continue  # doctype, comments, processing instructions: markup, not text
        if isinstance(node, NavigableString):
            s = str(node)
            parts.append(s if in_pre else _WS_RE.sub(" ", s))
            continue
        if not isinstance(node, Tag):
            continue
        if node is not soup and node.name in _BLOCK_TAGS:
            parts.append("\n")
            stack.append("\n")
        inner_pre = in_pre or node.name == "pre"
        stack.extend((child, inner_pre) for child in reversed(list(node.children)))
    return "".join(parts)


# --------------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------------


def _docx_text(data: bytes, name: str, limits: LoadLimits) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if not data.startswith(b"PK"):
        raise LoadError(name, "not a valid .docx file (not a zip archive)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # zipfile never inflates a member past its declared size, so the declared sizes bound the work.
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise LoadError(name, f"not a valid .docx file ({type(exc).__name__})") from None
    if unpacked > limits.max_unpacked_bytes:
        raise LoadError(
            name,
            f".docx inflates to {unpacked / MB:.0f} MB, more than the limit of {limits.max_unpacked_mb:g} MB "
            "(raise it with --max-unpacked-mb)",
        )
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(name, f"not a valid .docx file ({type(exc).__name__})") from None
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise LoadError(name, f"not a valid .docx file ({type(exc).__name__})") from None

    lines: list[str] = []

    def blocks(container: object) -> None:
        for block in container.iter_inner_content():  # type: ignore[attr-defined]
            if isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, Table):
                for row in block.rows:
                    seen: list[object] = []
                    for cell in row.cells:
                        # A merged cell is returned once per grid column it spans; emit it once.
                        if any(cell._tc is tc for tc in seen):
                            continue
                        seen.append(cell._tc)
                        blocks(cell)

    blocks(document)
    return "\n".join(lines)
