"""Wiring for the command line: a Store on the embedded (or deployed) AWS and a crawler."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from techfeed.models import CrawlResult, Source
from techfeed.store import Store


@contextmanager
def local_stack(state_dir: Path, *, aws: bool = False, own: bool = False) -> Iterator[Store]:
    """A Store on the local stack in state_dir (or on the deployed stack when aws is set).

    With own=True this process must be the one serving state_dir (as `techfeed run` is);
    otherwise a running `techfeed run` is reused, or an embedded AWS is started for the duration.
    """
    if aws:
        yield Store.from_env()
        return
    from techfeed.local.aws import local_aws

    with local_aws(state_dir, own=own):
        yield Store.from_env()


def crawler(store: Store) -> Callable[[Source], CrawlResult]:
    """A function that crawls one source into store, sharing one polite Fetcher."""
    from techfeed.crawl import crawl_source
    from techfeed.fetch import FetchConfig, Fetcher

    fetcher = Fetcher(FetchConfig.from_env())

    def crawl_one(source: Source) -> CrawlResult:
        return crawl_source(source, store=store, fetcher=fetcher)

    return crawl_one
