"""Keywords of Korean and English articles (techfeed.keywords)."""

from __future__ import annotations

import importlib.util
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from techfeed.keywords import (
    RANKER,
    DocumentFrequencies,
    KeywordExtractor,
    ReaderChoices,
    _Candidate,
    _glossed,
    _one_name,
    _whole_name,
    load_choices,
    load_frequencies,
)
from techfeed.stopwords import STOP_WORDS_EN, STOP_WORDS_KO
from techfeed.taxonomy import Taxonomy, TaxonomyTerm, alias_key, load_taxonomy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "keywords"
LABELLED = sorted(FIXTURES.glob("*.json"))
PARTICLE_END = re.compile(r"[가-힣](?:을|를|이|가|은|는|의|에|에서|으로|로|와|과|도)$")


@pytest.fixture(scope="module")
def extractor() -> KeywordExtractor:
    return KeywordExtractor()


# No term chosen before more than another: what the tests below show is the evidence alone.
UNCHOSEN = ReaderChoices({}, {})


def names(extractor: KeywordExtractor, title: str, text: str, **kwargs: object) -> list[str]:
    kwargs.setdefault("choices", UNCHOSEN)
    # No corpus either, not even the packaged reference: the prior IDF, the same for every term.
    if "document_frequency" not in kwargs:
        kwargs.update(document_frequency={}, documents=0)
    return [k.name for k in extractor.extract(title, text, **kwargs)]  # type: ignore[arg-type]


# --- the labelled set


def test_labelled_set_loads_with_enough_articles_and_labels():
    assert len(LABELLED) >= 30
    for path in LABELLED:
        article = json.loads(path.read_text(encoding="utf-8"))
        assert article["title"] and len(article["text"].split()) >= 150, path.name
        assert 4 <= len(article["keywords"]) <= 8, path.name


def test_labelled_set_meets_the_quality_floor(extractor):
    """The first 34 and later/ as bench/keywords.py scores them: document frequencies over every
    training article and reader choices, each article's own left out."""
    bench = _keywords_fit().bench
    first = bench.load_labelled()
    later = bench.load_labelled(bench.FIXTURES / "later")
    taxonomy = extractor.taxonomy
    predictions = bench.predict(extractor, bench.training())
    # A keyword naming a label's topic counts (bench's "=" columns): two of the first 34 are in
    # English, where keywords take the article's English spelling ("Feature Store"), and their
    # labels give the Korean canonical names (피처 스토어).
    recall, precision, _ = bench.scores(
        first, predictions, lambda name: alias_key(taxonomy.canonical(name) or name)
    )
    later_recall, later_precision, _ = bench.scores(later, predictions)
    # Goals are 0.7 and 0.8: recall@10 is 0.689, precision@5 0.676 on the first 34, and 0.502 and
    # 0.543 on later/. These articles are those the ranker was fitted on (bench/keywords_fit.py),
    # so this guards against a regression, not for quality on new articles (README: unseen/).
    # The first 34, by the taxonomy's author, favour curated terms; as the fit takes in more
    # blind-labelled articles (610 now) they score lower and those articles higher.
    # A floor, not the figure: a change may trade a hit or two, not lose more.
    assert recall >= 0.63 and later_recall >= 0.48
    assert precision >= 0.63 and later_precision >= 0.52


def _keywords_fit() -> Any:
    """bench/keywords_fit.py as a module (bench/ is scripts, not a package); its `bench` is
    bench/keywords.py."""
    path = Path(__file__).resolve().parents[2] / "bench" / "keywords_fit.py"
    spec = importlib.util.spec_from_file_location("bench_keywords_fit", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_labelled_article_gets_five_to_ten_clean_keywords(extractor):
    for path in LABELLED:
        article = json.loads(path.read_text(encoding="utf-8"))
        got = names(extractor, article["title"], article["text"])
        assert 5 <= len(got) <= 10, path.name
        for name in got:
            assert not PARTICLE_END.search(name) or load_taxonomy().canonical(name), (path, name)
            assert not name.isdigit() and name not in STOP_WORDS_KO, (path, name)
            assert name.casefold() not in STOP_WORDS_EN, (path, name)


# --- tokens: particles, aliases, whole terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kafka를 도입했고 Kafka에서 읽습니다.", "Kafka"),
        ("쿠버네티스에서 운영합니다. 쿠버네티스를 씁니다.", "Kubernetes"),
        ("카프카의 파티션을 늘렸습니다. 카프카로 옮겼다.", "Kafka"),
    ],
)
def test_particles_never_stick_to_keywords(extractor, text, expected):
    found = extractor.extract("", text, choices=UNCHOSEN)
    assert expected in [k.topic for k in found]
    assert not any(PARTICLE_END.search(k.name) for k in found)


def test_a_korean_article_names_a_term_in_the_script_it_writes_it_in(extractor):
    """Written mostly in the other script, a term is shown so (its page stays the canonical
    name's); written mostly as the canonical name, or only shorter in the same script, it is
    not renamed."""
    other = (
        "쿠버네티스로 옮겼습니다. 쿠버네티스 클러스터를 운영합니다. Kubernetes 문서도 읽었습니다."
    )
    found = {k.topic: k.name for k in extractor.extract("", other, choices=UNCHOSEN)}
    assert found["Kubernetes"] == "쿠버네티스"
    own = "Kubernetes로 옮겼습니다. Kubernetes 클러스터를 운영합니다. 쿠버네티스 문서도 읽었습니다."
    found = {k.topic: k.name for k in extractor.extract("", own, choices=UNCHOSEN)}
    assert found["Kubernetes"] == "Kubernetes"
    bloom = "Bloom filter로 조회를 줄였습니다. Bloom filter의 오탐률을 1%로 맞췄습니다."
    found = {k.topic: k.name for k in extractor.extract("", bloom, choices=UNCHOSEN)}
    assert found["블룸 필터"] == "Bloom filter"
    spark = "Spark 잡을 DuckDB로 옮겼습니다. Spark 클러스터 비용이 줄었고 Spark 설정도 지웠습니다."
    found = {k.topic: k.name for k in extractor.extract("", spark, choices=UNCHOSEN)}
    assert found["Apache Spark"] == "Apache Spark"


def test_aliases_map_to_one_canonical_keyword(extractor):
    text = "머신러닝 모델을 만들었습니다. ML 팀은 machine learning 기법과 기계학습 논문을 읽습니다."
    got = names(extractor, "", text)
    assert got.count("머신러닝") == 1
    assert not {"ML", "machine learning", "기계학습"} & set(got)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TensorFlow.js로 브라우저에서 추론합니다. TensorFlow.js는 빠릅니다.", "TensorFlow.js"),
        ("A/B 테스트를 돌렸고 AB테스트 결과를 봤다.", "A/B 테스트"),
        ("Spring Boot 3으로 올렸다. 스프링 부트의 설정이 바뀌었다.", "Spring Boot"),
        ("추천시스템을 개편했다. 추천 시스템의 지표가 좋아졌다.", "추천 시스템"),
        ("대규모 언어 모델과 거대 언어 모델, 그리고 LLMs에 대해", "LLM"),
    ],
)
def test_multiword_terms_stay_whole(extractor, text, expected):
    got = names(extractor, "", text)
    assert expected in got
    assert not {"TensorFlow", "테스트", "Spring", "Boot", "시스템", "언어 모델"} & set(got)


def test_english_aliases_match_on_word_boundaries_only():
    taxonomy = load_taxonomy()
    found = [name for _, _, name in taxonomy.find("HTML과 XML, MLOps, k8s and Go but not go")]
    assert found == ["HTML", "MLOps", "Kubernetes", "Go"]  # no ML in HTML/XML, "go" is a verb
    assert [n for _, _, n in taxonomy.find("일러스트를 그렸다")] == []  # no Rust inside a word


def test_no_bare_numbers_or_stop_words(extractor):
    text = (
        "이번 글에서는 2024년 작업 과정과 방법을 소개합니다. 2024년에 1000건의 요청을 처리했습니다. "
        "이번 작업의 과정에서 우리는 방법을 정리했습니다. Redis를 Redis 클러스터로 바꿨습니다."
    )
    got = names(extractor, "작업 과정 소개", text)
    assert "Redis" in got
    assert not {"2024", "1000", "이번", "작업", "과정", "방법", "소개", "우리", "정리"} & set(got)


def test_a_counted_english_phrase_is_not_a_keyword(extractor):
    """ "four charts", "ten languages": a number of things, as "1000건" is."""
    title = "Rendering four charts in ten languages"
    text = (
        "Traders tile four charts on one screen, in ten languages. With four charts open the "
        "page stuttered, so the four charts moved to OffscreenCanvas. The ten languages share "
        "one layout, and the four charts redraw once per frame."
    )
    got = [name.casefold() for name in names(extractor, title, text)]
    assert "offscreencanvas" in got
    assert not [name for name in got if name.split()[0] in {"four", "ten"}], got


def test_a_word_of_when_is_never_part_of_a_keyword(extractor):
    title = "화요일 슬로 쿼리 리뷰"
    text = (
        "매주 화요일 슬로 쿼리 리뷰를 합니다. 금요일 저녁 배포를 없앴습니다. 화요일 슬로 쿼리 리뷰에서 "
        "인덱스를 고칩니다. 금요일 저녁 배포 대신 오전 배포를 합니다. 슬로 쿼리 리뷰는 30분입니다."
    )
    got = names(extractor, title, text)
    assert any("슬로 쿼리" in name for name in got), got
    assert not [n for n in got if {"화요일", "금요일", "저녁", "오전"} & set(n.split())], got


def test_title_weighs_more_than_body(extractor):
    text = "Redis를 씁니다. Kafka를 씁니다."
    assert names(extractor, "Kafka 이야기", text)[0] == "Kafka"
    assert names(extractor, "Redis 이야기", text)[0] == "Redis"


def test_a_list_item_named_in_passing_ranks_below_a_discussed_term(extractor):
    text = "저장소로 MySQL, Redis, MongoDB를 씁니다. 이벤트는 Kafka로 보냈습니다."
    got = names(extractor, "", text)
    assert got[0] == "Kafka"
    # the theme two of the listed stores imply (NoSQL) may follow them
    assert set(got[1:]) <= {"MySQL", "Redis", "MongoDB", "NoSQL"} and len(got) >= 3


def test_a_term_of_the_before_state_ranks_below_one_of_the_work(extractor):
    """Once each, the background one first: without the rule it would win the tie."""
    text = "기존에는 Hive 테이블을 매일 덮어썼습니다. 지금은 Iceberg 테이블로 옮겼습니다."
    got = names(extractor, "", text)
    assert got.index("Apache Iceberg") < got.index("Hive")


def test_the_predicate_of_a_copular_sentence_is_announced_as_the_topic(extractor):
    got = names(extractor, "", "Redis는 이미 있었습니다. 다음은 Kafka입니다.")
    assert got.index("Kafka") < got.index("Redis")


def test_a_korean_term_glued_to_a_noun_is_part_of_a_longer_word(extractor):
    got = names(extractor, "", "결제창을 열고 Redis를 씁니다.")
    assert got[0] == "Redis"


def test_narrower_terms_are_derived_from_the_names(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        "terms:\n  - [캐시, cache]\n  - [빌드 시스템, build cache]\n  - [Redis]\n",
        encoding="utf-8",
    )
    broader = load_taxonomy(path).broader
    assert broader == {"빌드시스템": frozenset({"캐시"})}
    assert "데이터베이스" in load_taxonomy().broader["벡터데이터베이스"]


def test_a_broader_term_yields_to_a_narrower_one_in_the_article(extractor):
    got = names(extractor, "", "인증은 번거로웠다. 그래서 다중 인증을 도입했다.")
    assert got.index("다중 인증") < got.index("인증")


def test_a_term_in_every_document_ranks_lower(extractor):
    text = "Redis로 캐시를 만들었다. Kafka로 이벤트를 보냈다."
    common = {"redis": 100, "kafka": 1}
    got = names(extractor, "", text, document_frequency=common, documents=100)
    assert got.index("Kafka") < got.index("Redis")
    got = names(
        extractor, "", text, document_frequency=lambda k: 100 - common.get(k, 0), documents=100
    )
    assert got.index("Redis") < got.index("Kafka")


def test_terms_are_the_document_frequency_keys(extractor):
    terms = extractor.terms("Kafka 도입기", "쿠버네티스에서 Kafka를 운영한 경험")
    assert {"kafka", "kubernetes"} <= terms


def test_an_english_term_continued_by_capitalized_words_is_a_product_of_its_own(extractor):
    text = (
        "세션 저장소를 Redis Cluster로 옮겼습니다. Redis Cluster는 키를 슬롯으로 나눕니다. "
        "Redis 명령은 그대로 씁니다. 결제 API와 Python API는 바꾸지 않았습니다."
    )
    got = names(extractor, "", text)
    assert "Redis Cluster" in got and "Redis" in got
    # An acronym after a term is what it offers: named once, "결제 API" ranks below the rest.
    assert not {"결제 API", "Python API"} & set(got)


def test_a_latin_word_around_a_taxonomy_match_does_not_break_the_tokenizer(extractor):
    # "X-RateLimit-Remaining" holds the alias "RateLimit" inside it: two overlapping spans made
    # Kiwi raise, and the keywords function failed the whole article.
    text = (
        "한도를 넘으면 HTTP 429를 돌려주고 Retry-After와 X-RateLimit-Remaining 헤더를 내립니다. "
        "레이트 리미팅 규칙은 API 게이트웨이에 두었습니다."
    )
    got = names(extractor, "레이트 리미팅 도입기", text)
    assert "레이트 리미팅" in got


def test_a_general_term_named_once_in_passing_is_no_keyword(extractor):
    """JSON is curated (marked general): once in the body is passing, twice or in the title is not."""
    assert "JSON" in extractor.taxonomy.general
    once = "Kafka 컨슈머를 늘렸습니다. 설정은 JSON 파일로 둡니다. Kafka 파티션도 늘렸습니다."
    assert "JSON" not in names(extractor, "", once)
    assert "Kafka" in names(extractor, "", once)
    twice = once + " JSON 스키마를 검증하고 JSON 필드를 줄였습니다."
    assert "JSON" in names(extractor, "", twice)
    assert "JSON" in names(extractor, "JSON 로그 줄이기", once)


def test_supervised_learning_is_not_maps(extractor):
    # Korean aliases match at a word's start: 지도 (maps) used to claim 지도학습.
    got = names(
        extractor,
        "",
        "지도학습 모델을 다시 학습했습니다. 라벨이 있는 지도학습 데이터가 늘었습니다.",
    )
    assert "지도학습" in got and "지도" not in got


def test_the_object_of_the_reported_work_ranks_above_a_tool_beside_it(extractor):
    """Once each, the tool first, both one word: without the rule it would win the tie."""
    text = "Jenkins 서버는 그대로 두었습니다. 인프라 구성은 Terraform으로 전환했습니다."
    got = names(extractor, "", text)
    assert got.index("Terraform") < got.index("Jenkins")


# --- the fitted ranker


def test_the_ranker_weighs_every_feature_and_nothing_else(extractor):
    features = extractor.candidate_features("Kafka 도입기", "Kafka 컨슈머 랙을 줄였습니다.")
    assert features
    for _, named in features:
        assert set(named) == set(RANKER) - {"bias"}


def test_ranker_is_what_the_fit_prints_on_the_labelled_set(extractor):
    """RANKER is refitted when candidates or features change: stale weights fail here."""
    keywords_fit = _keywords_fit()
    articles = keywords_fit.bench.training()
    choices, frequencies = keywords_fit.count_reference(extractor, articles)
    # choices.json and frequencies.json are rewritten by `keywords_fit.py --write`: stale
    # counts fail here too.
    assert choices.offered == extractor.choices.offered
    assert choices.chosen == extractor.choices.chosen
    assert frequencies == extractor.frequencies
    fitted = keywords_fit.fit(extractor, articles, choices)
    assert fitted.keys() == RANKER.keys()
    assert all(abs(fitted[name] - RANKER[name]) <= 0.01 for name in RANKER), fitted


# --- what readers chose before


def test_a_term_readers_often_chose_ranks_above_one_they_never_did(extractor):
    choices = ReaderChoices({"kafka": 20, "쿠폰": 20, "new": 1}, {"kafka": 18})
    assert choices.logit("kafka") > choices.logit("never-seen") > choices.logit("쿠폰")
    # a term never offered gets the average term's rate: 18 of 41
    assert choices.logit("never-seen") == pytest.approx(math.log(18 / 23))
    text = "쿠폰 발급 서버가 Kafka로 이벤트를 보냅니다. 쿠폰 재고는 Kafka 컨슈머가 줄입니다."
    got = names(extractor, "", text, choices=choices)
    flipped = names(
        extractor, "", text, choices=ReaderChoices({"kafka": 20, "쿠폰": 20}, {"쿠폰": 18})
    )
    assert got[0] == "Kafka" and flipped[0] == "쿠폰"
    assert "Kafka" not in flipped[:1] and "쿠폰" not in got[:1]


def test_an_article_held_out_of_the_choices_is_scored_as_if_new():
    choices = ReaderChoices({"kafka": 3, "redis": 2}, {"kafka": 3})
    held = choices.without({"kafka", "redis"}, {"kafka"})
    assert held.logit("kafka") == pytest.approx(
        ReaderChoices({"kafka": 2, "redis": 1}, {"kafka": 2}).logit("kafka")
    )
    # a term only that article offered is, without it, a term never seen
    only = ReaderChoices({"kafka": 3, "redis": 1}, {"kafka": 1, "redis": 1}).without(
        {"redis"}, {"redis"}
    )
    assert only.logit("redis") == only.logit("never-seen")
    assert only.logit("redis") < ReaderChoices({"kafka": 3, "redis": 1}, {"redis": 1}).logit(
        "redis"
    )


def test_a_held_out_term_the_counts_never_had_is_a_term_never_seen():
    # counts made before the candidates changed need not hold the held-out article's new
    # terms: those are not subtracted (a negative count was a math domain error)
    choices = ReaderChoices({"kafka": 3}, {"kafka": 1})
    held = choices.without({"kafka", "백필"}, {"백필"})
    assert held.logit("백필") == held.logit("never-seen")
    assert held.logit("kafka") == pytest.approx(
        ReaderChoices({"kafka": 2}, {"kafka": 1}).logit("kafka")
    )


def test_a_renamed_term_keeps_what_readers_chose_under_its_old_name():
    taxonomy = Taxonomy((TaxonomyTerm("Apache Kafka", ("Kafka", "카프카")),))
    choices = ReaderChoices({"kafka": 20, "redis": 20}, {"kafka": 18})
    assert set(taxonomy.spellings("apachekafka")) == {"apachekafka", "kafka", "카프카"}
    assert choices.logit("apachekafka", taxonomy.spellings("apachekafka")) == choices.logit("kafka")
    assert choices.logit("apachekafka") == choices.logit("never-seen")


def test_choices_file_round_trips_and_a_bad_one_is_refused(tmp_path):
    choices = ReaderChoices({"kafka": 3, "추천시스템": 2}, {"kafka": 1})
    path = tmp_path / "choices.json"
    path.write_text(choices.to_json(), encoding="utf-8")
    loaded = load_choices(path)
    assert loaded.offered == choices.offered and loaded.chosen == choices.chosen
    path.write_text('{"kafka": [1, 2]}', encoding="utf-8")
    with pytest.raises(ValueError, match="chosen <= offered"):
        load_choices(path)


def test_frequencies_file_round_trips_and_a_bad_one_is_refused(tmp_path):
    frequencies = DocumentFrequencies(3, {"kafka": 3, "추천시스템": 2})
    path = tmp_path / "frequencies.json"
    path.write_text(frequencies.to_json(), encoding="utf-8")
    assert load_frequencies(path) == frequencies
    path.write_text('{"documents": 3, "counts": {"kafka": 4}}', encoding="utf-8")
    with pytest.raises(ValueError, match="0 < n <= N"):
        load_frequencies(path)


def test_an_article_scored_alone_is_weighed_against_the_reference_frequencies(extractor):
    """Without a corpus of its own (`techfeed keywords FILE`), a term every reference article
    names counts for less than one they never name; with `documents` 0, neither is known."""
    text = (
        "Kafka로 주문 이벤트를 보냅니다. 정산 배치가 Kafka를 읽습니다. "
        "Airflow로 정산 배치를 돌립니다. Airflow가 실패를 알려 줍니다."
    )
    kept = extractor.frequencies
    try:
        first = {}
        for common in ("Kafka", "Airflow"):
            extractor.frequencies = DocumentFrequencies(100, {alias_key(common): 100})
            first[common] = extractor.extract("", text, choices=UNCHOSEN)[0].topic
    finally:
        extractor.frequencies = kept
    assert first == {"Kafka": "Airflow", "Airflow": "Kafka"}
    prior = extractor.extract("", text, document_frequency={}, documents=0, choices=UNCHOSEN)
    found = {k.topic: k.score for k in prior}
    assert found["Kafka"] == found["Airflow"]


# --- English names


def test_an_english_article_names_curated_terms_as_it_writes_them(extractor):
    """The topic is the same (레이트 리미팅); its readers see the article's English spelling."""
    text = (
        "We moved rate limiting into the gateway. Rate limiting used to live in each service, "
        "and every service counted on its own. The design tokens of the dashboard changed too, "
        "and we ran A/B testing on the new limits for two weeks before rolling them out."
    )
    got = names(extractor, "Rebuilding our rate limiting", text)
    assert "Rate Limiting" in got and "레이트 리미팅" not in got
    assert "A/B testing" in got
    # The full name the article writes, not the short one it uses more ("tracing").
    tracing = "We lacked distributed tracing. Tracing now follows each call; tracing is cheap."
    assert "Distributed Tracing" in names(extractor, "Tracing every call", tracing)
    korean = "게이트웨이로 rate limiting을 옮겼습니다. 레이트 리미팅은 서비스마다 따로 돌았습니다."
    assert "레이트 리미팅" in names(extractor, "레이트 리미팅 개편기", korean)


def test_an_english_article_names_a_topic_in_the_number_it_writes_most(extractor):
    """The singular ("Circuit Breaker") where the article writes it at least as often as the
    plural (title included), the plural where it writes that more; one keyword either way."""
    text = (
        "Circuit Breakers now guard every outbound call of the checkout service. A circuit "
        "breaker opens after five failures in ten seconds; each circuit breaker pages on-call."
    )
    got = names(extractor, "Rolling Out Circuit Breakers", text)
    assert "Circuit Breaker" in got and "Circuit Breakers" not in got
    more = text.replace("each circuit breaker", "all circuit breakers")
    got = names(extractor, "Rolling Out Circuit Breakers", more)
    assert "Circuit Breakers" in got and "Circuit Breaker" not in got
    # Written only in the plural, the plural is what the article calls it.
    plural = "Circuit breakers guard every call. We tuned the circuit breakers for each service."
    assert "Circuit Breakers" in names(extractor, "Tuning circuit breakers", plural)


def test_an_english_article_names_the_activity_where_it_writes_the_act(extractor):
    """ "an A/B test" is a case of A/B testing, the topic's English name: shown by that name,
    on the same page. A spelling the name only adds words to ("Canary" of canary deployment)
    is kept: the article may mean something else by it."""
    text = (
        "We ran an A/B test on the new ranking. The A/B test ran for two weeks, and the "
        "treatment won on click-through rate."
    )
    found = {k.topic: k.name for k in extractor.extract("What our A/B test taught us", text)}
    assert found["A/B 테스트"].casefold() == "a/b testing"
    canary = (
        "Every release now goes to a Canary first. The Canary takes five percent of traffic, "
        "and the Canary is rolled back when the error rate doubles."
    )
    found = {k.topic: k.name for k in extractor.extract("Canary first", canary)}
    assert found["카나리 배포"] == "Canary"


ROTATION = "Session Ticket Rotation으로 토큰 탈취에 대비하기"
# The whole name is common elsewhere, so its two halves ("Session Ticket", "Token Rotation")
# outrank it here.
ROTATION_DF = {"document_frequency": {"sessionticketrotation": 900}, "documents": 1000}
# An article about "<name> Rotation", <korean> being the name's Korean spelling.
ROTATION_TEXT = (
    "모바일 앱의 세션 탈취가 늘었습니다. 이에 대응해 {name} Rotation과 재사용 탐지를 "
    "도입했습니다. {name} Rotation은 {korean}을 쓸 때마다 새 토큰을 발급하고 "
    "이전 토큰을 폐기합니다. 폐기된 토큰이 다시 쓰이면 기기를 로그아웃시킵니다."
)


def test_two_parts_of_a_longer_name_are_that_name_once(extractor):
    text = ROTATION_TEXT.format(name="Session Ticket", korean="세션 티켓")
    got = names(extractor, ROTATION, text, **ROTATION_DF)
    assert "Session Ticket Rotation" in got
    assert not {"Session Ticket", "Token Rotation", "Rotation"} & set(got)


def test_a_part_written_on_its_own_stays_and_the_other_part_goes(extractor):
    text = (
        "Session Ticket은 수명이 길어서 탈취되면 위험합니다. Session Ticket을 기기에 안전하게 "
        "보관해도 로그로 새는 경우가 있었습니다. 그래서 Session Ticket Rotation을 도입했습니다. "
        "이제 Session Ticket을 쓸 때마다 새 토큰을 발급하고, 이전 Session Ticket은 폐기합니다. "
        "폐기된 Session Ticket이 다시 쓰이면 기기를 로그아웃시킵니다."
    )
    got = names(extractor, ROTATION, text, **ROTATION_DF)
    assert "Session Ticket" in got
    assert not {"Token Rotation", "Rotation"} & set(got)
    # Parts one after the other too: "Upload" only ever starts "Upload Worker", "Worker" stands alone.
    text = (
        "엑셀 파일 파싱이 메인 스레드를 막았습니다. 그래서 파싱을 Upload Worker로 옮겼습니다. "
        "Worker가 파일을 읽고 검증합니다. Worker는 결과만 돌려보냅니다. 취소하면 Worker를 "
        "종료합니다."
    )
    df = {"document_frequency": {"uploadworker": 900}, "documents": 1000}
    got = names(extractor, "Upload Worker로 엑셀 업로드 멈춤 없애기", text, **df)
    assert "Worker" in got and "Upload" not in got


def test_a_part_never_written_alone_beside_a_term_is_the_name_built_on_the_term(extractor):
    """Refresh Token is curated (리프레시 토큰); "Rotation" is only ever written after it, so it
    stands for "Refresh Token Rotation", the name built on the term, and is not shown alone."""
    text = ROTATION_TEXT.format(name="Refresh Token", korean="리프레시 토큰")
    # the whole name common elsewhere, so that "Rotation" outranks it
    df = {"document_frequency": {"refreshtokenrotation": 900}, "documents": 1000}
    got = names(extractor, "Refresh Token Rotation으로 토큰 탈취에 대비하기", text, **df)
    assert "Refresh Token Rotation" in got and "Rotation" not in got, got


def test_a_part_of_a_longer_name_never_written_alone_is_the_whole_name(extractor):
    text = (
        "AZ 간 데이터 전송 비용이 매달 늘었습니다. 첫 번째로 시도한 것은 Topology Aware Routing"
        "이었습니다. 서비스에 어노테이션을 추가하자 같은 AZ의 파드로 요청이 갔습니다. 하지만 "
        "Topology Aware Routing은 파드 수가 AZ마다 고르지 않으면 꺼집니다. 그래서 HPA 설정을 "
        "AZ별로 맞췄습니다."
    )
    # the whole name common elsewhere, so that its parts outrank it
    df = {"document_frequency": {"topologyawarerouting": 900}, "documents": 1000}
    got = names(extractor, "AZ 간 트래픽 비용 줄이기", text, **df)
    assert "Topology Aware Routing" in got
    assert not {"Aware Routing", "Topology Aware"} & set(got)
    text = (
        "S3 비용을 줄이려고 스토리지 클래스를 바꿨습니다. 자주 읽지 않는 로그는 Glacier Instant "
        "Retrieval로 옮겼습니다."
    )
    got = names(extractor, "S3 스토리지 비용 줄이기", text)
    assert "Glacier Instant Retrieval" in got and "Instant Retrieval" not in got


@pytest.mark.parametrize(
    ("part", "whole", "written", "grows"),
    [
        (
            "Instant Retrieval",
            "Glacier Instant Retrieval",
            "moved logs to glacier instant retrieval.",
            True,
        ),
        # A name with capitals grows by capitalized words only,
        (
            "SharedPreferences",
            "SharedPreferences apply",
            "we cut sharedpreferences apply calls.",
            False,
        ),
        # a code identifier not at all,
        (
            "concurrencyPolicy",
            "concurrencyPolicy Allow",
            "set concurrencypolicy allow to forbid. concurrencypolicy allow overlaps runs.",
            False,
        ),
        # and a part also written on its own stays itself.
        (
            "Instant Retrieval",
            "Glacier Instant Retrieval",
            "moved logs to glacier instant retrieval. instant retrieval costs more.",
            False,
        ),
    ],
)
def test_a_part_grows_into_the_whole_name_only_when_never_written_alone(
    part: str, whole: str, written: str, grows: bool
) -> None:
    candidates = [_candidate(part), _candidate(whole)]
    assert _whole_name(candidates[0], candidates, written) is candidates[int(grows)]


def _candidate(name: str) -> _Candidate:
    candidate = _Candidate(alias_key(name), "specific")
    candidate.surfaces[name] += 1
    return candidate


def test_a_part_is_counted_as_words_of_its_own():
    """ "listen" in "listener" is not the part "listen" written on its own."""
    written = "tcp listen backlog overflowed. the listener and its listeners restarted.".casefold()
    assert _one_name("listen", "backlog", written) == "listen backlog"
    alone = written + " we call listen early. listen returns."
    assert _one_name("listen", "backlog", alone) == "listen"


def test_english_prose_yields_repeated_lower_case_phrases(extractor):
    """Without part-of-speech tags, a phrase of lower-case words is a term when repeated."""
    text = (
        "Our search cluster answers each query from many shards. We added speculative retries: "
        "when a shard is slow, a second copy of the query goes to a replica. Speculative retries "
        "cut the slowest answers in half, and a careful budget keeps speculative retries under "
        "five percent of traffic. The old dashboard stayed."
    )
    got = names(extractor, "Taming slow shards", text)
    assert "speculative retries" in got
    # A sentence may start with it: "Speculative retries won" is the same phrase, so it is repeated.
    terms = extractor.weighted_terms("", "Speculative retries won. We kept speculative retries.")
    assert next(t for t in terms if t.key == "speculativeretries").rankable
    assert not {"old dashboard", "careful budget", "traffic", "query"} & set(got)
    korean = "검색 클러스터에 speculative retries를 넣었습니다. speculative retries로 느린 응답이 줄었습니다."
    assert "speculative retries" in names(extractor, "느린 샤드 길들이기", korean)


def test_a_headline_capitalizes_words_that_are_not_names(extractor):
    title = (
        "Building an Evaluation Harness for LLM Features: What LLM-as-a-Judge Got Right and Wrong"
    )
    text = (
        "We grade answers with LLM-as-a-judge every night. A golden dataset of 400 questions "
        "anchors the harness, and the Evaluation Harness service stores each verdict. "
        "LLM-as-a-judge scores drift when prompts change."
    )
    got = names(extractor, title, text)
    assert "LLM-as-a-judge" in got and "Evaluation Harness" in got  # the body names it
    assert not {"Right", "Wrong", "LLM Features", "Got Right"} & set(got)


def test_a_korean_term_that_only_starts_a_longer_word_is_not_matched_there(extractor):
    """인증서 (a certificate) is not 인증 (authentication); 인증을 is."""
    text = "인증서 만료로 장애가 났습니다. 인증서 갱신을 자동화했고 인증을 다시 설계했습니다."
    candidates = extractor.terms("", text)
    assert {"인증서", "인증서만료", "인증"} <= candidates
    assert "서만료" not in candidates and "서" not in candidates
    got = names(extractor, "인증서 자동 갱신", text)
    assert got and not any(name == "서" or name.startswith("서 ") for name in got)


def test_a_word_kiwi_only_guesses_at_is_no_longer_word_for_a_term_to_start(extractor):
    """Kiwi reads "부트의" alone as one unknown noun: a guess, so 스프링 부트 is still matched
    there, and the article shows Spring Boot once, not beside a "스프링 부트" of its own."""
    text = "Spring Boot 3으로 올렸습니다. 스프링 부트의 설정이 바뀌었습니다."
    assert names(extractor, "", text)[:1] == ["Spring Boot"]
    assert "스프링부트" not in extractor.terms("", text) - {"springboot"}
    assert "스프링 부트" not in names(extractor, "", text)


def test_a_particle_kiwi_leaves_on_a_noun_is_not_part_of_it(extractor):
    """Before a word Kiwi does not know (래그), it reads 서버의 as one noun: read alone it is
    서버 and the particle 의."""
    title = "배틀로얄 서버의 래그 보상 구현기"
    candidates = extractor.terms(title, "배틀로얄 서버의 래그 보상을 구현했습니다.")
    assert "서버" in candidates
    assert not any(key.endswith("서버의") for key in candidates)
    assert not any(name.endswith("서버의") for name in names(extractor, title, "게임 서버"))


def test_places_and_units_are_never_keywords(extractor):
    text = (
        "네이티브 코드 사이의 다리를 놓았습니다. 웹과 앱 사이에서 메시지가 오갑니다. "
        "응답은 30 MB에서 2 MB로, 전송은 12 KB/s로 줄었습니다. 썸네일은 120 px 줄였습니다."
    )
    candidates = extractor.terms("", text)
    assert {"네이티브코드", "메시지"} <= candidates
    assert not {"사이", "코드사이", "앱사이", "mb", "kb/s", "px"} & candidates


def test_a_place_a_language_or_a_day_is_never_a_keyword_alone(extractor):
    """The team in Tokyo, the documents in Japanese, the Monday review: where, in what language
    and when the work happened, not what it was about; "Korean tokenizer" still names a thing."""
    title = "Writing design documents in two languages"
    text = (
        "Our Tokyo and Seoul offices write Design Documents in English and Japanese. Every "
        "Monday the Tokyo team reviews the Design Documents. The Seoul team built a Korean "
        "Tokenizer for search. The Korean Tokenizer splits compound nouns. Japanese readers "
        "comment on Friday."
    )
    got = {k.name for k in extractor.extract(title, text)}
    assert "Design Documents" in got or "Design Document" in got, got
    assert "Korean Tokenizer" in got, got
    assert not {"Tokyo", "Seoul", "English", "Japanese", "Korean", "Monday", "Friday"} & got, got
    korean = extractor.terms(
        "도쿄 팀과 일하는 법",
        "도쿄 팀과 서울 팀은 일본어 문서와 한국어 문서를 나눠 씁니다. 도쿄 팀은 일본어로 씁니다.",
    )
    assert not {"도쿄", "서울", "일본어", "한국어"} & korean, korean


def test_the_kind_of_post_is_never_part_of_a_keyword(extractor):
    """ "SLO 도입기" is a post about SLO: the story noun ends no compound, even where Kiwi reads
    it as two nouns (구성 + 기), and is no keyword alone."""
    title = "SLO 도입기, Elasticsearch hot-warm-cold 구성기"
    text = (
        "SLO 도입기에서는 에러 버짓을 정한 과정을 소개합니다. 인덱스는 hot-warm-cold 구성기로 "
        "나누었습니다. 오픈소스 적용기도 씁니다. Kafka 전환기는 다음 글입니다. "
        "SLO는 사용자 여정마다 정했습니다."
    )
    candidates = extractor.terms(title, text)
    assert "사용자여정" in candidates  # a journey is a thing a post can be about
    assert {"slo", "elasticsearch", "hotwarmcold"} <= candidates
    assert not {key for key in candidates if key.endswith(("도입기", "구성기", "적용기", "전환기"))}
    shown = names(extractor, title, text)
    assert "SLO" in shown
    assert not [name for name in shown if name.endswith(("도입기", "구성기", "적용기"))]


def test_a_term_with_the_nouns_beside_it_is_a_longer_name_of_its_own(extractor):
    """Readers tag "GC 로그" and "상품 캐시", not only GC and 캐시: a term joined by the nouns
    before or after it is a candidate beside it, named once or more, never ending in where."""
    text = (
        "상품 API는 EKS 위에서 돕니다. 응답이 느려져 GC 로그부터 봤습니다. "
        "그래서 상품 캐시를 붙였습니다. 상품 캐시는 Caffeine으로 만들었습니다."
    )
    features = dict(extractor.candidate_features("", text))
    assert {"gc", "gc로그", "캐시", "상품캐시"} <= set(features)
    assert features["gc로그"]["extends"] == features["상품캐시"]["extends"] == 1.0
    assert features["gc"]["extends"] == 0.0
    assert not {key for key in features if key.endswith("위")}


def test_an_article_about_a_themes_members_has_the_theme_as_a_candidate(extractor):
    """Karpenter and HPA make an article about 오토스케일링 though it never says so; a theme it
    names is marked with how many of its members it names too."""
    text = (
        "노드 확장은 Karpenter가 맡고 Pod 수는 HPA가 조절합니다. Karpenter는 스팟 인스턴스를 "
        "고릅니다. 관측 가능성을 위해 OpenTelemetry와 Prometheus를 붙였습니다."
    )
    features = dict(extractor.candidate_features("", text))
    assert features["오토스케일링"]["implied"] == 1.0
    assert features["오토스케일링"]["members"] == pytest.approx(math.log1p(2))
    assert features["관측가능성"]["implied"] == 0.0  # named: a candidate of its own
    assert features["관측가능성"]["members"] == pytest.approx(math.log1p(2))
    assert features["karpenter"]["implied"] == features["karpenter"]["members"] == 0.0
    assert "컨테이너" not in features  # no member named


def test_a_theme_named_inside_its_members_names_is_not_implied(extractor):
    """An article about Kafka Connect and Kafka Streams writes "Kafka" in both names: the theme
    Kafka is not implied beside them (it is a candidate where the article names it)."""
    text = (
        "Kafka Connect로 MySQL 변경을 옮기고 Kafka Streams로 집계합니다. Kafka Connect의 "
        "커넥터는 Kafka Streams 앱과 따로 배포합니다."
    )
    assert {"kafkaconnect", "kafkastreams"} <= extractor.terms("", text)
    assert "kafka" not in extractor.terms("", text)
    named = extractor.terms("", text + " 브로커는 Kafka 3.6입니다.")
    assert "kafka" in named


def test_an_english_article_names_a_theme_it_implies_in_english(extractor):
    text = (
        "We moved tracing to OpenTelemetry. OpenTelemetry spans go to Jaeger, and Prometheus "
        "scrapes the metrics. Jaeger keeps seven days of traces."
    )
    topics = {k.topic: k.name for k in extractor.extract("", text)}
    assert topics.get("관측 가능성") == "Observability"


def test_a_word_built_on_a_term_names_a_thing_of_its_own(extractor):
    text = (
        "spark-operator로 잡을 제출합니다. spark-operator가 재시도를 맡습니다. "
        "catalog-info.yaml에 소유 팀을 적고 catalog-info.yaml을 검사합니다. "
        "Kafka-based 파이프라인은 그대로 두었습니다."
    )
    got = names(extractor, "", text)
    assert "spark-operator" in got and "Apache Spark" not in got
    assert "Kafka" in got
    assert not any(name.endswith(".") or name == "info" for name in got)


def test_a_term_inside_a_longer_name_with_evidence_of_its_own_is_marked_inside(extractor):
    text = "단일 Redis에서 Redis Cluster로 옮겼습니다. Redis Cluster는 슬롯을 나눕니다."
    features = dict(extractor.candidate_features("", text))
    assert features["redis"]["inside"] == 1.0
    assert features["rediscluster"]["inside"] == 0.0
    # Both are shown; being inside the longer name lowers the shorter one's score (readers
    # chose such a term less often than its counts suggest), not below the longer one's.
    assert {"Redis", "Redis Cluster"} <= set(names(extractor, "", text))
    assert RANKER["inside"] < 0


def test_a_product_name_is_not_shown_beside_a_longer_form_of_itself(extractor):
    text = (
        "Next.js App Router로 옮겼습니다. Next.js App Router는 서버 컴포넌트가 기본입니다. "
        "Next.js App 디렉터리 구조도 바꿨습니다."
    )
    got = names(extractor, "Next.js App Router 전환기", text)
    assert "Next.js" in got
    longer = [name for name in got if name.startswith("Next.js ")]
    assert len(longer) <= 1, got


def test_terms_then_keywords_of_one_article_tokenize_it_once(extractor, monkeypatch):
    """Tagging asks for an article's terms, then its keywords: Kiwi reads the article once."""
    calls: list[str] = []
    tokenize = extractor._kiwi.tokenize

    def counted(text: str, **kwargs: object) -> object:
        calls.append(text)
        return tokenize(text, **kwargs)

    monkeypatch.setattr(extractor._kiwi, "tokenize", counted)
    title, text = "Kafka 도입기 하나", "Kafka를 도입했습니다.\nRedis는 그대로 둡니다."
    terms = extractor.weighted_terms(title, text)
    got = names(extractor, title, text, document_frequency={t.key: 1 for t in terms}, documents=9)
    assert "Kafka" in got
    # the title and two paragraphs once each, and the whole article once (for unknown words);
    # any other call reads one word alone
    reads = [title, "Kafka를 도입했습니다.", "Redis는 그대로 둡니다.", f"{title}\n\n{text}"]
    assert [calls.count(r) for r in reads] == [1, 1, 1, 1]
    extractor.terms("다른 글", text)
    assert [calls.count(r) for r in reads[1:3]] == [2, 2]  # another article is read afresh


def test_a_word_kiwi_does_not_know_that_the_article_repeats_is_one_noun(extractor):
    # Sentence by sentence Kiwi reads the loanword 백필 (backfill) as 백 (a hundred) + 필 (a
    # counter) and 샤딩 as 샤 + an adverb: neither was a candidate. Read over the whole article,
    # each is a noun.
    title = "일 배치 백필을 안전하게 만든 방법"
    text = (
        "저희 팀은 백필을 한 달에 여러 번 합니다. 백필 결과는 스테이징 테이블에 먼저 씁니다.\n\n"
        "자원 경쟁은 백필 전용 큐로 풀었습니다. 샤딩을 도입한 뒤에는 샤딩 키마다 백필을 나눴고, "
        "샤딩 덕분에 한 번에 도는 양이 줄었습니다."
    )
    got = names(extractor, title, text)
    assert "백필" in got and "샤딩" in got
    assert not {"백", "필", "샤"} & {w for name in got for w in name.split()}


def test_a_word_and_its_particle_or_ending_is_not_an_unknown_noun(extractor):
    # the whole-article reading glues a noun it knows to its particle or copula
    text = "플러그인인 경우가 많습니다. 플러그인을 씁니다. 플러그인인 모듈은 컨슈머가 읽습니다. 컨슈머가 느립니다."
    unknown = extractor._unknown_nouns(text)
    assert "플러그인인" not in unknown and "컨슈머가" not in unknown


def test_a_term_and_its_gloss_in_parentheses_are_one_keyword(extractor):
    # A Korean term glossed with its English name, or a name with its acronym, is one term
    # named twice: shown once, in the article's language.
    text = (
        "알림함은 Cassandra에 있습니다. 삭제가 많아지자 툼스톤(tombstone)이 쌓였습니다. "
        "tombstone이 많으면 읽기가 느려지고, 툼스톤을 지우려면 compaction이 돌아야 합니다.\n\n"
        "Transparent Huge Pages(THP)도 켜져 있었습니다. THP를 끄자 지연이 줄었고, "
        "Transparent Huge Pages 설정은 이미지에 넣었습니다. tombstone 수도 대시보드에 넣었습니다."
    )
    got = names(extractor, "Cassandra 알림함의 툼스톤 문제", text)
    assert "툼스톤" in got and "tombstone" not in got
    assert ("THP" in got) + ("Transparent Huge Pages" in got) == 1


def test_a_gloss_of_a_term_by_its_own_alias_joins_nothing_else(extractor):
    # 이상거래탐지(FDS) glosses 이상거래탐지 by its own alias: the longer name around it
    # ("실시간 이상거래탐지") is a name of its own, not the same keyword.
    first, second = ({"실시간 이상거래탐지"}, {"이상거래탐지", "fds"})
    glosses = [("우리는 실시간 이상거래탐지", "fds")]
    assert not _glossed(first, second, glosses)
    assert _glossed({"툼스톤"}, {"tombstone"}, [("쌓인 툼스톤", "tombstone")])
    assert _glossed({"thp"}, {"transparent huge pages"}, [("transparent huge pages", "thp")])
    assert not _glossed({"redis"}, {"캐시"}, [("redis", "캐시 서버")])  # not the gloss itself
