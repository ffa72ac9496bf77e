"""One Router per resource; they share the config and service, built once per Lambda instance."""

from __future__ import annotations

from functools import cache

from techfeed.api.config import ApiConfig
from techfeed.api.service import Api
from techfeed.sources import load_sources
from techfeed.store import Store

ARTICLE_ID = r"^[0-9a-f]{16}$"
SOURCE_ID = r"^[a-z0-9-]+$"
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


@cache
def config() -> ApiConfig:
    """The API's settings, read from the environment once."""
    return ApiConfig.from_env()


@cache
def service() -> Api:
    """The API's logic over the table and bucket the environment names."""
    return Api(Store.from_env(), config(), load_sources(config().sources_file))
