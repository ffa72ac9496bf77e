"""The web app in Chromium (Playwright) against `techfeed run --port 0 --no-schedule`."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from techfeed.models import Article
from tests.e2e.runstack import running_stack, seed, toss
from tests.integration.blogserver import BlogServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS: dict[str, ViewportSize] = {
    "phone": {"width": 360, "height": 740},
    "desktop": {"width": 1280, "height": 900},
}
T0 = datetime(2024, 3, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("web")
    with BlogServer(stall_seconds=0.5) as blogs:
        good = next(b for b in blogs.sources_yaml().split("  - id: ") if b.startswith("good"))
        sources = (
            "sources:\n  - id: " + good + "  - id: gone\n    name: 사라진 블로그\n"
            f"    homepage: {blogs.base}/gone/\n    feed_url: {blogs.base}/nowhere/feed.xml\n"
            "  - id: toss\n    name: 토스 (Toss)\n    homepage: https://toss.tech\n"
            "    feed_url: https://toss.tech/rss.xml\n    enabled: false\n"
        )
        with running_stack(home, sources, f"127.0.0.1:{blogs.port}") as running:
            assert f"web app on {running['url']}/" in running["banner"]
            crawl = subprocess.run(
                [sys.executable, "-m", "techfeed", "crawl", "--source", "good", "--source", "gone"]
                + running["args"],
                env=running["env"],
                cwd=home,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert crawl.returncode == 1, crawl.stderr  # gone fails, as it should
            seed(home / "state", [_toss(n) for n in range(1, 26)])
            _wait_for_keywords(running["url"])
            yield {"url": running["url"]}


def _toss(n: int) -> Article:
    # Older than the fixture blog's articles, so those lead the feed.
    return toss(n, T0 - timedelta(days=400 - n))


def _wait_for_keywords(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if httpx.get(f"{url}/articles", params={"keyword": "kafka"}).json()["items"]:
            return
        time.sleep(0.3)
    pytest.fail("the stack never tagged the crawled articles")


def _shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for viewport, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"{name}-{viewport}.png"), full_page=True)
    page.set_viewport_size(VIEWPORTS["phone"])


@pytest.fixture
def page(browser: Browser, stack: dict[str, Any]) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale="ko-KR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(stack["url"] + "/")
    yield page
    context.close()
    assert errors == []


def test_the_feed_is_newest_first_and_loads_more_on_scroll(page: Page) -> None:
    cards = page.locator(".cards > li")
    cards.first.wait_for()
    cards.nth(19).wait_for()
    first_titles = cards.locator("h2").all_inner_texts()
    _shoot(page, "home")

    page.locator(".more").scroll_into_view_if_needed()
    page.get_by_text("마지막 글입니다.").wait_for()

    assert cards.count() == 28
    assert first_titles[-1] == "토스 글 9"  # 3 fixture articles, then toss 25 … 9
    assert cards.last.locator("h2").inner_text() == "토스 글 1"
    assert cards.first.locator(".byline").inner_text().startswith("G")  # mark, then Good Blog


def test_read_an_article_then_bookmark_it(page: Page, stack: dict[str, Any]) -> None:
    page.get_by_role("link", name="Kafka 컨슈머 지연을 줄인 방법").click()
    heading = page.get_by_role("heading", level=1)

    assert heading.inner_text() == "Kafka 컨슈머 지연을 줄인 방법"
    assert "상업적으로 이용할 수 없습니다" in page.locator(".notice").inner_text()
    original = page.get_by_role("link", name="원문 보기", exact=True)
    assert original.get_attribute("href", timeout=2000) == _original_url(stack["url"], "kafka")
    assert page.locator(".content p").count() > 0
    assert page.get_by_role("heading", name="관련 글").is_visible()
    _shoot(page, "article")

    page.get_by_role("link", name="로그인하고 북마크하기").click()
    page.get_by_label("사용자 이름").fill("alice")
    page.get_by_role("button", name="개발용 로그인").click()
    page.get_by_text("북마크한 글이 없습니다.").wait_for()
    page.go_back()
    toggle = page.get_by_role("button", name="☆ 북마크")
    toggle.click()
    page.get_by_role("button", name="★ 북마크됨").wait_for()
    page.get_by_role("link", name="북마크").first.click()

    bookmarked = page.locator(".cards > li h2")
    bookmarked.first.wait_for()
    assert bookmarked.all_inner_texts() == ["Kafka 컨슈머 지연을 줄인 방법"]
    _shoot(page, "bookmarks")


def _original_url(url: str, word: str) -> str:
    items = httpx.get(f"{url}/articles", params={"keyword": word}).json()["items"]
    return str(items[0]["url"])


def test_filter_by_company_and_by_keyword(page: Page) -> None:
    page.get_by_role("link", name="회사", exact=True).click()
    page.get_by_role("link", name=re.compile("토스 \\(Toss\\)")).click()
    page.locator(".cards > li").nth(19).wait_for()
    _shoot(page, "company")
    assert set(page.locator(".cards .byline a").all_inner_texts()) == {"토스 (Toss)"}

    page.get_by_role("link", name="키워드", exact=True).click()
    page.get_by_role("link", name=re.compile("^#kafka")).click()
    page.get_by_text("마지막 글입니다.").wait_for()
    _shoot(page, "keyword")
    assert page.locator(".cards h2").all_inner_texts() == ["Kafka 컨슈머 지연을 줄인 방법"]


def test_a_failing_source_shows_on_the_status_page(page: Page) -> None:
    page.get_by_role("link", name="수집 상태").click()
    gone = page.locator('.source-status[data-source="gone"]')
    gone.wait_for()
    _shoot(page, "status")

    assert "실패" in gone.locator(".status-failed").inner_text()
    assert gone.locator(".status-error").inner_text().strip() != ""
    assert "정상" in page.locator('.source-status[data-source="good"]').inner_text()
    assert "아직 수집하지 않음" in page.locator('.source-status[data-source="toss"]').inner_text()
