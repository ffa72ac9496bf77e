"""Tests for techfeed.urls: canonical URLs, article ids and link resolution."""

from __future__ import annotations

import pytest

from techfeed.urls import article_id, canonical_url, resolve_link

ARTICLE = "https://toss.tech/article/node-vs-bun"


@pytest.mark.parametrize(
    "variant",
    [
        "https://toss.tech/article/node-vs-bun",
        "https://toss.tech/article/node-vs-bun?utm_source=twitter&utm_medium=social",
        "https://toss.tech/article/node-vs-bun#comments",
        "HTTPS://TOSS.Tech/article/node-vs-bun",
        "https://toss.tech:443/article/node-vs-bun",
        "https://toss.tech/article/node-vs-bun?source=rss----9d5b9e2b3e1c---4",
        "https://toss.tech/article/node-vs-bun?fbclid=IwAR0abc&gclid=xyz&UTM_Campaign=spring",
        "  https://toss.tech/article/node-vs-bun?utm_source=rss#top  ",
        "https://toss.tech/article/node%2Dvs%2dbun",
    ],
)
def test_variants_of_one_article_share_canonical_url_and_id(variant: str) -> None:
    assert canonical_url(variant) == ARTICLE
    assert article_id(canonical_url(variant)) == article_id(ARTICLE)


@pytest.mark.parametrize(
    "other",
    [
        "https://toss.tech/article/node-vs-deno",
        "https://toss.tech/article/Node-vs-bun",
        "http://toss.tech/article/node-vs-bun",
        "https://toss.tech/article/node-vs-bun/",
        "https://toss.tech:8443/article/node-vs-bun",
        "https://toss.tech/article/node-vs-bun?page=2",
        "https://blog.toss.tech/article/node-vs-bun",
    ],
)
def test_different_articles_differ(other: str) -> None:
    assert canonical_url(other) != ARTICLE
    assert article_id(canonical_url(other)) != article_id(ARTICLE)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://example.com", "http://example.com/"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://example.com:8080", "http://example.com:8080/"),
        # other parameters keep their order; only tracking ones go
        ("https://e.com/p?b=2&utm_content=x&a=1&_hsenc=h", "https://e.com/p?b=2&a=1"),
        ("https://e.com/p?utm_source=x", "https://e.com/p"),
        ("https://e.com/p?source=newsletter", "https://e.com/p?source=newsletter"),
        ("https://e.com/p?q=a+b&ref_src=twsrc", "https://e.com/p?q=a+b"),
        # percent-encoding: upper-case hex, unreserved decoded, reserved kept encoded
        ("https://e.com/%7euser/a%2fb?q=%3d", "https://e.com/~user/a%2Fb?q=%3D"),
        ("https://e.com/100%", "https://e.com/100%25"),
        # a Korean slug typed raw and percent-encoded is one URL
        (
            "https://e.com/posts/한글 제목",
            "https://e.com/posts/%ED%95%9C%EA%B8%80%20%EC%A0%9C%EB%AA%A9",
        ),
        ("https://e.com/posts/%ed%95%9c%ea%b8%80", "https://e.com/posts/%ED%95%9C%EA%B8%80"),
        ("http://한국.kr/글", "http://xn--3e0b707e.kr/%EA%B8%80"),
        ("http://[::1]:80/x", "http://[::1]/x"),
    ],
)
def test_canonical_url_normalises(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_resolves_against_base() -> None:
    assert canonical_url("/posts/1?utm_source=x", "https://Blog.KakaoBank.io/rss") == (
        "https://blog.kakaobank.io/posts/1"
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://files.example.com/a", "not an http"),
        ("mailto:tech@example.com", "not an http"),
        ("javascript:alert(1)", "not an http"),
        ("/posts/1", "not an absolute URL"),
        ("https:///posts/1", "no host"),
        ("http://example.com:99999/", "invalid URL"),
        ("http://a..b/", "invalid host"),
    ],
)
def test_canonical_url_refuses_non_web_urls(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        canonical_url(url)


def test_article_id_is_16_hex_digits_of_sha256() -> None:
    # Pinned: ids are stored keys, so the scheme must never drift.
    assert article_id(ARTICLE) == "a387da8c65d026b4"


@pytest.mark.parametrize(
    ("href", "bases", "expected"),
    [
        ("https://a.example/x", (None,), "https://a.example/x"),
        ("  https://a.example/x  ", (), "https://a.example/x"),
        ("/posts/1", ("https://blog.kakaobank.io/rss",), "https://blog.kakaobank.io/posts/1"),
        ("posts/1", ("https://b.example/feed/rss.xml",), "https://b.example/feed/posts/1"),
        ("//cdn.example/i.png", ("https://a.example/",), "https://cdn.example/i.png"),
        # unusable bases are passed over
        (
            "/p",
            (None, "", "not a url", "ftp://f.example/", "https://site.example/"),
            "https://site.example/p",
        ),
        ("/p", (None, "/relative/base"), None),
        ("/p", (), None),
        ("", ("https://a.example/",), None),
        ("mailto:x@a.example", ("https://a.example/",), None),
        ("javascript:void(0)", ("https://a.example/",), None),
        ("tag:a.example,2024:1", ("https://a.example/",), None),
    ],
)
def test_resolve_link(href: str, bases: tuple[str | None, ...], expected: str | None) -> None:
    assert resolve_link(href, *bases) == expected
