"""Page metadata: title, author, published date and lead image from structured data first."""

from __future__ import annotations

import html as htmllib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import etree

# Korean blogs write local times without an offset.
_KST = timezone(timedelta(hours=9))


_ARTICLE_TYPES = frozenset(
    {"Article", "BlogPosting", "NewsArticle", "TechArticle", "Report", "SocialMediaPosting"}
)
_TITLE_SEPARATORS = (" | ", " :: ", " - ", " – ", " — ", " · ")
# A pipe or double colon almost always introduces the site name; a dash may be part of the title.
_SITE_SEPARATORS = (" | ", " :: ")
_MIN_TITLE = 10
_AUTHOR_MARKUP = etree.XPath(
    "//body//*[@rel='author' or @itemprop='author'][not(self::link) and not(self::meta)]"
)
_BY = re.compile(r"^(?:by|written by|posted by)\s+", re.I)
_MAX_AUTHOR = 80
_DATE_KEYS = (
    *("article:published_time", "og:published_time", "published_time", "datepublished"),
    *("date", "pubdate", "publishdate", "publish-date", "dc.date", "dc.date.issued"),
    *("dcterms.created", "sailthru.date", "parsely-pub-date", "article.published"),
)
_DATE_MARKUP = etree.XPath(
    "//*[@itemprop='datePublished'][@datetime or @content] | //time[@datetime][1]"
)
_LOOSE_DATE = re.compile(
    r"(\d{4})\s*[./년-]\s*(\d{1,2})\s*[./월-]\s*(\d{1,2})(?:\D{1,5}?(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)


@dataclass(frozen=True)
class PageMeta:
    """What a page says about its article, before any look at the body text."""

    title: str | None
    author: str | None
    published_at: datetime | None
    image: str | None


def page_metadata(page: Any) -> PageMeta:
    """Title, author, date and image of page (an lxml document): JSON-LD, OpenGraph, <meta>,
    then the page's own markup."""
    metas = _meta_map(page)
    ld = _json_ld(page)
    return PageMeta(
        title=_title(page, metas, ld),
        author=_ld_author(ld) or _meta_author(metas) or _markup_author(page),
        published_at=_published_at(page, metas, ld),
        image=_first(metas, "og:image", "twitter:image", "twitter:image:src"),
    )


def _title(page: Any, metas: dict[str, str], ld: list[dict[str, Any]]) -> str | None:
    """The page's <h1> when the metadata agrees with it (it has no site name), else the
    metadata's title less its site suffix, else the first <h1>."""
    headline = next((o["headline"] for o in ld if isinstance(o.get("headline"), str)), None)
    element = page.find(".//title")
    tagged = element.text_content() if element is not None else None
    declared = [
        _clean(value)
        for value in (_first(metas, "og:title"), headline, _first(metas, "twitter:title"), tagged)
        if value and value.strip()
    ]
    headings = [text for h1 in page.iter("h1") if (text := _clean(h1.text_content()))]
    folded = [value.casefold() for value in declared]
    for heading in headings:
        if any(value.startswith(heading.casefold()) for value in folded):
            return heading
    if not declared:
        return headings[0] if headings else None
    # <title> names the site far more often than og:title does, after a dash too.
    separators = _SITE_SEPARATORS if len(declared) > 1 or not tagged else _TITLE_SEPARATORS
    return _strip_site_suffix(declared[0], _first(metas, "og:site_name"), separators)


def _clean(text: str) -> str:
    return " ".join(htmllib.unescape(text).split())


def _meta_author(metas: dict[str, str]) -> str | None:
    for key in ("author", "article:author", "dc.creator", "parsely-author", "byl"):
        value = metas.get(key)
        if value and not value.startswith(("http://", "https://")):
            return _BY.sub("", value)
    return None


def _markup_author(page: Any) -> str | None:
    """A byline marked up as such: rel=author or itemprop=author."""
    for el in _AUTHOR_MARKUP(page):
        name = el.find(".//*[@itemprop='name']")
        text = _clean((name if name is not None else el).text_content())
        text = _BY.sub("", text)
        if 0 < len(text) <= _MAX_AUTHOR:
            return text
    return None


def _published_at(page: Any, metas: dict[str, str], ld: list[dict[str, Any]]) -> datetime | None:
    candidates = [obj.get("datePublished") for obj in ld]
    candidates += [metas.get(key) for key in _DATE_KEYS]
    candidates += [el.get("datetime") or el.get("content") for el in _DATE_MARKUP(page)]
    for value in candidates:
        if isinstance(value, str) and (parsed := _parse_datetime(value)):
            return parsed
    return None


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


def _strip_site_suffix(title: str, site_name: str | None, separators: tuple[str, ...]) -> str:
    """Drop a trailing " | Site" when it names the site, or when a pipe leaves a real title."""
    for separator in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        if found and head and site_name and tail.casefold() == site_name.casefold():
            return head
    for separator in separators:
        head, found, tail = title.rpartition(separator)
        if found and len(head) >= _MIN_TITLE and len(tail) < len(head):
            return head
    return title
