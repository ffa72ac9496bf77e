"""Page metadata: title, author, published date and lead image from structured data first."""

from __future__ import annotations

import html as htmllib
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

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
_MAX_TITLE = 200
_SITE_PUNCTUATION = " |:-–—·•»"
_WORD = re.compile(r"\w+")
_SEPARATOR = re.compile(r" (?:[|·•–—-]|::) ")
_SUBTITLE = re.compile(r" \| ")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
# Word overlap (Dice) of a heading with the closest declared title: the same title, one
# worded a little differently, and one on the same subject.
_SAME = 0.8
_AGREES = 0.5
_RELATED = 0.2
_H2S = 3
# A label of a word or two before a colon: "Blog: Title", "Case study: Title", "Title:Title".
_LABEL = re.compile(r"^\w+(?: \w+)?: ?(.{10,})$")
# Inside a heading these break a line; <span>s and links flow with the words around them.
_HEADING_BREAKS = frozenset({"br", "div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "li"})
# Class words that display an element as a block or flex box on every screen (Tailwind,
# Bootstrap); a responsive one ("md:block") does not count.
_BLOCK_CLASSES = frozenset({"block", "flex", "grid", "d-block", "d-flex"})
_BLOCK_STYLE = re.compile(r"display\s*:\s*(?:block|flex|grid)", re.I)
# What themes set inside the title's own heading that is not the title: the post's date or
# byline (WordPress' "Posted on … by …"), a comment count, a nested sub-heading, a label meant
# for screen readers.
_IN_HEADING_TAGS = frozenset({"time", "h2", "h3", "h4", "h5", "h6", "script", "style"})
_IN_HEADING_CLASSES = frozenset(
    {"date", "byline", "posted", "author", "comment", "comments", "sr", "screen", "visually"}
)
_CLASS_WORDS = re.compile(r"[a-z]+")
_AUTHOR_MARKUP = etree.XPath(
    "//body//*[@rel='author' or @itemprop='author'][not(self::link) and not(self::meta)]"
)
# "ByJane" too: bylines often glue the label to a name in another element.
_BY = re.compile(
    r"^(?:(?i:written|posted|text|words)\s+)?(?:[Bb]y|BY|[Aa]uthor|AUTHOR)(?![a-z])\s*:?\s*"
)
_MAX_AUTHOR = 80
_MAX_AUTHOR_WORDS = 8
# Links, dates, counts and labels ("About the author") are not names.
_NOT_A_NAME = re.compile(r"https?:|www\.|@|\d|\bauthors?\b|\bby\b|:$|\bsays\b", re.I)
_MIN_AUTHOR = 3
_AUTHOR_KEYS = (
    *("author", "article:author", "dc.creator", "dcterms.creator", "parsely-author"),
    *("sailthru.author", "byl", "cxenseparse:author"),
)
_AUTHOR_CLASS = re.compile(r"author|byline", re.I)
_AUTHOR_LINKS = etree.XPath("//body//a[contains(@href, '/author/')]")
# Class values fetched as strings and matched in Python: many contains() in XPath are slower.
_CLASSES = etree.XPath("//body//*/@class")
_UNDATED_TIMES = etree.XPath("//body//time[not(@datetime)]")
_DATE_KEYS = (
    *("article:published_time", "og:published_time", "published_time", "datepublished"),
    *("date", "pubdate", "publishdate", "publish-date", "dc.date", "dc.date.issued"),
    *("dcterms.created", "sailthru.date", "parsely-pub-date", "article.published"),
)
_PUBLISHED_KEY = re.compile(r"pub(?!lisher)(?!.*(?:modif|updat|expir))")
_DATE_MARKUP = etree.XPath(
    "//*[@itemprop='datePublished'][@datetime or @content or @title] | //time[@datetime][1]"
)
_URL_DATE = re.compile(r"(?<!\d)(?:19|20)\d\d([/-])[01]?\d\1[0-3]?\d(?!\d)")
_DATE_CLASS = re.compile(r"date|publish|posted|time", re.I)
# Only an element's own short text: a whole header would also hold other dates.
_MAX_DATE_TEXT = 80
_AFTER_TITLE = etree.XPath("following::*[position() <= 12]")
# Elements with their own text and no child elements: where a dateline stands alone.
_LEAVES = etree.XPath("//body//*[not(*)][normalize-space(text())]")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            "jan january",
            "feb february",
            "mar march",
            "apr april",
            "may",
            "jun june",
            "jul july",
            "aug august",
            "sep sept september",
            "oct october",
            "nov november",
            "dec december",
        ],
        start=1,
    )
    for name in names.split()
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+{_ORDINAL},?\s+(\d{{4}})\b", re.I)
_DAY_MONTH_YEAR = re.compile(rf"\b{_ORDINAL}\s+{_MONTH},?\s+(\d{{4}})\b", re.I)
_LOOSE_DATE = re.compile(
    r"(\d{4})\s*[./년-]\s*(\d{1,2})\s*[./월-]\s*(\d{1,2})(?:\D{1,5}?(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_CLOCK = re.compile(r"\d:\d\d")
# A dateline: a date alone, or after a word or two of label ("Published", "작성일:").
_DATELINE_LABEL = r"(?:[\w.]+\s*){0,2}[:：]?\s*"
# Any date a page shows, to find in its text.
_SHOWN_DATE = re.compile(
    f"{_LOOSE_DATE.pattern}|{_MONTH_DAY_YEAR.pattern}|{_DAY_MONTH_YEAR.pattern}", re.I
)
_DATELINE = re.compile(f"^{_DATELINE_LABEL}({_SHOWN_DATE.pattern})$", re.I)


@dataclass(frozen=True)
class PageMeta:
    """What a page says about its article, before any look at the body text."""

    title: str | None
    author: str | None
    published_at: datetime | None
    image: str | None


def page_metadata(page: Any, url: str) -> PageMeta:
    """Title, author, date and image of page (an lxml document): JSON-LD, OpenGraph, <meta>,
    then the page's own markup."""
    metas = _meta_map(page)
    ld = _json_ld(page)
    return PageMeta(
        title=_halfwidth(_without_subtitle(_title(page, metas, ld))),
        author=_author(page, metas, ld),
        published_at=_published_at(page, metas, ld, url),
        image=_first(metas, "og:image", "twitter:image", "twitter:image:src"),
    )


def _title(page: Any, metas: dict[str, str], ld: list[dict[str, Any]]) -> str | None:
    """The heading a reader sees as the title, else the metadata's title less its site name.

    Readers take the visible <h1> as the title even where og:title words it differently; the
    metadata only picks between several headings and unmasks one that is the site's logo.
    """
    headline = next((o["headline"] for o in ld if isinstance(o.get("headline"), str)), None)
    element = page.find(".//title")
    tagged = element.text_content() if element is not None else None
    declared = [
        _clean(value)
        for value in (_first(metas, "og:title"), headline, _first(metas, "twitter:title"), tagged)
        if value and value.strip()
    ]
    sites = _site_names(declared, _first(metas, "og:site_name"))
    # og:title is sometimes just the site's name.
    declared = [value for value in declared if value.casefold() not in sites]
    h1s = _headings(page, "h1", sites)
    h2s = _headings(page, "h2", sites)[:_H2S]
    h1 = max(h1s, key=lambda h: _agreement(h, declared), default=None)
    h2 = max(h2s, key=lambda h: _agreement(h, declared), default=None)
    if h1 is not None and (not declared or _agreement(h1, declared) >= _AGREES):
        return _as_title(h1, declared, sites)
    # Blogs that spend their <h1> on the logo put the post title in one of the first <h2>s.
    if h2 is not None and _agreement(h2, declared) >= _SAME:
        return _as_title(h2, declared, sites)
    # A lone <h1> is the article's own title even when og:title words it otherwise.
    if h1 is not None and len(set(h1s)) == 1 and _agreement(h1, declared) >= _RELATED:
        return _as_title(h1, declared, sites)
    if not declared:
        return None
    # <title> names the site far more often than og:title does, after a dash too.
    separators = _SITE_SEPARATORS if len(declared) > 1 or not tagged else _TITLE_SEPARATORS
    return _strip_site_suffix(declared[0], _first(metas, "og:site_name"), separators)


def _without_subtitle(title: str | None) -> str | None:
    """title less what follows a pipe ("Title | Top 10 Picks"): headings and metadata alike
    use one to tack a tagline or the site's name onto the title; a dash may be the title's own."""
    head = _SUBTITLE.split(title, maxsplit=1)[0] if title else title
    return head if head and len(head) >= _MIN_TITLE else title


def _headings(page: Any, tag: str, sites: set[str]) -> list[str]:
    """Texts of page's tag headings that could be a title: not a site name, not a paragraph."""
    texts = (_clean(heading_text(el)) for el in page.iter(tag))
    return [t for t in texts if t and len(t) <= _MAX_TITLE and t.casefold() not in sites]


def heading_text(heading: Any) -> str:
    """heading's words as a reader sees the title: a line break or block inside it separates
    words, and a date, byline or hidden label set inside the heading is not part of it."""
    parts: list[str] = [heading.text or ""]
    for child in heading:
        if isinstance(child.tag, str) and not _in_heading_furniture(child):
            block = _shown_as_block(child)
            if block:
                parts.append(" ")
            parts.append(heading_text(child))
            if block:
                parts.append(" ")
        parts.append(child.tail or "")
    return "".join(parts)


def _shown_as_block(el: Any) -> bool:
    """Whether a heading's child starts a line of its own: a block element, or an inline one a
    class or style displays as a block (Tailwind's `<span class="block">` second line)."""
    if el.tag in _HEADING_BREAKS:
        return True
    if _BLOCK_CLASSES.intersection((el.get("class") or "").split()):
        return True
    return _BLOCK_STYLE.search(el.get("style") or "") is not None


def _in_heading_furniture(el: Any) -> bool:
    """Whether el, inside a heading, is not the title's: by its tag, or a word of its class."""
    words = _CLASS_WORDS.findall((el.get("class") or "").lower())
    return el.tag in _IN_HEADING_TAGS or not _IN_HEADING_CLASSES.isdisjoint(words)


def _site_names(declared: list[str], site_name: str | None) -> set[str]:
    """Names the page gives its site: og:site_name, and what a longer title adds to a shorter
    one ("Blog: Post" beside "Post")."""
    sites = {site_name.casefold()} if site_name else set()
    folded = [d.casefold() for d in declared]
    for longer in folded:
        for shorter in folded:
            # The site's name is the shorter part: "Site: Post", not "Post: Site".
            if shorter != longer and shorter in longer and len(shorter) * 2 > len(longer):
                rest = longer.replace(shorter, " ")
                sites.add(" ".join(rest.strip(_SITE_PUNCTUATION).split()))
    sites.discard("")
    return sites


def _as_title(heading: str, declared: list[str], sites: set[str]) -> str:
    """A heading chosen as the title, as the article names itself: no section label, no
    trailing site name, capitalized as the page writes it."""
    heading = _unmasked(_before_site_name(heading, sites, _MIN_TITLE) or heading, declared)
    return _cased(_unlabelled(heading, declared), declared)


def _unmasked(heading: str, declared: list[str]) -> str:
    """A heading whose page lost characters to its encoding ("Planning? Beginner? Guide": a
    "?" inside the title where a character could not be written) as the metadata writes it,
    when the metadata's title is the same but for those characters."""
    if "?" not in heading.rstrip("?"):
        return heading
    # Each "?" stands for a mark, perhaps with the letter after it ("'s" -> "?").
    pattern = "".join(r"[^\w\s]\w?" if ch == "?" else re.escape(ch) for ch in heading)
    parts = _declared_parts(declared)
    return next((p for p in parts if re.fullmatch(pattern, p, re.IGNORECASE)), heading)


def _before_site_name(title: str, sites: set[str], shortest: int) -> str | None:
    """What title says before a trailing " | Site" naming one of sites (casefolded), if at
    least `shortest` characters are left."""
    for separator in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        if found and len(head) >= shortest and tail.casefold() in sites:
            return head
    return None


def _unlabelled(heading: str, declared: list[str]) -> str:
    """heading less a short label before a colon ("Blog: …", "Review: …") that the declared
    titles do not carry: the theme's section label, not the article's words."""
    m = _LABEL.match(heading)
    if m and any(d.casefold().startswith(m[1].casefold()) for d in declared):
        return m[1]
    return heading


def _cased(heading: str, declared: list[str]) -> str:
    """heading as its best-capitalized spelling among the declared titles.

    Themes set headings in capitals or lower case, and metadata is sometimes lower-cased
    too: of the spellings of the same words, the one with the most capitals (not all of
    them) is the title as written.
    """
    folded = heading.casefold()
    parts = _declared_parts(declared)
    spellings = [part for part in parts if part.casefold() == folded and part != part.upper()]
    capitals = heading == heading.upper() != heading.lower()  # Hangul has no capitals
    if capitals and heading not in parts and not spellings:
        # Set in capitals, the heading hides how the title is written, unless the metadata
        # writes it in capitals too: the declared title with (nearly) its words says it.
        written = [part for part in parts if part != part.upper()]
        close = max(written, key=lambda part: _agreement(heading, [part]), default=None)
        if close is not None and _agreement(heading, [close]) >= _SAME:
            return close
    candidates = spellings if capitals else [heading, *spellings]
    return max(candidates, key=_capitals, default=heading)


def _declared_parts(declared: list[str]) -> list[str]:
    """The declared titles, and each one's parts between separators ("Title | Site")."""
    return [part for value in declared for part in (value, *_SEPARATOR.split(value))]


def _capitals(text: str) -> int:
    return sum(c.isupper() for c in text)


def _agreement(heading: str, declared: list[str]) -> float:
    """How well heading matches the best of the declared titles: Dice overlap of their words."""
    words = set(_WORD.findall(heading.casefold()))
    if not words:
        return 0.0
    scores = (
        2 * len(words & other) / (len(words) + len(other))
        for value in declared
        if (other := set(_WORD.findall(value.casefold())))
    )
    return max(scores, default=0.0)


# Full-width forms of ASCII ("？", "（", "Ａ") typed by a CJK input method, and its wide space.
_HALFWIDTH = {**{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}, 0x3000: 0x20}


def _halfwidth(title: str | None) -> str | None:
    """A title with full-width ASCII as plain ASCII: "Work？" reads "Work?" in any font."""
    return title.translate(_HALFWIDTH) if title else title


def _clean(text: str) -> str:
    return " ".join(_INVISIBLE.sub("", htmllib.unescape(text)).split())


def _author(page: Any, metas: dict[str, str], ld: list[dict[str, Any]]) -> str | None:
    """JSON-LD, then <meta>, then the byline; a declared author that is only the site's own
    name gives way to a person named in the byline."""
    declared = _ld_author(ld) or _meta_author(metas)
    site = (_first(metas, "og:site_name") or "").casefold()
    if declared and declared.casefold() != site:
        return declared
    return _markup_author(page) or declared


def _meta_author(metas: dict[str, str]) -> str | None:
    keys = [*_AUTHOR_KEYS]
    if (metas.get("twitter:label1") or "").casefold() in ("written by", "author"):
        keys.append("twitter:data1")
    for key in keys:
        if (value := metas.get(key)) and (name := _author_name(value)):
            return name
    return None


def _markup_author(page: Any) -> str | None:
    """A byline: rel=author or itemprop=author, then author/byline classes and author links,
    then a "By ..." line under the title."""
    for el in _AUTHOR_MARKUP(page):
        name = el.find(".//*[@itemprop='name']")
        if text := _author_name((name if name is not None else el).text_content()):
            return text
    # Names by their own class first ("author-name"), then whole bylines; never a commenter's.
    bylines = _classed(page, _AUTHOR_CLASS)
    names = [el for el in bylines if "name" in el.get("class").lower()]
    for el in itertools.chain(names, bylines, _AUTHOR_LINKS(page)):
        if (text := _author_name(_name_in(el).text_content())) and not _in_comment(el):
            return text
    h1 = page.find(".//body//h1")
    for el in _AFTER_TITLE(h1) if h1 is not None else ():
        text = _clean(el.text_content())
        if _BY.match(text) and (name := _author_name(text)):
            return name
    return None


def _name_in(byline: Any) -> Any:
    """The part of a byline that names the person: an element classed as a name, else the
    byline's link (a name links to the author's page; the job title after it does not)."""
    for el in byline.iterdescendants():
        if not isinstance(el.tag, str) or not el.text_content().strip():
            continue
        if "name" in (el.get("class") or "").lower() or el.tag == "a":
            return el
    return byline


def _classed(page: Any, words: re.Pattern[str]) -> list[Any]:
    """Elements of page's body whose class matches words, in document order."""
    return [value.getparent() for value in _CLASSES(page) if words.search(value)]


def _in_comment(el: Any) -> bool:
    return any("comment" in (a.get("class") or "").lower() for a in el.iterancestors())


def _author_name(text: str) -> str | None:
    """text as a person's or team's name, or None when it reads as something else."""
    name = _BY.sub("", _clean(text)).strip(" ,·|-")
    if (
        not _MIN_AUTHOR <= len(name) <= _MAX_AUTHOR
        or len(name.split()) > _MAX_AUTHOR_WORDS
        or _NOT_A_NAME.search(name)
    ):
        return None
    return name


def _published_at(
    page: Any, metas: dict[str, str], ld: list[dict[str, Any]], url: str
) -> datetime | None:
    """Structured data first, then a date in the URL's path, then a date shown on the page."""
    candidates = [obj.get("datePublished") for obj in ld]
    candidates += [metas.get(key) for key in _DATE_KEYS]
    candidates += [value for key, value in metas.items() if _PUBLISHED_KEY.search(key)]
    candidates += [
        el.get("datetime") or el.get("content") or el.get("title") for el in _DATE_MARKUP(page)
    ]
    for value in candidates:
        if isinstance(value, str) and (parsed := _parse_datetime(value)):
            return parsed
    if (m := _URL_DATE.search(urlsplit(url).path)) and (parsed := _parse_datetime(m[0])):
        return parsed
    for el in _shown_dates(page):
        text = " ".join(el.text_content().split())
        m = _SHOWN_DATE.search(text) if len(text) <= _MAX_DATE_TEXT else None
        if m and (parsed := _parse_datetime(m[0])):
            return parsed
    # Last, a dateline anywhere: a short element whose whole text is a date.
    for el in _LEAVES(page):
        text = " ".join((el.text or "").split())
        m = _DATELINE.match(text) if len(text) <= _MAX_DATE_TEXT else None
        if m and (parsed := _parse_datetime(m[1])):
            return parsed
    return None


def _shown_dates(page: Any) -> Iterator[Any]:
    """Elements likely to show the article's date: <time>, date-like classes, then the few
    elements that follow the first <h1> (themes print the date under the title)."""
    yield from _UNDATED_TIMES(page)
    yield from _classed(page, _DATE_CLASS)
    h1 = page.find(".//body//h1")
    if h1 is not None:
        yield from _AFTER_TITLE(h1)


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
    # Yoast-style graphs name the author by reference: {"@id": ".../#/schema/person/1"}.
    by_id = {obj["@id"]: obj for obj in ld if isinstance(obj.get("@id"), str)}
    for obj in ld:
        authors = obj.get("author")
        names = [
            _ld_name(by_id.get(a.get("@id"), a) if isinstance(a, dict) else a)
            for a in (authors if isinstance(authors, list) else [authors])
        ]
        if names := [name for name in names if name]:
            return ", ".join(names)
    return None


def _ld_name(author: Any) -> str:
    name = author.get("name") if isinstance(author, dict) else author
    return _clean(name) if isinstance(name, str) else ""


def _parse_datetime(value: str) -> datetime | None:
    """ISO 8601, RFC 2822, "2024.03.05 10:00" or "March 5, 2024" as a UTC instant.

    A time without an offset is KST (Korean blogs write local times). A bare date has no
    time zone at all: it stays that calendar day, at midnight UTC, rather than becoming the
    day before in UTC.
    """
    value = value.strip()
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            parsed = _loose_datetime(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_KST if _CLOCK.search(value) else UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def _loose_datetime(value: str) -> datetime | None:
    """A naive datetime from numeric ("2024.03.05", "2024년 3월 5일") or named-month dates."""
    try:
        if m := _LOOSE_DATE.search(value):
            year, month, day, hour, minute, second = (int(g) for g in m.groups("0"))
            return datetime(year, month, day, hour, minute, second)
        if m := _MONTH_DAY_YEAR.search(value):
            return datetime(int(m[3]), _MONTHS[m[1].lower()], int(m[2]))
        if m := _DAY_MONTH_YEAR.search(value):
            return datetime(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    except ValueError:
        pass
    return None


def _strip_site_suffix(title: str, site_name: str | None, separators: tuple[str, ...]) -> str:
    """Drop a trailing " | Site" when it names the site, or when a pipe leaves a real title."""
    if site_name and (head := _before_site_name(title, {site_name.casefold()}, 1)):
        return head
    for separator in separators:
        head, found, tail = title.rpartition(separator)
        if found and len(head) >= _MIN_TITLE and len(tail) < len(head):
            return head
    return title
