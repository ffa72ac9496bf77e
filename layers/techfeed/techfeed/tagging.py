"""Keywords and extractive summaries into the store: each new article once, or all again.

Pure orchestration over techfeed.keywords, techfeed.summaries and the Store. Tagging a new
article writes, in order:

1. its keywords on the article item (only while it is untagged);
2. a posting per keyword, and each touched keyword's count recomputed from its postings;
3. one transaction, the commit: the article's keywords, summary and `tagged_at` (only if not
   tagged yet), with +1 to the document frequency of its terms and to the corpus size.

So an article with `tagged_at` is fully indexed, and a redelivered stream record costs one read
and writes nothing. A crash before the commit leaves only writes that the retry repeats or undoes:
it may choose other keywords (the frequencies moved meanwhile), and step 1 of the first attempt
tells it which postings to take back.

Document frequencies are the stored corpus's plus the extractor's reference frequencies (the
labelled articles), so the first articles of a new deployment are weighed as later ones are.

A retag first recounts: it counts every tagged article's terms as the current extractor finds
them and adds to each stored document frequency the difference, then retags article by article.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from techfeed.keywords import KeywordExtractor, Term
from techfeed.models import Article
from techfeed.plaintext import text_of
from techfeed.store import Store
from techfeed.store.models import ARTICLE_SK, normalize_keyword
from techfeed.summaries import summarize_extractive

log = logging.getLogger(__name__)

# The stream records that start a tagging: new article items. template.yaml's FilterCriteria
# and the local stream pump both use this (a test compares them).
NEW_ARTICLE_FILTER: dict[str, Any] = {
    "eventName": ["INSERT"],
    "dynamodb": {"NewImage": {"pk": {"S": [{"prefix": "ARTICLE#"}]}, "sk": {"S": [ARTICLE_SK]}}},
}

# Terms whose document frequency one article adds to. A transaction holds 100 actions, two of
# them the article and the corpus size; 90 leaves room. Terms come rankable first, then by
# frequency, so what is left out occurs once in the body and can never be a keyword: its
# frequency only sharpens the IDF of the term elsewhere, where it is just as minor.
COUNTED_TERMS = 90
MAX_KEYWORDS = 10
# Bodies a retag reads ahead of the article it works on, in threads: run from a laptop against
# AWS, each S3 read waits tens of milliseconds for the network, the tokenizer none.
READ_AHEAD = 8

ExtractorFactory = Callable[[], KeywordExtractor]


class TagStatus(StrEnum):
    """What tagging did to one article."""

    TAGGED = "tagged"
    ALREADY_TAGGED = "already_tagged"
    MISSING = "missing"
    RETAGGED = "retagged"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class TagOutcome:
    """The result of tagging one article: its keywords as stored afterwards."""

    article_id: str
    status: TagStatus
    keywords: list[str] = field(default_factory=list)


def tag_article(
    article_id: str,
    *,
    store: Store,
    extractor: ExtractorFactory,
    now: datetime | None = None,
) -> TagOutcome:
    """Give a new article its keywords and summary and index it; a tagged one is left alone.

    `extractor` is called only when there is an article to tag, so a batch of already tagged
    articles never loads the tokenizer.
    """
    article = store.get_article(article_id, consistent=True)
    if article is None:
        return TagOutcome(article_id, TagStatus.MISSING)
    if article.tagged_at is not None:
        return TagOutcome(article_id, TagStatus.ALREADY_TAGGED, article.keywords)
    kiwi = extractor()
    body = _plain(store.get_content(article.article_id))
    text = body or article.summary  # without a body, the feed's description
    terms = kiwi.weighted_terms(article.title, text)
    frequencies = store.document_frequencies(t.key for t in terms if t.rankable)
    keywords = _keywords(kiwi, article, text, frequencies, store.corpus_documents())
    summary = summarize_extractive(article.title, body, fallback=article.summary) or article.summary

    earlier = _taken_back(article.keywords, keywords)  # from an attempt that did not commit
    if article.keywords != keywords and not store.set_article_keywords(
        article_id, keywords, untagged_only=True
    ):
        return _lost_race(article, keywords, store)
    tagged = replace(article, keywords=keywords, summary=summary)
    _index(store, tagged, removed=earlier)
    committed = store.record_tagging(
        article_id,
        keywords=keywords,
        summary=summary,
        tagged_at=now or datetime.now(UTC),
        terms=_counted(terms),
    )
    if not committed:
        return _lost_race(tagged, keywords, store)
    log.info("tagged", extra={"article_id": article_id, "keywords": keywords})
    return TagOutcome(article_id, TagStatus.TAGGED, keywords)


@dataclass(frozen=True)
class Retagging:
    """What a retag did: articles read, and terms whose document frequency it recounted."""

    articles: int
    recounted_terms: int


def retag_all(
    *,
    store: Store,
    extractor: ExtractorFactory,
    progress: Callable[[TagOutcome], None] | None = None,
    read_ahead: int = READ_AHEAD,
) -> Retagging:
    """Recount document frequencies, then recompute every article's keywords and summary with
    the current taxonomy, ranker and summarizer.

    The recount counts each tagged article's terms as the current extractor finds them, so
    terms it has learnt to find since (a new taxonomy term, a renamed one) are as frequent as
    they are, not new. An article never tagged is tagged now. Keyword counts are recomputed
    once, at the end. Each pass reads the stored bodies `read_ahead` articles ahead.
    """
    kiwi = extractor()
    recount = _recount_frequencies(store, kiwi, read_ahead)
    documents = store.corpus_documents()
    touched: dict[str, str] = {}
    seen = 0
    for article, body in _with_bodies(store, store.iterate_articles(), read_ahead):
        seen += 1
        if article.tagged_at is None:
            outcome = tag_article(article.article_id, store=store, extractor=lambda: kiwi)
        else:
            if article.article_id not in recount.counted and article.tagged_at < recount.started:
                # Tagged by the stream after the count passed it (or stored after): the recount
                # took back what that tagging added, so add it again.
                store.add_document_frequencies(
                    dict.fromkeys(_counted_terms(kiwi, article, body), 1), documents=1
                )
                documents += 1
            outcome = _retag(article, body, store, kiwi, documents)
            if outcome.status is TagStatus.RETAGGED:
                for keyword in [*article.keywords, *outcome.keywords]:
                    touched.setdefault(normalize_keyword(keyword), keyword)
        if progress is not None:
            progress(outcome)
    _recount(store, touched.values())
    return Retagging(seen, recount.terms)


@dataclass(frozen=True)
class _Recount:
    terms: int  # how many terms' frequencies moved
    counted: frozenset[str]  # the articles it counted: those it found tagged
    started: datetime  # when it began to read the stored frequencies


def _recount_frequencies(store: Store, kiwi: KeywordExtractor, read_ahead: int) -> _Recount:
    """Move the stored document frequencies to what counting every tagged article gives now.

    By the difference, added: a tagging that commits meanwhile keeps its own addition.
    """
    counted: Counter[str] = Counter()
    articles: set[str] = set()
    tagged = (a for a in store.iterate_articles() if a.tagged_at is not None)
    for article, body in _with_bodies(store, tagged, read_ahead):
        counted.update(_counted_terms(kiwi, article, body))
        articles.add(article.article_id)
    started = datetime.now(UTC)
    stored = store.stored_document_frequencies()
    changes = {t: counted[t] - stored.get(t, 0) for t in counted.keys() | stored.keys()}
    moved = {t: n for t, n in changes.items() if n}
    store.add_document_frequencies(moved, documents=len(articles) - store.corpus_documents())
    return _Recount(len(moved), frozenset(articles), started)


def _with_bodies(
    store: Store, articles: Iterable[Article], read_ahead: int
) -> Iterator[tuple[Article, str]]:
    """Each article, in order, with the plain text of its stored body ("" without one); the
    bodies are read `read_ahead` articles ahead, in as many threads."""
    with ThreadPoolExecutor(max_workers=max(read_ahead, 1)) as pool:
        pending: deque[tuple[Article, Future[str | None]]] = deque()
        for article in articles:
            pending.append((article, pool.submit(store.get_content, article.article_id)))
            if len(pending) > read_ahead:
                yield _read(*pending.popleft())
        while pending:
            yield _read(*pending.popleft())


def _read(article: Article, content: Future[str | None]) -> tuple[Article, str]:
    return article, _plain(content.result())


def _counted_terms(kiwi: KeywordExtractor, article: Article, body: str) -> list[str]:
    """The terms a tagged article adds to the document frequencies, as tagging counts them."""
    return _counted(kiwi.weighted_terms(article.title, body or article.summary))


def _counted(terms: Sequence[Term]) -> list[str]:
    return [t.key for t in terms[:COUNTED_TERMS]]


def _retag(
    article: Article, body: str, store: Store, kiwi: KeywordExtractor, documents: int
) -> TagOutcome:
    text = body or article.summary
    terms = kiwi.weighted_terms(article.title, text)
    frequencies = store.document_frequencies(t.key for t in terms if t.rankable)
    # The corpus counts this article already: leave it out, as when it was first tagged.
    counted = set(_counted(terms))
    others = {term: max(n - (term in counted), 0) for term, n in frequencies.items()}
    keywords = _keywords(kiwi, article, text, others, max(documents - 1, 0))
    # Without a body the stored summary is the feed's description, cut when first tagged.
    summary = summarize_extractive(article.title, body, fallback=article.summary) or article.summary
    if keywords == article.keywords and summary == article.summary:
        return TagOutcome(article.article_id, TagStatus.UNCHANGED, keywords)
    updated = replace(article, keywords=keywords, summary=summary)
    for keyword in _taken_back(article.keywords, keywords):
        store.delete_keyword_posting(keyword, article)
    for keyword in keywords:
        store.put_keyword_posting(keyword, updated)
    # Last: an interrupted retag finds the old keywords here and does this article again.
    store.set_article_keywords(article.article_id, keywords, summary=summary)
    log.info("retagged", extra={"article_id": article.article_id, "keywords": keywords})
    return TagOutcome(article.article_id, TagStatus.RETAGGED, keywords)


def _keywords(
    kiwi: KeywordExtractor,
    article: Article,
    text: str,
    frequencies: dict[str, int],
    documents: int,
) -> list[str]:
    # The reference articles count as part of the corpus: a young one (the first articles of a
    # deployment) is weighed as a grown one is, and a grown one is barely moved by them.
    reference = kiwi.frequencies
    found = kiwi.extract(
        article.title,
        text,
        document_frequency=lambda key: frequencies.get(key, 0) + reference.counts.get(key, 0),
        documents=documents + reference.documents,
        limit=MAX_KEYWORDS,
    )
    # Stored by topic: an English article's "Rate Limiting" is listed on 레이트 리미팅's page.
    return [k.topic for k in found]


def _plain(content: str | None) -> str:
    """The plain text of an article's stored body ("" without one)."""
    return text_of(content)[1] if content else ""


def _index(store: Store, article: Article, *, removed: Iterable[str] = ()) -> None:
    """List the article under its keywords and no others; recount every keyword touched."""
    gone = list(removed)
    for keyword in gone:
        store.delete_keyword_posting(keyword, article)
    for keyword in article.keywords:
        store.put_keyword_posting(keyword, article)
    _recount(store, [*gone, *article.keywords])


def _lost_race(ours: Article, keywords: list[str], store: Store) -> TagOutcome:
    """Another tagging committed first: its keywords stand, and only its postings remain."""
    stored = store.get_article(ours.article_id, consistent=True)
    if stored is None:
        return TagOutcome(ours.article_id, TagStatus.MISSING)
    _index(store, stored, removed=_taken_back(keywords, stored.keywords))
    return TagOutcome(ours.article_id, TagStatus.ALREADY_TAGGED, stored.keywords)


def _taken_back(old: Iterable[str], new: Iterable[str]) -> list[str]:
    """The keywords of `old` that `new` does not have (compared as keys are)."""
    kept = {normalize_keyword(k) for k in new}
    return [k for k in old if normalize_keyword(k) not in kept]


def _recount(store: Store, keywords: Iterable[str]) -> None:
    """Recompute keyword counts from the postings: correct however often it is repeated."""
    done: set[str] = set()
    for keyword in keywords:
        key = normalize_keyword(keyword)
        if key not in done:
            done.add(key)
            store.set_keyword_count(keyword, store.count_keyword_postings(keyword))
