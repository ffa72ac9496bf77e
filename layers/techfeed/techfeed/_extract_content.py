"""The main content of a parsed page: the element holding the article, boilerplate pruned."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

# Gone with their content wherever they are: never article text.
_NOISE_TAGS = (
    *("script", "style", "noscript", "template", "svg", "math", "canvas", "iframe", "object"),
    *("embed", "input", "link", "meta"),
)
# Controls go too, unless an unclosed one swallowed the page (parsers do not close them).
_CONTROL_TAGS = ("button", "select", "textarea", "label", "dialog")
_CONTROL_TEXT = 200
# Site chrome by its tag: navigation, sidebars, page and article footers.
_CHROME_TAGS = frozenset({"nav", "aside", "footer", "header", "menu"})
_CHROME_PROSE = 2000
# Text units: a reader reads each as a whole; link-heavy ones are navigation.
_UNIT_TAGS = frozenset(
    {"p", "pre", "li", "td", "th", "dd", "dt", "blockquote", "figcaption", "caption"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "address"}
)
_INLINE_TAGS = frozenset(
    {"b", "i", "em", "strong", "span", "code", "kbd", "sub", "sup", "mark", "small", "u", "s"}
    | {"abbr", "q", "cite", "time", "font", "big", "tt", "var", "samp", "del", "ins", "br"}
)
# Class and id words of page furniture: matched against whole words of class/id values.
_BOILERPLATE = frozenset(
    {"nav", "navbar", "navigation", "menu", "footer", "sidebar"}
    | {"comment", "comments", "disqus", "share", "sharing", "social", "related", "recommended"}
    | {"cookie", "cookies", "consent", "gdpr", "newsletter", "subscribe", "subscription"}
    | {"signup", "breadcrumb", "breadcrumbs", "pagination", "pager", "advert", "advertisement"}
    | {"ads", "ad", "sponsor", "sponsored", "promo", "popup", "modal", "banner", "masthead"}
    | {"toolbar", "byline", "tags", "tagcloud", "categories", "sharedaddy"}
    | {"screen", "sr", "visually", "outbrain", "taboola", "meta"}
    | {"author", "bio", "profile", "rating", "reactions", "postbtn", "reply", "replies"}
    | {"cta", "sticky"}  # calls to action; bars pinned over the page (share, sign-up, ads)
)
_NAVIGATION = frozenset({"nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs"})
_NAV_PROSE = 150
_NAV_LINKED = 0.2
# Words that mark the article itself; they override a boilerplate word in the same value.
_CONTENT = frozenset(
    {"article", "content", "entry", "post", "body", "main", "text", "story", "prose", "markdown"}
)
_WORDS = re.compile(r"[a-z0-9]+")
_TOKENS = re.compile(r"\w+")
_RIGHTS = re.compile(
    r"^(?:©|\(c\)|copyright\b)|all rights reserved|무단\s*전재|무단\s*복제|저작권자\s*[©ⓒ(]", re.I
)
# A copyright line is short and stands in a block of its own.
_NOTICE_TEXT = 300
_NOTICE_TAGS = frozenset({"p", "div", "small", "address", "li"})
# Characters outside its link that make a list item say something ("Official website: …").
_SAID = 10
_HIDDEN = etree.XPath(".//*[@hidden or @aria-hidden or @style]")
_TOGGLES = etree.XPath(
    ".//*[@aria-controls][@aria-expanded or self::button or @role='button' or self::summary]"
)
_MENU_TAGS = frozenset({"nav", "header", "footer", "menu"})
# A collapsed panel with less text than this is a placeholder a script fills ("Loading…").
_PANEL_TEXT = 80
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# Whole class names of content hidden on every screen (frameworks' utility classes); any other
# display class beside one (e.g. Tailwind's `hidden md:block`) makes it responsive instead.
_HIDDEN_CLASSES = frozenset({"hide", "hidden", "invisible", "is-hidden", "w-condition-invisible"})
_SHOWN = re.compile(r":|\b(block|flex|grid|inline|show|visible)\b")

# Descend into a child while it holds this share of its parent's article text.
_DESCEND = 0.8
_DESCEND_SEMANTIC = 0.5
_LINK_HEAVY = 0.5
# A container with a paragraph's worth of its own prose is a section with links, not a menu.
_LINKY_PROSE = 200
# A hidden block whose words are this share of the shown ones' is a copy of them.
_COPY = 0.7
# Blocks repeated word for word (calls to action): at least this long, at most this much prose.
_WIDGET_TEXT = 40
_WIDGET_MAX = 2000
# A teaser list: this many cards, each under _CARD characters with a mostly-linked heading.
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LINKED_TITLE = 0.6
_CARD = 1500
_TEASERS = 3
_LISTS = frozenset({"ul", "ol", "dl"})
_PRUNE_LINKY = frozenset({"div", "section"}) | _LISTS


def main_content(page: Any) -> Any | None:
    """The element of page (an lxml document) that holds the article, pruned in place."""
    body = page.find("body")
    if body is None:
        return None
    _drop_noise(body)
    scores = _good_text(body)
    root = body
    while (child := _holder(root, scores.good)) is not None:
        root = child
    _prune(root, scores)
    return root


@dataclass(frozen=True)
class _Scores:
    """What _good_text measured of every element under <body>."""

    good: dict[Any, int]  # article-like text, a furniture class's share discounted
    plain: dict[Any, int]  # the same without the discount
    density: dict[Any, float]  # share of the element's text inside links
    teasers: set[Any]  # lists of teaser cards


def _holder(el: Any, good: dict[Any, int]) -> Any | None:
    """The child of el that holds most of its article text, if one does."""
    # Never into a paragraph or a span: the article is a container of those.
    children = [
        c
        for c in el
        if isinstance(c.tag, str)
        and good.get(c, 0)
        and c.tag not in _UNIT_TAGS
        and c.tag not in _INLINE_TAGS
    ]
    if not children:
        return None
    best = max(children, key=lambda c: good[c])
    # Responsive layouts render the same article once per screen size: count it once.
    copies = [c for c in children if c is not best and good[c] == good[best]]
    if copies and all(c.text_content() == best.text_content() for c in copies):
        for copy in copies:
            _remove(copy)
            children.remove(copy)
    # A gated or printable second copy, hidden by class beside the one shown: drop it. (Hidden
    # content without a shown copy stays: pages hide their whole body until a script runs.)
    hidden = [c for c in children if _hidden_by_class(c.get("class") or "")]
    if hidden and len(hidden) < len(children):
        shown = set(
            _TOKENS.findall(" ".join(c.text_content() for c in children if c not in hidden))
        )
        copies = [c for c in hidden if _shared(_TOKENS.findall(c.text_content()), shown) >= _COPY]
        for copy in copies:
            _remove(copy)
            children.remove(copy)
        best = max(children, key=lambda c: good[c])
    share = good[best] / max(sum(good[c] for c in el if isinstance(c.tag, str)), 1)
    if best.tag in _LISTS:  # a list is part of the article, not the whole of it
        return None
    return best if share >= (_DESCEND_SEMANTIC if _is_semantic(best) else _DESCEND) else None


def _shared(words: list[str], others: set[str]) -> float:
    """The share of words found among others."""
    return sum(w in others for w in words) / max(len(words), 1)


def _is_semantic(el: Any) -> bool:
    """Markup that says "this is the article"."""
    return (
        el.tag in ("main", "article")
        or el.get("role") == "main"
        or el.get("itemprop") == "articleBody"
    )


def _drop_noise(body: Any) -> None:
    panels = _disclosed(body)
    doomed = [el for el in body.iter(*_NOISE_TAGS)]
    doomed += [el for el in body.iter(*_CONTROL_TAGS) if len(el.text_content()) < _CONTROL_TEXT]
    doomed += [el for el in body.iter(etree.Comment, etree.ProcessingInstruction)]
    doomed += [
        el
        for el in _HIDDEN(body)
        if not (el.get("id") in panels and len(el.text_content().strip()) >= _PANEL_TEXT)
        and (
            # React streams server-rendered parts as hidden children of <body>, shown by script.
            ("hidden" in el.attrib and el.getparent() is not body)
            or el.get("aria-hidden") == "true"
            or _HIDDEN_STYLE.search(el.get("style") or "")
        )
    ]
    for el in doomed:
        _remove(el)


def _disclosed(body: Any) -> set[str]:
    """Ids of collapsed panels a reader opens in place: an accordion's sections, a "show more"
    (named by the aria-controls of a button or of a toggle that says whether it is expanded).
    A reader view shows them open."""
    return {
        name
        for toggle in _TOGGLES(body)
        if toggle.tag not in _MENU_TAGS and not _in_menu(toggle)
        for name in (toggle.get("aria-controls") or "").split()
    }


def _in_menu(el: Any) -> bool:
    """Whether el sits in navigation: a menu's toggles open more links, not more article."""
    return any(
        a.tag in _MENU_TAGS or a.get("role") in ("navigation", "menu") for a in el.iterancestors()
    )


def _hidden_by_class(value: str) -> bool:
    """Whether class words hide an element on every screen (copies kept for scripts to show)."""
    names = value.lower().split()
    return bool(_HIDDEN_CLASSES.intersection(names)) and not any(_SHOWN.search(n) for n in names)


def _remove(el: Any) -> None:
    """Drop el and its content but keep its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _good_text(body: Any) -> _Scores:
    """Characters of article-like text under each element (outside links and link-heavy units),
    each element's link density, and the lists of teaser cards."""
    text: dict[Any, int] = {}
    links: dict[Any, int] = {}
    good: dict[Any, int] = {}
    plain: dict[Any, int] = {}
    titled: set[Any] = set()  # elements holding a heading that links elsewhere
    teasers: set[Any] = set()  # lists of cards: a linked title and an excerpt each
    for el in reversed(list(body.iter(etree.Element))):
        own = len((el.text or "").strip())
        tails = 0
        kids_text = kids_links = kids_good = kids_plain = cards = 0
        for child in el:
            tails += len((child.tail or "").strip())
            kids_text += text.get(child, 0)
            kids_links += links.get(child, 0)
            kids_good += good.get(child, 0)
            kids_plain += plain.get(child, 0)
            if child in titled:
                titled.add(el)
                cards += child.tag not in _HEADINGS and good.get(child, 0) < _CARD
        total = own + tails + kids_text
        text[el] = total
        tag = el.tag
        if tag in _HEADINGS and total and kids_links >= _LINKED_TITLE * total:
            titled.add(el)
        if tag == "a":
            links[el] = total
            good[el] = plain[el] = 0
            continue
        links[el] = kids_links
        if tag in _UNIT_TAGS:
            good[el] = plain[el] = total - kids_links if kids_links < _LINK_HEAVY * total else 0
        elif tag in _INLINE_TAGS:
            good[el] = plain[el] = total - kids_links
        else:
            good[el] = own + tails + kids_good
            plain[el] = own + tails + kids_plain
        if cards >= _TEASERS:
            teasers.add(el)
        if _is_boilerplate(el, good[el], kids_links / max(total, 1), strict=False):
            good[el] //= 4
    density = {el: links[el] / total for el, total in text.items() if total}
    return _Scores(good, plain, density, teasers)


def _is_boilerplate(el: Any, good: int, linked: float, *, strict: bool) -> bool:
    """Furniture by tag, role or class/id words; unless strict, article words excuse it.

    A chrome tag holding an article's worth of prose is a theme misusing <header> or <aside>
    as a section, not furniture; so is a "navigation" class on prose with few links (a
    table-of-contents target such as `content-nav-section`).
    """
    if el.tag in _CHROME_TAGS or el.get("role") in ("navigation", "complementary"):
        return good < _CHROME_PROSE
    value = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    words = set(_WORDS.findall(value)) if value.strip() else set()
    found = words & _BOILERPLATE
    if found <= _NAVIGATION and good >= _NAV_PROSE and linked < _NAV_LINKED:
        return False
    return bool(found) and (strict or not words & _CONTENT)


def _prune(root: Any, scores: _Scores) -> None:
    """Drop furniture inside the article: chrome tags, boilerplate classes, link lists, teasers.

    A block classed as furniture that holds most of the article's text is the article in a
    theme's wrapper (a newsletter's own `newsletter-email` box), not furniture beside it.
    """
    good, density, teasers = scores.good, scores.density, scores.teasers
    total = scores.plain.get(root, 0)
    doomed = []
    stack = [c for c in root if isinstance(c.tag, str)]
    while stack:
        el = stack.pop()
        if el.tag in ("pre", "code", "table"):
            continue
        furniture = el in teasers or _is_boilerplate(
            el, good.get(el, 0), density.get(el, 0), strict=True
        )
        if furniture and scores.plain.get(el, 0) < 0.5 * total:
            doomed.append(el)
            continue
        small = 0 < good.get(el, 0) <= _NOTICE_TEXT
        if small and el.tag in _NOTICE_TAGS and _is_rights_notice(el):
            doomed.append(el)
            continue
        linky = density.get(el, 0) > _LINK_HEAVY and good.get(el, 0) < _LINKY_PROSE
        if el.tag in _PRUNE_LINKY and linky and not any(map(_is_content_list, el.iter("ul", "ol"))):
            doomed.append(el)
            continue
        stack.extend(c for c in el if isinstance(c.tag, str))
    for el in doomed:
        _remove(el)
    _drop_repeated_widgets(root, good)


def _is_rights_notice(el: Any) -> bool:
    """A copyright line: the site's notice, never the article's text."""
    text = " ".join(el.text_content().split())
    return len(text) <= _NOTICE_TEXT and bool(_RIGHTS.search(text))


def _is_content_list(listing: Any) -> bool:
    """A list of links that is the article's: announced by the text before it, or its items
    saying something beside their links ("Official website: …"), as menus' items do not."""
    items = [li for li in listing if li.tag == "li"]
    said = sum(_unlinked(li) >= _SAID for li in items)
    return _introduced(listing) or (bool(items) and 2 * said >= len(items))


def _unlinked(el: Any) -> int:
    """Characters of el's text outside its links."""
    text = len("".join(el.text_content().split()))
    return text - sum(len("".join(a.text_content().split())) for a in el.iter("a"))


def _introduced(listing: Any) -> bool:
    """Whether the text before a list announces it ("patches were sent for review:")."""
    block = listing
    # Up through wrappers that hold nothing but the list.
    while (
        block.getprevious() is None
        and (parent := block.getparent()) is not None
        and not (parent.text or "").strip()
        and sum(isinstance(c.tag, str) for c in parent) == 1
    ):
        block = parent
    before = block.getprevious()
    if before is not None:
        text: str = before.text_content()
    else:  # the list opens its container: the container's own text comes before it
        parent = block.getparent()
        text = (parent.text or "") if parent is not None else ""
    return text.rstrip().endswith((":", "\uff1a"))


def _drop_repeated_widgets(root: Any, good: dict[Any, int]) -> None:
    """Keep one of the blocks the article repeats word for word (sign-up boxes, calls to action)."""
    seen: dict[str, list[Any]] = {}
    for el in root.iter("div", "section", "aside", "form"):
        if good.get(el, 0) > _WIDGET_MAX:
            continue  # an article's part, not a box: and reading its text is costly
        text = " ".join(el.text_content().split())
        if len(text) >= _WIDGET_TEXT:
            seen.setdefault(text, []).append(el)
    for nested in seen.values():
        # A wrapper and its only child read the same: they are one block, not two copies.
        copies = [el for el in nested if not any(a in nested for a in el.iterancestors())]
        if len(copies) > 1:
            for el in copies[1:]:
                _remove(el)
