"""Which topic a keyword names: every spelling of a taxonomy term names its canonical topic."""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from techfeed.taxonomy import Taxonomy


def topic_name(keyword: str) -> str:
    """The topic `keyword` names, as its keyword page is titled: a taxonomy alias ("ML", "A/B
    Testing") names its term (머신러닝, A/B 테스트); any other keyword names itself."""
    return _topic_name(unicodedata.normalize("NFC", keyword).strip())


@cache
def _taxonomy() -> Taxonomy:
    """The packaged taxonomy, read on first use (about 0.15 s with its module): only keyword
    filters need it, so the api function's cold start does not pay for it."""
    from techfeed.taxonomy import load_taxonomy

    return load_taxonomy()


@lru_cache(maxsize=10_000)
def _topic_name(keyword: str) -> str:
    return _taxonomy().canonical(keyword) or keyword
