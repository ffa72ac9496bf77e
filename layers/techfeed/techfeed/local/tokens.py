"""Locally issued dev tokens: HS256 JWTs that the local API Gateway shim verifies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ISSUER = "techfeed-local"
AUDIENCE = "techfeed"
USER = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")


class InvalidToken(ValueError):
    """A token that is missing, malformed, forged, expired or not for this API."""


@dataclass(frozen=True)
class DevTokens:
    """Issues and verifies dev tokens with one secret."""

    secret: str
    lifetime: timedelta = timedelta(hours=12)

    def issue(self, user: str, now: datetime | None = None) -> str:
        """A token whose `sub` is user."""
        if not USER.match(user):
            raise ValueError("user: 1-64 of letters, digits and . _ @ -")
        issued = now or datetime.now(UTC)
        claims = {
            "sub": user,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": int(issued.timestamp()),
            "exp": int((issued + self.lifetime).timestamp()),
        }
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def verify(self, token: str) -> dict[str, str]:
        """The claims, as API Gateway's JWT authorizer passes them (every value a string)."""
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["sub", "exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        return {key: str(value) for key, value in claims.items()}
