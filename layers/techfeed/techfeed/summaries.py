"""Article text -> an extractive summary: its 2-3 most central whole sentences, with Korean
and English sentence splitting (a regex splitter: no tokenizer, cheap to import)."""

from __future__ import annotations

import math
import re
from collections import Counter

from techfeed.plaintext import HTML_HINT, text_of
from techfeed.stopwords import is_stop_word, word_set
from techfeed.taxonomy import HANGUL, is_hangul

# Where a sentence ends: closing punctuation, then a space or a Korean ending glued on.
SENTENCE_END = re.compile(
    r"""
    [.!?…。]+["'”’)\]]*                     # the sentence's closing punctuation
    (?: \s+ | (?<=[다요죠까][.!?]) (?=[가-힣A-Z]) )   # then space, or Korean ending glued on
    """,
    re.VERBOSE,
)
# Neither a letter nor a space: digits, underscores, punctuation, symbols.
_NOT_PROSE = re.compile(r"[\d_]|[^\w\s]")
_CLOSED = re.compile(r"(?:[.!?…。:]|[다요죠])[\"'”’)\]]*$")
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|Mr|Dr|No|cf)|^\d{1,2}|\b[A-Z])\.$")
_PURPOSE = re.compile(r"(?:이번|이) 글(?:에서는|은)|this (?:post|article)", re.IGNORECASE)
# First words of a sentence that continues the one before it.
_LEANS_KO = word_set(
    "그래서 그러나 하지만 그런데 그리고 또한 따라서 그러므로 즉 이때 이에 이를 이는 이것은 이것이 "
    "이러한 이런 이렇게 이처럼 이로써 그러면 그럼 그래도 게다가 반면 반면에 바로 한편 또 결국 덕분에 "
    "다만 대신 그러자 그 이 여기서 그렇다면 둘째 셋째 넷째 마지막으로"
)
_LEANS_EN = word_set(
    "it they but so however also therefore thus instead then and or still yet because which "
    "hence moreover furthermore otherwise meanwhile such second secondly third finally lastly"
)
_POINTS_BACK_EN = word_set("this that these those")
_TIME_NOUNS_EN = word_set(
    "year spring summer fall autumn winter quarter month week time morning release"
)
_LEANS = _LEANS_KO | _LEANS_EN | _POINTS_BACK_EN
_REASON_END = re.compile(r"때문(?:입니다|이다|이죠|이에요)[.!]?$")
_LIST_ITEM = re.compile(r"(?:[-*•]|\d{1,2}[.)])\s")
_GREETING = re.compile(r"^(?:안녕하세요|반갑습니다|hi|hello)\b", re.IGNORECASE)
_WORD = re.compile(rf"[{HANGUL}]{{2,}}|[A-Za-z][A-Za-z0-9.+#]+")
_JOSA = re.compile(
    r"(?:으로|에서|에게|까지|부터|처럼|보다|이나|이며|이고|과|와|을|를|은|는|이|가|의|에|도|로|만)$"
)


def split_sentences(text: str) -> list[str]:
    """Korean and English sentences of `text`, in order; a line break always ends one."""
    sentences: list[str] = []
    for paragraph in filter(str.strip, text.splitlines()):
        start = 0
        for match in SENTENCE_END.finditer(paragraph):
            head = paragraph[start : match.start() + 1].strip()
            if _ABBREVIATION.search(head):
                continue
            if _in_quote(paragraph, start, match.end()):
                continue
            sentences.append(paragraph[start : match.end()].strip())
            start = match.end()
        if paragraph[start:].strip():
            sentences.append(paragraph[start:].strip())
    return sentences


def _in_quote(paragraph: str, start: int, end: int) -> bool:
    """Whether the sentence paragraph[start:end] ends inside a quotation that closes later in the
    paragraph ("The log said: "Cannot start. Too many missed." Then…" is one sentence).

    A straight quote opens a quotation only where one can open (after a space or an opening
    bracket, before a word) and closes it only after a word: an inch or seconds mark ("a 27"
    monitor") is neither."""
    opened = False
    for i in range(start, end):
        if paragraph[i] != '"':
            continue
        opened = not _closes_quote(paragraph, i) if opened else _opens_quote(paragraph, i)
    if opened:
        return any(
            _closes_quote(paragraph, i) for i in range(end, len(paragraph)) if paragraph[i] == '"'
        )
    opened = paragraph.count("“", start, end) > paragraph.count("”", start, end)
    return opened and paragraph.find("”", end) >= 0


def _opens_quote(paragraph: str, i: int) -> bool:
    """Whether the straight quote at i can open a quotation: after a space or bracket, before
    a word."""
    before = paragraph[i - 1] if i > 0 else " "
    after = paragraph[i + 1] if i + 1 < len(paragraph) else " "
    return (before.isspace() or before in "([{:—–-") and not after.isspace()


def _closes_quote(paragraph: str, i: int) -> bool:
    """Whether the straight quote at i can close a quotation: right after a word."""
    return i > 0 and not paragraph[i - 1].isspace()


def summarize_extractive(
    title: str, text: str, *, sentences: int = 3, fallback: str | None = None
) -> str:
    """The `sentences` (2–3) most central whole sentences of an article, in their order.

    Without a body, the feed's description (`fallback`) cut to as many sentences.
    """
    every = split_sentences(text)
    kept = [i for i, s in enumerate(every) if 15 <= len(s) <= 400 and _is_prose(s)]
    # A list item is a fragment ("- 줌 14 이상: 해상도 10"), and a line that does not end as a
    # sentence does is a heading ("동작 원리", "마치며"): sentences first, the rest if nothing else.
    kept = [i for i in kept if not _LIST_ITEM.match(every[i]) and _ends(every[i])] or kept
    candidates = [every[i] for i in kept]
    if not candidates:
        if fallback is None:
            return ""
        plain = text_of(fallback)[1] if HTML_HINT.search(fallback) else fallback
        return " ".join(split_sentences(" ".join(plain.split()))[:sentences])
    words = [_stems(s) for s in candidates]
    frequency = Counter(w for ws in words for w in set(ws))
    title_words = set(_stems(title))

    def centrality(index: int) -> float:
        ws = words[index]
        if not ws:
            return 0.0
        weight = sum(frequency[w] - 1 + 3 * (w in title_words) for w in set(ws)) / math.sqrt(
            len(ws)
        )
        lead = 1.5 if index < 3 else 1.0  # writers state the point early
        purpose = 1.5 if _PURPOSE.search(candidates[index]) else 1.0  # "이 글에서는 …"
        return weight * lead * purpose * (0.3 if _GREETING.match(candidates[index]) else 1.0)

    # A sentence that leans on the one before it ("그래서 …", "This meant …") comes with it.
    leans = [_leans_back(s) for s in candidates]
    order = sorted(range(len(candidates)), key=lambda i: -centrality(i))
    chosen: set[int] = set()
    for index in order:
        start = index
        # what it leans on must be a candidate too, not code, a heading or a fragment
        while leans[start] and start > 0 and kept[start - 1] == kept[start] - 1:
            start -= 1
        group = set(range(start, index + 1))
        if leans[start] or len(chosen | group) > sentences:
            continue
        chosen |= group
        if len(chosen) == sentences:
            break
    if not chosen:
        chosen = set(order[:sentences])
    return " ".join(candidates[i] for i in sorted(chosen))


def _ends(sentence: str) -> bool:
    """Whether it ends as a sentence: closing punctuation, or a Korean ending ("…했습니다")."""
    return _CLOSED.search(sentence) is not None


def _leans_back(sentence: str) -> bool:
    """Whether a sentence reads only after the one before it: it opens with a connective or a
    word pointing back ("그래서", "이를", "However", "These …"), or gives the reason for it
    ("… 때문입니다")."""
    if _PURPOSE.search(sentence):
        return False
    first, _, rest = sentence.partition(" ")
    first = first.strip(",.:;").casefold()
    if first in _POINTS_BACK_EN and rest.split(" ", 1)[0].casefold() in _TIME_NOUNS_EN:
        return False  # "This spring we shipped …"
    return first in _LEANS or _REASON_END.search(sentence) is not None


def _stems(sentence: str) -> list[str]:
    """Content words of a sentence with a trailing particle cut off (cheap, no tokenizer)."""
    stems = []
    for word in _WORD.findall(sentence):
        stem = _JOSA.sub("", word) if is_hangul(word[0]) else word.casefold()
        if len(stem) >= 2 and not is_stop_word(stem):
            stems.append(stem)
    return stems


def _is_prose(sentence: str) -> bool:
    """Not code, a table row or a list of links: mostly letters and spaces."""
    others = len(_NOT_PROSE.findall(sentence))
    return others / len(sentence) <= 0.25
