"""What `techfeed retag` costs: the document-frequency recount beside the retag of each article.

Stores the labelled articles (tests/fixtures/keywords, later/ and unseen/; --limit N for fewer)
in a fresh embedded stack (moto's DynamoDB and S3 on loopback, as `techfeed run` has), tags
each as the stream would, then runs `retag_all` --runs times and prints medians: the whole
retag, its first pass (the recount: every tagged article's body read and tokenized, the stored
frequencies scanned and moved, until the first article's outcome) and the rest (each article
ranked again), each per article too.

    .venv/bin/python bench/retag.py [--limit N] [--runs 3]
"""

from __future__ import annotations

import argparse
import html
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from techfeed.keywords import KeywordExtractor
from techfeed.local.runtime import local_stack
from techfeed.models import Article
from techfeed.store import Store
from techfeed.tagging import TagOutcome, retag_all, tag_article

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "keywords"
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def seed(store: Store, extractor: KeywordExtractor, limit: int | None) -> int:
    """Store and tag the labelled articles as the crawler and the stream would."""
    folders = (FIXTURES, FIXTURES / "later", FIXTURES / "unseen")
    labelled = [path for folder in folders for path in sorted(folder.glob("*.json"))][:limit]
    for n, path in enumerate(labelled):
        case = json.loads(path.read_text(encoding="utf-8"))
        paragraphs = [line for line in case["text"].splitlines() if line.strip()]
        article = Article(
            article_id=f"a{n:04d}",
            source_id="toss",
            canonical_url=f"https://toss.tech/article/{n}",
            url=f"https://toss.tech/article/{n}",
            title=case["title"],
            published_at=T0 + timedelta(hours=n),
            fetched_at=T0 + timedelta(hours=n),
            summary=paragraphs[0][:120],
        )
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        store.save_article(article, content_html=body, raw_html=None)
        tag_article(article.article_id, store=store, extractor=lambda: extractor)
    return len(labelled)


def main() -> None:
    """Seed, retag --runs times and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N labelled articles")
    parser.add_argument("--runs", type=int, default=3, help="timed retags")
    args = parser.parse_args()
    extractor = KeywordExtractor()
    with tempfile.TemporaryDirectory() as state, local_stack(Path(state)) as store:
        started = time.perf_counter()
        articles = seed(store, extractor, args.limit)
        print(f"seeded and tagged {articles} articles in {time.perf_counter() - started:.1f} s")
        totals, firsts = [], []
        for _ in range(args.runs):
            first: list[float] = []

            def progress(_: TagOutcome, first: list[float] = first) -> None:
                if not first:
                    first.append(time.perf_counter())

            started = time.perf_counter()
            done = retag_all(store=store, extractor=lambda: extractor, progress=progress)
            totals.append(time.perf_counter() - started)
            firsts.append(first[0] - started)
            assert done.articles == articles
    total, recount = statistics.median(totals), statistics.median(firsts)
    print(f"retag, median of {args.runs}:")
    for name, seconds in (
        ("whole", total),
        ("recount", recount),
        ("rest", total - recount),
    ):
        print(f"  {name:<8} {seconds:7.1f} s  {1000 * seconds / articles:6.1f} ms/article")
    print(f"  the recount is {recount / total:.0%} of the retag")


if __name__ == "__main__":
    main()
