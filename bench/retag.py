"""What `techfeed retag` costs: the document-frequency recount beside the retag of each article.

Stores the labelled articles (tests/fixtures/keywords, later/ and unseen/; --limit N for fewer)
in a fresh embedded stack (moto's DynamoDB and S3 on loopback, as `techfeed run` has), tags
each as the stream would and retags once untimed, then runs `retag_all` --runs times and prints
medians: the whole retag, its first pass (the recount: every tagged article's body read and
tokenized, the stored frequencies scanned and moved, until the first article's outcome) and the
rest (each article ranked again), each per article too.

Bodies are read ahead (`retag_all(read_ahead=...)`). With --s3-latency MS, each body read is a
wait of MS and then the stored body from memory: a retag run from a laptop against AWS waits on
the network while S3 does the serving elsewhere (moto serves in this process, and its work
would compete with the retag's). Each run retags with and without reading ahead, side by side.

    .venv/bin/python bench/retag.py [--limit N] [--runs 3] [--s3-latency MS]
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
from techfeed.tagging import READ_AHEAD, TagOutcome, retag_all, tag_article

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


def far_bodies(store: Store, latency: float) -> None:
    """Make each of store's body reads wait `latency` seconds, then answer from memory."""
    bodies = {a.article_id: store.get_content(a.article_id) for a in store.iterate_articles()}

    def get_content(article_id: str) -> str | None:
        time.sleep(latency)
        return bodies[article_id]

    store.get_content = get_content  # type: ignore[method-assign]


def main() -> None:
    """Seed, retag --runs times and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N labelled articles")
    parser.add_argument("--runs", type=int, default=3, help="timed retags")
    parser.add_argument("--s3-latency", type=float, default=0.0, help="ms added to each S3 read")
    args = parser.parse_args()
    extractor = KeywordExtractor()
    # Reading ahead as shipped, and reading each body in turn, for the ratio.
    aheads = [READ_AHEAD, 0]
    with tempfile.TemporaryDirectory() as state, local_stack(Path(state)) as store:
        started = time.perf_counter()
        articles = seed(store, extractor, args.limit)
        print(f"seeded and tagged {articles} articles in {time.perf_counter() - started:.1f} s")
        # Untimed: the first retag rewrites what tagging in arrival order chose against a
        # smaller corpus; the timed ones then measure the same work each time.
        retag_all(store=store, extractor=lambda: extractor)
        if args.s3_latency:
            far_bodies(store, args.s3_latency / 1000)
        totals: dict[int, list[float]] = {ahead: [] for ahead in aheads}
        firsts: dict[int, list[float]] = {ahead: [] for ahead in aheads}
        for _ in range(args.runs):
            for ahead in aheads:
                first: list[float] = []

                def progress(_: TagOutcome, first: list[float] = first) -> None:
                    if not first:
                        first.append(time.perf_counter())

                started = time.perf_counter()
                done = retag_all(
                    store=store, extractor=lambda: extractor, progress=progress, read_ahead=ahead
                )
                totals[ahead].append(time.perf_counter() - started)
                firsts[ahead].append(first[0] - started)
                assert done.articles == articles
    latency = f", {args.s3_latency:g} ms per S3 read" if args.s3_latency else ""
    for ahead in aheads:
        total, recount = statistics.median(totals[ahead]), statistics.median(firsts[ahead])
        print(f"retag reading {ahead} bodies ahead{latency}, median of {args.runs}:")
        for name, seconds in (
            ("whole", total),
            ("recount", recount),
            ("rest", total - recount),
        ):
            print(f"  {name:<8} {seconds:7.1f} s  {1000 * seconds / articles:6.1f} ms/article")
        print(f"  the recount is {recount / total:.0%} of the retag")
    ratio = statistics.median(totals[0]) / statistics.median(totals[READ_AHEAD])
    print(f"reading ahead: {ratio:.2f}x as fast as reading each body in turn")


if __name__ == "__main__":
    main()
