"""Articles -> RSS 2.0, Atom 1.0 or JSON Feed 1.1 documents, for feed readers."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Literal
from xml.etree import ElementTree as ET

from techfeed.models import Article, to_iso

FeedFormat = Literal["rss", "atom", "json"]

CONTENT_TYPES: dict[FeedFormat, str] = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}

_ATOM = "http://www.w3.org/2005/Atom"
_DC = "http://purl.org/dc/elements/1.1/"
ET.register_namespace("atom", _ATOM)
ET.register_namespace("dc", _DC)
# Characters XML 1.0 cannot carry at all, which blog titles occasionally contain.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedInfo:
    """What a feed says about itself."""

    title: str
    description: str
    self_url: str
    home_url: str
    language: str = "ko"


def render_feed(
    kind: FeedFormat, info: FeedInfo, articles: Sequence[Article], source_names: Mapping[str, str]
) -> str:
    """The feed document of these articles (newest first) in the given format."""
    if kind == "rss":
        return _rss(info, articles, source_names)
    if kind == "atom":
        return _atom(info, articles, source_names)
    return _json_feed(info, articles, source_names)


def entry_id(article: Article) -> str:
    """A permanent, globally unique id for an article (an RFC 4151 tag URI)."""
    return f"tag:techfeed,2024:article:{article.article_id}"


def _updated(articles: Sequence[Article]) -> datetime:
    # The newest article, not the clock, so an unchanged feed is byte-identical (same ETag).
    return max((a.published_at for a in articles), default=_EPOCH)


def _author(article: Article, source_names: Mapping[str, str]) -> str:
    return article.author or source_names.get(article.source_id, article.source_id)


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = _NOT_XML.sub("", text)
    return element


def _xml(root: ET.Element) -> str:
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'


def _rss(info: FeedInfo, articles: Sequence[Article], source_names: Mapping[str, str]) -> str:
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", info.title)
    _text(channel, "link", info.home_url)
    _text(channel, "description", info.description)
    _text(channel, "language", info.language)
    _text(channel, "lastBuildDate", format_datetime(_updated(articles), usegmt=True))
    _text(channel, "generator", "techfeed")
    ET.SubElement(
        channel,
        f"{{{_ATOM}}}link",
        {"href": info.self_url, "rel": "self", "type": "application/rss+xml"},
    )
    for article in articles:
        item = ET.SubElement(channel, "item")
        _text(item, "title", article.title)
        _text(item, "link", article.url)
        _text(item, "guid", entry_id(article), isPermaLink="false")
        _text(item, "pubDate", format_datetime(article.published_at.astimezone(UTC), usegmt=True))
        if article.summary:
            _text(item, "description", article.summary)
        _text(item, f"{{{_DC}}}creator", _author(article, source_names))
        for keyword in article.keywords:
            _text(item, "category", keyword)
    return _xml(rss)


def _atom(info: FeedInfo, articles: Sequence[Article], source_names: Mapping[str, str]) -> str:
    # Atom's namespace as the default one, written as a plain attribute: ElementTree's own
    # default_namespace refuses the unqualified attributes (rel, href) Atom uses.
    feed = ET.Element("feed", {"xmlns": _ATOM, "xml:lang": info.language})
    _text(feed, "id", info.self_url)
    _text(feed, "title", info.title)
    _text(feed, "subtitle", info.description)
    _text(feed, "updated", to_iso(_updated(articles)))
    link = {"rel": "self", "href": info.self_url, "type": "application/atom+xml"}
    ET.SubElement(feed, "link", link)
    ET.SubElement(feed, "link", {"rel": "alternate", "href": info.home_url})
    author = ET.SubElement(feed, "author")
    _text(author, "name", "techfeed")
    _text(feed, "generator", "techfeed")
    for article in articles:
        entry = ET.SubElement(feed, "entry")
        _text(entry, "id", entry_id(article))
        _text(entry, "title", article.title, type="text")
        ET.SubElement(entry, "link", {"rel": "alternate", "href": article.url})
        _text(entry, "published", to_iso(article.published_at))
        _text(entry, "updated", to_iso(article.published_at))
        writer = ET.SubElement(entry, "author")
        _text(writer, "name", _author(article, source_names))
        if article.summary:
            _text(entry, "summary", article.summary, type="text")
        for keyword in article.keywords:
            ET.SubElement(entry, "category", {"term": _NOT_XML.sub("", keyword)})
    return _xml(feed)


def _json_feed(info: FeedInfo, articles: Sequence[Article], source_names: Mapping[str, str]) -> str:
    items = []
    for article in articles:
        item: dict[str, object] = {
            "id": article.article_id,
            "url": article.url,
            "title": article.title,
            # JSON Feed needs content_html or content_text; the body stays on the blog.
            "content_text": article.summary or article.title,
            "date_published": to_iso(article.published_at),
            "authors": [{"name": _author(article, source_names)}],
            "tags": list(article.keywords),
        }
        if article.summary:
            item["summary"] = article.summary
        if article.image:
            item["image"] = article.image
        items.append(item)
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": info.title,
        "home_page_url": info.home_url,
        "feed_url": info.self_url,
        "description": info.description,
        "language": info.language,
        "authors": [{"name": "techfeed"}],
        "items": items,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
