"""Plain text or HTML in, and extractive summaries (techfeed.plaintext, techfeed.summaries)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from techfeed.plaintext import text_of
from techfeed.summaries import _leans_back, split_sentences, summarize_extractive

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "keywords"


# --- plain text or HTML


def test_text_of_html_drops_chrome_and_code():
    html = (
        "<html><head><title>Kafka 전환기 | 기술 블로그</title></head><body><nav>메뉴</nav>"
        "<h1>Kafka 전환기</h1><p>카프카를 도입했습니다.</p><pre>x = 1</pre><p>둘째 문단</p>"
        "</body></html>"
    )
    assert text_of(html) == ("Kafka 전환기", "카프카를 도입했습니다.\n둘째 문단")


def test_a_summary_is_prose_not_list_items():
    """An HTML list reads as plain text writes one, and its items, fragments more often than
    sentences, are no summary while the article has prose."""
    html = (
        "<html><body><h1>Slack 배포 봇</h1><p>배포 버튼을 Slack 배포 봇으로 옮긴 과정을 소개합니다.</p>"
        "<ul><li>운영 배포라면 서비스 오너에게 Slack 배포 봇이 승인 버튼을 보냄</li>"
        "<li><p>승인되면 Slack 배포 봇이 이미지 태그를 바꿔 배포함</p></li></ul>"
        "<p>이제 Slack 배포 봇으로 하루 40번 배포합니다.</p></body></html>"
    )
    title, text = text_of(html)
    assert text.splitlines()[1:3] == [
        "- 운영 배포라면 서비스 오너에게 Slack 배포 봇이 승인 버튼을 보냄",
        "- 승인되면 Slack 배포 봇이 이미지 태그를 바꿔 배포함",
    ]
    assert split_sentences(summarize_extractive(title, text)) == [
        "배포 버튼을 Slack 배포 봇으로 옮긴 과정을 소개합니다.",
        "이제 Slack 배포 봇으로 하루 40번 배포합니다.",
    ]
    items = "- 운영 배포라면 승인 버튼을 보냅니다.\n- 승인되면 이미지 태그를 바꿉니다."
    assert summarize_extractive("배포 봇", items) == items.replace("\n", " ")


def test_a_heading_is_no_summary_sentence():
    """A line that does not end as a sentence does is a heading, however central its words."""
    text = (
        "자바 가비지 컬렉션의 동작 원리\n"
        "자바에서는 가비지 컬렉터가 더 이상 참조되지 않는 객체를 찾아 메모리를 회수합니다.\n"
        "Young 영역과 Old 영역\n"
        "새로 만든 객체는 대부분 Young 영역에 생기고 오래 살면 Old 영역으로 옮겨집니다\n"
        "Why it matters\n"
        "A full collection of the Old 영역 can pause the application for seconds."
    )
    summary = summarize_extractive("자바 가비지 컬렉션의 동작 원리", text)
    assert summary == " ".join(text.splitlines()[1::2])
    headings = "세대별 가비지 컬렉션의 동작 원리\nYoung 영역과 Old 영역의 구분"
    assert summarize_extractive("가비지 컬렉션", headings) == headings.replace("\n", " ")


def test_text_of_html_ends_a_line_at_every_block():
    html = (
        "<details><summary>재발 방지 작업</summary><div>알림을 추가했습니다.</div></details>"
        "<table><caption>표 1</caption><tr><th>지표</th><td>값</td></tr></table>"
        "<figure><img src=a.png><figcaption>그림 1</figcaption></figure><ul><li>항목</li></ul>"
    )
    assert text_of(html)[1].splitlines() == [
        "재발 방지 작업",
        "알림을 추가했습니다.",
        "표 1",
        "지표",
        "값",
        "그림 1",
        "- 항목",
    ]


def test_text_of_plain_text_takes_the_first_line_as_title():
    assert text_of("# Kafka 전환기\n\n카프카를 도입했습니다.\n끝.") == (
        "Kafka 전환기",
        "카프카를 도입했습니다.\n끝.",
    )


# --- summaries


def test_korean_sentence_splitting():
    text = "배포를 했습니다. 그래서 장애가 났다.다음에는 v1.2를 쓴다! 정말 그럴까? 네.\n새 문단"
    assert split_sentences(text) == [
        "배포를 했습니다.",
        "그래서 장애가 났다.",
        "다음에는 v1.2를 쓴다!",
        "정말 그럴까?",
        "네.",
        "새 문단",
    ]


def test_english_abbreviations_and_versions_do_not_split():
    text = "We use e.g. Kafka 3.6 on toss.tech today. It works."
    assert split_sentences(text) == ["We use e.g. Kafka 3.6 on toss.tech today.", "It works."]


def test_a_quotation_of_several_sentences_stays_inside_its_sentence():
    text = (
        'The events told the story: "Cannot start the job. Too many missed runs (> 100)." '
        "The controller gave up. 그는 “배포를 멈춥시다. 위험합니다.”라고 했습니다. 멈췄습니다."
    )
    assert split_sentences(text) == [
        'The events told the story: "Cannot start the job. Too many missed runs (> 100)."',
        "The controller gave up.",
        "그는 “배포를 멈춥시다. 위험합니다.”라고 했습니다.",
        "멈췄습니다.",
    ]
    # an inch mark opens no quotation: the sentences after it are their own
    text = 'We bought 27" monitors. The team said "great. Thanks." Then we left.'
    assert split_sentences(text) == [
        'We bought 27" monitors.',
        'The team said "great. Thanks."',
        "Then we left.",
    ]
    # a quote that never closes does not swallow the paragraph
    assert split_sentences('He said "hi. Then he left. Bye.') == [
        'He said "hi.',
        "Then he left.",
        "Bye.",
    ]


def test_summary_is_two_or_three_whole_sentences_of_the_article():
    path = FIXTURES / "kafka-migration.json"
    article = json.loads(path.read_text(encoding="utf-8"))
    summary = summarize_extractive(article["title"], article["text"])
    sentences = split_sentences(summary)
    assert 2 <= len(sentences) <= 3
    for sentence in sentences:
        assert sentence in article["text"]
        assert sentence.endswith((".", "!", "?"))
    assert not summary.startswith("안녕하세요")


def test_a_summary_sentence_that_leans_on_the_one_before_comes_with_it():
    """ "그래서 …" is the article's point, but alone it answers nothing: the sentence it follows
    comes with it, and one whose predecessor is code ("이를 위해 …") is left out."""
    text = (
        "안녕하세요, 결제플랫폼팀입니다.\n"
        "정산 배치는 매일 밤 주문 데이터를 모아 정산 결과를 만듭니다.\n"
        "작년부터 아침까지 끝나지 않는 날이 잦았습니다. "
        "그래서 정산 배치를 Kafka 스트림 처리로 바꾸었습니다.\n"
        "for (order in orders) { settle(order) }\n"
        "이를 위해 정산 배치의 주문 토픽을 Kafka 스트림 처리에 맞게 다시 설계했습니다.\n"
        "스트림 처리로 바꾼 뒤 정산은 주문 직후 끝납니다.\n"
        "다음 글에서는 모니터링을 다룹니다."
    )
    summary = split_sentences(summarize_extractive("정산 배치를 Kafka 스트림 처리로", text))
    assert summary == [
        "정산 배치는 매일 밤 주문 데이터를 모아 정산 결과를 만듭니다.",
        "작년부터 아침까지 끝나지 않는 날이 잦았습니다.",
        "그래서 정산 배치를 Kafka 스트림 처리로 바꾸었습니다.",
    ]


@pytest.mark.parametrize(
    ("sentence", "leans"),
    [
        ("그래서 저희는 데이터 컨트랙트를 도입했습니다.", True),
        ("이런 질의는 전체의 약 15%입니다.", True),
        ("잘못 만든 룰 하나가 수천 명의 결제를 막을 수 있기 때문입니다.", True),
        ("These features live in an online feature store.", True),
        ("However, the cache kept stale entries.", True),
        ("둘째, 등록 권유는 로그인 직후에 띄웠습니다.", True),
        ("이 사건을 계기로 결제 라우팅 계층을 만들었습니다.", True),
        ("이 글은 디자인 시스템을 정착시킨 2년의 기록입니다.", False),
        ("이 글에서는 정산 배치를 스트림으로 바꾼 과정을 소개합니다.", False),
        ("This post describes how we moved settlement to streams.", False),
        ("This spring we shipped CUPED for every experiment.", False),
        ("주문 서비스는 매일 밤 배치로 정산 데이터를 만들었습니다.", False),
    ],
)
def test_which_sentences_lean_on_the_one_before(sentence, leans):
    assert _leans_back(sentence) is leans


def test_summary_falls_back_to_the_feed_description():
    description = "<p>카프카 전환 이야기입니다. 둘째 문장입니다. 셋째 문장. 넷째 문장.</p>"
    summary = summarize_extractive("제목", "", fallback=description)
    assert summary == "카프카 전환 이야기입니다. 둘째 문장입니다. 셋째 문장."
    assert summarize_extractive("제목", "") == ""
