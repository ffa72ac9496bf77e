"""Article pages and full feed content -> ArticleBody: metadata, main content, sanitized HTML."""

from __future__ import annotations

import html as htmllib
import re
import unicodedata
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import nh3
from lxml import etree

from techfeed._extract_content import main_content
from techfeed._extract_meta import heading_text, page_metadata
from techfeed.models import ArticleBody
from techfeed.plaintext import text_of
from techfeed.summaries import summarize_extractive

_PARSER = lxml.html.HTMLParser(encoding="utf-8")
_PAGE_END = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)

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

# Characters XML (and so lxml) refuses in text; pages do contain them.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_SPACE = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{2,}")
# A tag or an entity: the text is markup, not plain text to be wrapped in paragraphs.
_MARKUP = re.compile(r"</?[A-Za-z][^>]*>|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")
_SENTENCE_END = re.compile(r"[.!?。！？…]+[\"'”’)\]」』]*(?=\s|$)")


def extract_article(html: str, url: str) -> ArticleBody:
    """Extract one whole page's article; never raises: empty text means nothing was found."""
    page = _parse_page(html)
    if page is None:
        return article_from_content("", url)
    meta = page_metadata(page, url)
    # Links are made absolute later, by sanitize_html on the article alone: far fewer links.
    base = page.find(".//base[@href]")
    url = _http_url(url, base.get("href")) or url if base is not None else url
    image = _http_url(url, meta.image)
    _tidy(page)
    _lift_code_blocks(page)
    root = main_content(page)
    content = _inner_html(root, meta.title) if root is not None else ""
    return article_from_content(
        content,
        url,
        title=meta.title,
        author=meta.author,
        published_at=meta.published_at,
        image=image,
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


def article_from_content(
    content_html: str,
    url: str,
    *,
    title: str | None = None,
    author: str | None = None,
    published_at: datetime | None = None,
    image: str | None = None,
) -> ArticleBody:
    """Build the body from a feed entry that carries the whole article (no content search)."""
    if content_html.strip() and not _MARKUP.search(content_html):
        content_html = _paragraphs(content_html)  # a plain-text description
    clean = sanitize_html(content_html, url) if content_html.strip() else ""
    root = _parse_fragment(clean) if clean else None
    text = _visible_text(root) if root is not None else ""
    if image is None and root is not None:
        first = root.find(".//img[@src]")
        image = _http_url(url, first.get("src") if first is not None else None)
    return ArticleBody(
        title=title or None,
        author=author,
        published_at=published_at,
        text=text,
        content_html=clean,
        image=image,
        summary=summary_of(title or "", clean),
    )


def summary_of(title: str, content_html: str) -> str:
    """An article's summary from its clean body, as tagging writes it: its most central
    sentences, else its first ones ("" without a body)."""
    text = text_of(content_html)[1] if content_html else ""
    return summarize_extractive(title, text) or summarize(text)


def _paragraphs(text: str) -> str:
    """Plain text as HTML: a paragraph per blank-line-separated block, its line breaks kept."""
    blocks = (b.strip() for b in _BLANK_LINES.split(text.replace("\r\n", "\n")))
    return "".join(
        "<p>" + "<br>".join(htmllib.escape(line) for line in block.splitlines()) + "</p>"
        for block in blocks
        if block
    )


def _parse_page(html: str) -> Any:
    if not html.strip():
        return None
    try:
        # Bytes through a UTF-8 parser: a str may still declare another charset (meta or
        # <?xml?>), which lxml would otherwise trust or refuse. Browsers read on past an early
        # </body> or </html> (templates that close the page before its article); libxml2 does
        # not, so those end tags go.
        return lxml.html.document_fromstring(_encode(_PAGE_END.sub("", html)), parser=_PARSER)
    except etree.ParserError:
        return None


def _parse_fragment(html: str) -> Any:
    """The <body> holding html; lxml's own fragment parser chokes on stray <html> tags."""
    return lxml.html.document_fromstring(b"<html><body>" + _encode(html), parser=_PARSER).body


def _encode(html: str) -> bytes:
    return _NOT_XML.sub("", html).encode("utf-8", "replace")


def _prepare(root: Any, base_url: str) -> None:
    """Resolve lazy images and drop placeholders, tidy code blocks, absolutize links."""
    _tidy(root)
    root.make_links_absolute(base_url, resolve_base_href=True, handle_failures="discard")
    for link in root.iter("a"):
        if "href" in link.attrib and urlsplit(link.get("href")).scheme not in _LINK_SCHEMES:
            del link.attrib["href"]


def _tidy(root: Any) -> None:
    """Resolve lazy images and drop placeholders, tidy code blocks."""
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

    The content search judges the wrapper, not the code: a class like "code-toolbar" would
    make it prune the whole block as page furniture.
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


def _inner_html(root: Any, title: str | None) -> str:
    """root's content as HTML, less a heading that repeats the title (the reader shows it)."""
    for h1 in root.iter("h1"):
        if title and " ".join(heading_text(h1).split()) == title:
            h1.drop_tree()
        break
    return htmllib.escape(root.text or "", quote=False) + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )


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
        elif tag == "figcaption":
            # Captions stay in content_html beside their image; as prose they interrupt.
            pass
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


def _http_url(base_url: str, value: str | None) -> str | None:
    if not value or _is_placeholder(value):
        return None
    try:
        absolute = urljoin(base_url, value.strip())
    except ValueError:
        return None
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None
