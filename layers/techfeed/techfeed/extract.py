"""Article pages and full feed content -> ArticleBody; the only module that imports readability."""

from __future__ import annotations

import html as htmllib
import json
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import nh3
from lxml import etree
from readability import Document
from readability.readability import Unparseable

from techfeed.models import ArticleBody

# Korean blogs write local times without an offset.
_KST = timezone(timedelta(hours=9))

_PARSER = lxml.html.HTMLParser(encoding="utf-8")

_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_SANITIZER = nh3.Cleaner(
    tags={
        *("p", "br", "hr", "div", "span", "section", "article", "details", "summary"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd"),
        *("blockquote", "pre", "code", "kbd", "abbr", "figure", "figcaption", "a", "img"),
        *("em", "strong", "b", "i", "u", "s", "sub", "sup", "mark"),
        *("table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"),
    },
    # Unlike other unknown tags, these lose their content too, not just the tag.
    clean_content_tags={
        *("script", "style", "noscript", "template", "iframe", "frame", "frameset"),
        *("object", "embed", "applet", "svg", "math", "canvas", "audio", "video"),
        *("form", "textarea", "select", "button"),
    },
    attributes={
        "a": {"href", "title"},
        "img": {"src", "alt", "title", "width", "height"},
        "td": {"colspan", "rowspan"},
        "th": {"colspan", "rowspan"},
        "ol": {"start"},
        "abbr": {"title"},
        # Only language-xxx reaches here: _normalize_code_class runs first.
        "pre": {"class"},
        "code": {"class"},
    },
    link_rel="noopener noreferrer nofollow",
    url_schemes=_LINK_SCHEMES,
    # Links were made absolute first, so a relative one left is junk like "jav%09ascript:".
    url_relative="deny",
)

_BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "caption", "details", "dd", "div"),
        *("dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("header", "hr", "li", "main", "nav", "ol", "p", "section", "summary", "table"),
        *("tbody", "tfoot", "thead", "tr", "ul"),
    }
)
# Wrappers around a <pre> are lifted only if they hold nothing but toolbar text like "Copy".
_CONTENT_TAGS = frozenset(
    {"p", "img", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "pre"}
)
_WRAPPER_TEXT = 40

_LAZY_SRC = ("data-src", "data-original", "data-lazy-src", "data-lazy")
_LAZY_SRCSET = ("data-srcset", "data-lazy-srcset", "srcset")
_PLACEHOLDER = re.compile(
    r"(?:blank|spacer|pixel|transparent|placeholder|clear|1x1)[_-]?\d*(?:x\d+)?\.(?:gif|png|svg)",
    re.I,
)
_PIXEL_SIZES = frozenset({"0", "1", "0px", "1px"})
_SRCSET_SPLIT = re.compile(r"(?<=\d[wx])\s*,\s*|,\s+")
_LANGUAGE_CLASS = re.compile(r"(?:language|lang)-([\w+#.-]{1,30})", re.I)
_LANGUAGE_NAME = re.compile(r"[\w+#.-]{1,30}")

_ARTICLE_TYPES = frozenset(
    {"Article", "BlogPosting", "NewsArticle", "TechArticle", "Report", "SocialMediaPosting"}
)
_TITLE_SEPARATORS = (" | ", " :: ", " - ", " – ", " — ", " · ")
# A pipe or double colon almost always introduces the site name; a dash may be part of the title.
_SITE_SEPARATORS = (" | ", " :: ")
_MIN_TITLE = 10
_LOOSE_DATE = re.compile(
    r"(\d{4})\s*[./년-]\s*(\d{1,2})\s*[./월-]\s*(\d{1,2})(?:\D{1,5}?(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)

# Characters XML (and so lxml) refuses in text; pages do contain them.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_SPACE = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{2,}")
_SENTENCE_END = re.compile(r"[.!?。！？…]+[\"'”’)\]」』]*(?=\s|$)")


def extract_article(html: str, url: str) -> ArticleBody:
    """Extract one whole page's article; never raises: empty text means nothing was found."""
    page = _parse_page(html)
    if page is None:
        return _body("", url)
    metas = _meta_map(page)
    ld = _json_ld(page)
    title = _first(metas, "og:title")
    author = _ld_author(ld) or _meta_author(metas)
    published_at = _published_at(page, metas, ld)
    image = _http_url(url, _first(metas, "og:image", "twitter:image", "twitter:image:src"))
    h1 = page.find(".//h1")
    heading = " ".join(h1.text_content().split()) if h1 is not None else None

    _prepare(page, url)
    _lift_code_blocks(page)
    document = Document(page, url=url)
    title = title or document.short_title() or heading
    try:
        content = document.summary(html_partial=True)
    except Unparseable:
        content = ""
    if title:
        title = _strip_site_suffix(" ".join(title.split()), _first(metas, "og:site_name"))
    return _body(content, url, title=title, author=author, published_at=published_at, image=image)


def article_from_content(
    content_html: str,
    url: str,
    *,
    title: str | None = None,
    author: str | None = None,
    published_at: datetime | None = None,
    image: str | None = None,
) -> ArticleBody:
    """Build the body from a feed entry that carries the whole article (no readability)."""
    return _body(
        content_html, url, title=title, author=author, published_at=published_at, image=image
    )


def sanitize_html(html: str, base_url: str) -> str:
    """Make HTML safe to serve: links absolute, lazy images resolved, then nh3's allow-list."""
    root = _parse_fragment(html)
    _prepare(root, base_url)
    inner = htmllib.escape(root.text or "", quote=False) + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )
    return _SANITIZER.clean(inner).strip()


def summarize(text: str, limit: int = 200) -> str:
    """The first sentences of text, at most limit characters, cut on a sentence end or a word."""
    flat = " ".join(unicodedata.normalize("NFC", text).split())
    if len(flat) <= limit:
        return flat
    # Sentences only if they keep a fair share of the limit; else a longer cut reads better.
    ends = (m.end() for m in _SENTENCE_END.finditer(flat[: limit + 1]) if m.end() <= limit)
    cut = max(ends, default=0)
    if cut >= limit * 0.4:
        return flat[:cut]
    head = flat[: limit - 1]
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:·-") + "…"


def _body(
    content: str,
    url: str,
    *,
    title: str | None = None,
    author: str | None = None,
    published_at: datetime | None = None,
    image: str | None = None,
) -> ArticleBody:
    content_html = sanitize_html(content, url) if content.strip() else ""
    root = _parse_fragment(content_html) if content_html else None
    text = _visible_text(root) if root is not None else ""
    if image is None and root is not None:
        first = root.find(".//img[@src]")
        image = _http_url(url, first.get("src") if first is not None else None)
    return ArticleBody(
        title=title or None,
        author=author,
        published_at=published_at,
        text=text,
        content_html=content_html,
        image=image,
        summary=summarize(text),
    )


def _parse_page(html: str) -> Any:
    if not html.strip():
        return None
    try:
        # Bytes through a UTF-8 parser: a str may still declare another charset (meta or
        # <?xml?>), which lxml would otherwise trust or refuse.
        return lxml.html.document_fromstring(_encode(html), parser=_PARSER)
    except etree.ParserError:
        return None


def _parse_fragment(html: str) -> Any:
    """The <body> holding html; lxml's own fragment parser chokes on stray <html> tags."""
    return lxml.html.document_fromstring(b"<html><body>" + _encode(html), parser=_PARSER).body


def _encode(html: str) -> bytes:
    return _NOT_XML.sub("", html).encode("utf-8", "replace")


def _prepare(root: Any, base_url: str) -> None:
    """Resolve lazy images and drop placeholders, tidy code blocks, absolutize links."""
    for img in list(root.iter("img")):
        src = _image_source(img)
        if src is None or (img.get("width") in _PIXEL_SIZES and img.get("height") in _PIXEL_SIZES):
            img.drop_tree()
        else:
            img.set("src", src)
    for el in root.iter("pre", "code"):
        _normalize_code_class(el)
    # Medium writes code lines as <br>s; a newline is the same on screen and right in text.
    for br in list(root.iterfind(".//pre//br")):
        br.tail = "\n" + (br.tail or "")
        br.drop_tree()
    root.make_links_absolute(base_url, resolve_base_href=True, handle_failures="discard")
    # Before readability sees them: its cleaner turns javascript: links into links to the page.
    for link in root.iter("a"):
        if "href" in link.attrib and urlsplit(link.get("href")).scheme not in _LINK_SCHEMES:
            del link.attrib["href"]


def _image_source(img: Any) -> str | None:
    for attr in _LAZY_SRC:
        value = (img.get(attr) or "").strip()
        if value and not _is_placeholder(value):
            return value
    src = (img.get("src") or "").strip()
    if src and not _is_placeholder(src):
        return src
    for attr in _LAZY_SRCSET:
        if best := _largest_candidate(img.get(attr) or ""):
            return best
    fallback = img.getnext()
    inner = (
        fallback.find(".//img[@src]")
        if fallback is not None and fallback.tag == "noscript"
        else None
    )
    src = inner.get("src").strip() if inner is not None else ""
    return str(src) if src and not _is_placeholder(src) else None


def _is_placeholder(src: str) -> bool:
    return src.startswith(("data:", "about:")) or bool(
        _PLACEHOLDER.fullmatch(re.split(r"[?#]", src, maxsplit=1)[0].rpartition("/")[2])
    )


def _largest_candidate(srcset: str) -> str | None:
    best, best_size = None, -1.0
    for candidate in _SRCSET_SPLIT.split(srcset.strip()):
        parts = candidate.split()
        if not parts or _is_placeholder(parts[0]):
            continue
        try:
            size = float(parts[1][:-1]) if len(parts) > 1 else 1.0
        except ValueError:
            size = 1.0
        if size > best_size:
            best, best_size = parts[0], size
    return best


def _normalize_code_class(el: Any) -> None:
    language = next(
        (m[1] for t in (el.get("class") or "").split() if (m := _LANGUAGE_CLASS.fullmatch(t))),
        None,
    )
    if language is None:
        named = (el.get("data-ke-language") or el.get("data-language") or "").strip()
        language = named if _LANGUAGE_NAME.fullmatch(named) else None
    if language:
        el.set("class", f"language-{language.lower()}")
    elif "class" in el.attrib:
        del el.attrib["class"]


def _lift_code_blocks(page: Any) -> None:
    """Replace toolbar/highlighter wrappers around each <pre> by the <pre> itself.

    readability judges the wrapper, not the code: a class like "code-toolbar" or a short
    snippet makes it drop the whole block.
    """
    for pre in list(page.iter("pre")):
        node, languages, code = pre, [], set(pre.iter())
        while (parent := node.getparent()) is not None and parent.tag == "div":
            extra = len(parent.text_content()) - len(pre.text_content())
            outside = (el for el in parent.iterdescendants() if el not in code)
            if extra > _WRAPPER_TEXT or any(el.tag in _CONTENT_TAGS for el in outside):
                break
            languages += _LANGUAGE_CLASS.findall(parent.get("class") or "")
            node = parent
        if node is pre:
            continue
        if languages and not _LANGUAGE_CLASS.search(pre.get("class") or ""):
            pre.set("class", f"language-{languages[0]}")
        pre.tail = node.tail
        node.getparent().replace(node, pre)


def _visible_text(root: Any) -> str:
    """Paragraphs separated by blank lines, spaces collapsed, <pre> kept verbatim."""
    blocks: list[str] = []
    inline: list[str] = []

    def flush() -> None:
        lines = "\n".join(" ".join(line.split()) for line in "".join(inline).split("\n"))
        # A blank line from <br><br> is how old pages separate paragraphs.
        blocks.extend(p for p in _BLANK_LINES.split(lines.strip("\n")) if p)
        inline.clear()

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag == "pre":
            flush()
            if code := el.text_content().strip("\n").rstrip():
                blocks.append(code)
        elif tag == "br":
            inline.append("\n")
        elif tag is not None:
            if tag in _BLOCK_TAGS:
                flush()
            elif tag in ("td", "th"):
                inline.append(" ")
            inline.append(_inline_text(el.text))
            for child in el:
                walk(child)
            if tag in _BLOCK_TAGS:
                flush()
        inline.append(_inline_text(el.tail))

    walk(root)
    flush()
    return "\n\n".join(blocks)


def _inline_text(text: str | None) -> str:
    return _SPACE.sub(" ", _INVISIBLE.sub("", text)) if text else ""


def _meta_map(page: Any) -> dict[str, str]:
    metas: dict[str, str] = {}
    for meta in page.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip()
        content = " ".join((meta.get("content") or "").split())
        if key and content:
            metas.setdefault(key.lower(), content)
    return metas


def _first(metas: dict[str, str], *keys: str) -> str | None:
    return next((metas[key] for key in keys if key in metas), None)


def _json_ld(page: Any) -> list[dict[str, Any]]:
    """JSON-LD objects describing the article, article types first."""
    found: list[dict[str, Any]] = []
    for script in page.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "", strict=False)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                found.append(item)
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))

    def is_article(obj: dict[str, Any]) -> bool:
        kinds = obj.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        return any(kind in _ARTICLE_TYPES for kind in kinds if isinstance(kind, str))

    return sorted(found, key=lambda obj: not is_article(obj))


def _ld_author(ld: list[dict[str, Any]]) -> str | None:
    for obj in ld:
        authors = obj.get("author")
        names = [_ld_name(a) for a in (authors if isinstance(authors, list) else [authors])]
        if names := [name for name in names if name]:
            return ", ".join(names)
    return None


def _ld_name(author: Any) -> str:
    name = author.get("name") if isinstance(author, dict) else author
    return " ".join(name.split()) if isinstance(name, str) else ""


def _meta_author(metas: dict[str, str]) -> str | None:
    for key in ("author", "article:author"):
        value = metas.get(key)
        if value and not value.startswith(("http://", "https://")):
            return value
    return None


def _published_at(page: Any, metas: dict[str, str], ld: list[dict[str, Any]]) -> datetime | None:
    candidates = [obj.get("datePublished") for obj in ld]
    candidates += [metas.get(key) for key in ("article:published_time", "date", "pubdate")]
    time = page.find(".//time[@datetime]")
    candidates.append(time.get("datetime") if time is not None else None)
    for value in candidates:
        if isinstance(value, str) and (parsed := _parse_datetime(value)):
            return parsed
    return None


def _parse_datetime(value: str) -> datetime | None:
    """ISO 8601, RFC 2822 or "2024.03.05 10:00"; naive times are KST; the result is UTC."""
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            if not (m := _LOOSE_DATE.search(value)):
                return None
            try:
                year, month, day, hour, minute, second = (int(g) for g in m.groups("0"))
                parsed = datetime(year, month, day, hour, minute, second)
            except ValueError:
                return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_KST)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def _http_url(base_url: str, value: str | None) -> str | None:
    if not value or _is_placeholder(value):
        return None
    try:
        absolute = urljoin(base_url, value.strip())
    except ValueError:
        return None
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def _strip_site_suffix(title: str, site_name: str | None) -> str:
    """Drop a trailing " | Site" when it names the site, or when a pipe leaves a real title."""
    for separator in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        if found and head and site_name and tail.casefold() == site_name.casefold():
            return head
    for separator in _SITE_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        if found and len(head) >= _MIN_TITLE and len(tail) < len(head):
            return head
    return title
