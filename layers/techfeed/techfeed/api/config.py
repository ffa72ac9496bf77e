"""The API's settings, read once from the environment (and SSM for the cursor secret in AWS)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta


class ConfigError(RuntimeError):
    """The environment does not configure the API."""


@dataclass(frozen=True)
class ApiConfig:
    """Everything the API reads from its environment."""

    cursor_secret: bytes
    cors_origins: tuple[str, ...] = ()
    cursor_max_age: timedelta = timedelta(days=1)
    # Seconds a browser or CDN may reuse a public GET before revalidating with its ETag.
    cache_max_age: int = 60
    sources_file: str | None = None

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] = os.environ,
        read_parameter: Callable[[str], str] | None = None,
    ) -> ApiConfig:
        """Build from TECHFEED_* variables.

        The cursor secret is TECHFEED_CURSOR_SECRET itself, or the SSM SecureString named by
        TECHFEED_CURSOR_SECRET_PARAM (read through read_parameter, by default boto3's SSM).
        """
        secret = environ.get("TECHFEED_CURSOR_SECRET")
        parameter = environ.get("TECHFEED_CURSOR_SECRET_PARAM")
        if not secret and parameter:
            secret = (read_parameter or _read_ssm)(parameter)
        if not secret:
            raise ConfigError("set TECHFEED_CURSOR_SECRET or TECHFEED_CURSOR_SECRET_PARAM")
        origins = environ.get("TECHFEED_CORS_ORIGINS", "")
        return cls(
            cursor_secret=secret.encode(),
            cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
            cursor_max_age=timedelta(
                seconds=int(environ.get("TECHFEED_CURSOR_MAX_AGE", 24 * 3600))
            ),
            cache_max_age=int(environ.get("TECHFEED_CACHE_MAX_AGE", 60)),
            sources_file=environ.get("TECHFEED_SOURCES_FILE") or None,
        )


def _read_ssm(name: str) -> str:
    import boto3

    response = boto3.client("ssm").get_parameter(Name=name, WithDecryption=True)
    return str(response["Parameter"]["Value"])
