"""A plain-text or HTML document -> its title and text, for keywords and summaries."""

from __future__ import annotations

import re
from typing import Any

import lxml.html

# What an HTML document starts with or holds, against plain text.
HTML_HINT = re.compile(r"^\s*<|<(?:html|body|p|div|h1|article|br)\b", re.IGNORECASE)
_SKIP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "pre", "form", "svg")
_BLOCKS = frozenset(
    {
        *("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "br"),
        *("section", "article", "main", "figure", "figcaption", "dl", "dd", "dt", "td", "th"),
        *("ul", "ol", "table", "caption", "details", "summary", "hr"),
    }
)


def text_of(document: str) -> tuple[str, str]:
    """(title, text) of a plain-text or HTML document; code blocks and page chrome dropped."""
    if not HTML_HINT.search(document):
        lines = [line.strip() for line in document.strip().splitlines()]
        if len(lines) > 1 and 0 < len(lines[0]) <= 120:
            return lines[0].lstrip("#").strip(), "\n".join(lines[1:]).strip()
        return "", "\n".join(lines)
    tree = lxml.html.document_fromstring(document)
    title = _html_title(tree)
    for element in tree.xpath("//" + " | //".join(_SKIP)):
        element.drop_tree()
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
        if element.tag == "li":  # as plain text writes a list: summaries are not made of items
            element.text = "\n- " + (element.text or "")
    body = tree.find("body")
    raw = (body if body is not None else tree).text_content()
    lines = [" ".join(line.split()) for line in raw.splitlines()]
    text = "\n".join(line for line in lines if line)
    if title and text.startswith(title):
        text = text[len(title) :].lstrip()
    return title, text


def _html_title(tree: Any) -> str:
    for xpath in ('//meta[@property="og:title"]/@content', "//h1", "//title"):
        found = tree.xpath(xpath)
        if found:
            value = found[0] if isinstance(found[0], str) else found[0].text_content()
            title = " ".join(str(value).split())
            if xpath == "//title":
                title = re.split(r"\s+[|·\-–—]\s+", title)[0]
            if title:
                return title
    return ""
