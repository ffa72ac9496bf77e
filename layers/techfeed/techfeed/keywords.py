"""Text -> canonical keywords; the only module that imports kiwipiepy.

Keywords: taxonomy aliases are found first (case-insensitive, spacing-tolerant, on word
boundaries) and handed to Kiwi as pre-tokenized spans, so "TensorFlow.js" and "A/B 테스트" stay
whole and "Kafka를" becomes Kafka; Kiwi's nouns and noun compounds are the other candidates, and
so is a longer name built on a taxonomy term and the nouns beside it ("Redis Cluster", "GC 튜닝",
"로컬 캐시" beside Redis, GC, 캐시); in English prose (which Kiwi does not tag) names, and phrases
of lower-case words the article repeats ("hedged requests"). A curated theme the article never
names is one when it names the theme's members (taxonomy.yaml `themes`: Karpenter and HPA make
오토스케일링 a candidate), its evidence a share of theirs.
A candidate's evidence is √TF × IDF × a weight for its kind (taxonomy terms preferred), the
IDF from the corpus's document frequencies (kept in the table) or, for an article scored alone
(`techfeed keywords FILE`), from reference frequencies over the labelled articles
(DocumentFrequencies, frequencies.json); a
taxonomy term marked `general` (JSON, Git, 타임아웃) must be repeated or in the title to rank, as
must a common Korean noun. TF counts a title occurrence several times and weighs each body
occurrence by its role: an item of a comma-separated list, a mention in a sentence about how
things were before the work ("기존에는 …"), and a Korean term glued to a following noun ("채팅방")
count as fractions (context, named in passing); the predicate of a copular sentence ("다음은 동의어 사전입니다") and the object of a verb of
the reported work ("Kafka를 도입했습니다") count extra (announced as what follows, what the work
was on). A taxonomy term whose narrower term (by name: "벡터 데이터베이스" under
"데이터베이스") is also in the article yields to it. Candidates are ranked by a logistic model
(RANKER, fitted on the labelled articles by bench/keywords_fit.py) over that evidence, what
kind of name each is (in the title, how often, curated or general, how many words, English or an
acronym, built on a term, a theme implied and by how many members, inside a longer name the
article also uses) and how often readers chose the term in the labelled articles that had it
(ReaderChoices, choices.json).
A keyword's `topic` is its keyword page (a term's canonical name); its `name` is how the
article's readers name it: in an English article, a term named in Korean takes the English
spelling the article uses ("Rate Limiting" for 레이트 리미팅); in a Korean article, a term the
article writes mostly in the other script takes that spelling ("Bloom filter" for 블룸 필터,
쿠버네티스 for Kubernetes); otherwise the canonical name.

kiwipiepy is loaded only when a `KeywordExtractor` is built, so importing this module is cheap.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from techfeed.stopwords import STOP_WORDS_EN, STORY_NOUNS, TIME_NOUNS, is_stop_word, word_set
from techfeed.summaries import SENTENCE_END
from techfeed.taxonomy import GAP, HANGUL, Taxonomy, alias_key, is_hangul, load_taxonomy

DEFAULT_CHOICES = Path(__file__).with_name("choices.json")
DEFAULT_FREQUENCIES = Path(__file__).with_name("frequencies.json")

# Evidence constants, set by hand on the dev half of tests/fixtures/keywords (bench/keywords.py).
TITLE_WEIGHT = 2.0  # a title occurrence counts as this many body occurrences
# An item of a comma-separated list ("PyTorch, TensorFlow, ONNX") is named in passing, not
# discussed: it counts as this much of an occurrence.
LIST_WEIGHT = 0.25
# How likely a reader is to choose a term of each kind, all else equal: a curated topic over a
# proper noun, foreign word or compound, over one common Korean noun (데이터, 서버, 모델).
KIND_WEIGHT = {"taxonomy": 3.0, "specific": 1.0, "general": 0.5}
# An occurrence in a sentence about how things were before the work ("기존에는 …", "몇 년 전까지",
# "previously") names the context the article starts from: it counts as this much.
BACKGROUND_WEIGHT = 0.5
# A term that is the predicate of a copular sentence ("다음은 동의어 사전입니다", "시작은 디자인
# 토큰이었습니다") is announced as what the text goes on to discuss: it counts this much.
PREDICATE_WEIGHT = 1.5
# A Korean term glued to a following noun is the first half of a longer word ("채팅방" is a chat
# room, not chat): it counts as this much.
GLUED_WEIGHT = 0.25
# A taxonomy term yields to a narrower one the article also has (데이터베이스 beside 벡터
# 데이터베이스, 인증 beside 다중 인증): its score is multiplied by this. Narrower is derived from
# the names alone: a term one of whose spellings ends in another term's spelling as whole words.
BROADER_WEIGHT = 0.5
# A term ranks with this many body occurrences (or one in the title) unless it is curated or a
# specific name (named once, it is ranked like the rest: the ranker weighs "once"); a common
# Korean noun needs them, and a taxonomy term marked general (JSON, Git, 타임아웃, 데이터베이스: named in passing by articles
# about anything) is curated only as a name, so it needs the same evidence. Its weight stays a
# curated term's: readers do choose Android or 마이그레이션 when an article is about them.
MIN_EVIDENCE = 2
# The object or destination of a verb of the work the article reports ("Kafka를 도입했습니다",
# "Redis Cluster로 옮겼습니다") is what the work was on: an occurrence there counts this much.
WORK_WEIGHT = 3.0
# A theme the article never names but whose members it does (themes in taxonomy.yaml) has
# this share of their occurrences as its own.
IMPLIED_WEIGHT = 0.5
PRIOR_IDF = 2.5  # without document frequencies: a term in about one article in ten
PRIOR_DOCUMENTS = 20  # a corpus smaller than this says little: shrink its IDF toward the prior
# At least this many keywords are shown where the article has the candidates: readers and the
# quality measure both read five, and with three the next candidates, often labels, went unseen.
MIN_KEYWORDS = 5
# An article with Hangul below this share of its letters is in English: curated terms named in
# Korean are shown by the English spelling it uses (`_english_name`).
ENGLISH_HANGUL_SHARE = 0.05
MAX_NGRAM = 3
# How many labelled articles' worth of trust the average term's choice rate gets against a
# term's own record (ReaderChoices): a term offered in n articles and chosen in c of them has
# the prior (c + CHOICE_SMOOTHING * rate) / (n + CHOICE_SMOOTHING).
CHOICE_SMOOTHING = 5.0
_DEFAULT_CHOICE_RATE = 0.1

_HANGUL_CHAR = re.compile(f"[{HANGUL}]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_LOWER_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
_SEPARATOR = re.compile(r"[\s\-]+")
# An identifier from code: camelCase or snake_case ("concurrencyPolicy", "max_connections").
_CODE_NAME = re.compile(r"[a-z]+[A-Z][A-Za-z0-9]*|\w+_\w+")


_NOUN_TAGS = frozenset({"NNG", "NNP"})
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[.+#_/-][A-Za-z0-9]+)*[+#]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s*)\W*$")
_LIST_BEFORE = re.compile(r",\s*(?:and\s+|or\s+)?$")
_LIST_AFTER = re.compile(r"\s*,")
_BACKGROUND = re.compile(
    r"기존에는|기존의|이전에는|예전에는|처음에는|초기에는|원래는|그동안|전까지|과거에는|"
    r"\bpreviously\b|\bused to\b|\boriginally\b|\bat first\b",
    re.IGNORECASE,
)
_MAX_REMEMBERED_WORDS = 50_000
# Nouns that relate what comes before them ("A와 B 사이", "3초 이상", "EKS 위") or make it a
# modifier of what follows ("예측 기반 오토스케일링", "백필 전용 큐"): never a compound's end.
_RELATIONAL = word_set("사이 이상 이하 미만 초과 동안 대비 위 아래 기준 기반 관련 전용 중심")
# Last syllables of the particles Kiwi sometimes leaves on a noun it does not know (서버의).
_PARTICLE_ENDS = frozenset("의을를은는이가에와과로도")
# What an English word hyphenated to a term says of it ("Kafka-based", "cloud-native").
_JOINED_MODIFIERS = word_set(
    "based backed driven like friendly compatible native only specific level side wide aware "
    "first powered enabled ready style related heavy free safe"
)
_PLAIN_WORD = re.compile(r"(?<![\w.])[A-Za-z][a-z'’]*(?![\w.])|(?<![\w.])[가-힣]+")
# Words a headline leaves in lower case ("Moving to Kafka from RabbitMQ").
_HEADLINE_LOWER = word_set(
    "a an the and or but nor for of in on at to by with from as vs via into per"
)
_HEADLINE_SHARE = 0.8
_SUFFIXES = frozenset({"성", "화", "자", "력", "율", "률", "형", "량"})  # 확장성, 자동화
# The work an article reports: its object or destination is what the article is about.
_WORK_NOUNS = word_set(
    "도입 구축 전환 개선 적용 개발 설계 구현 교체 이전 마이그레이션 최적화 자동화 표준화 분리 통합 "
    "재설계 개편 운영 선택 채택 검토 평가 측정 분석 튜닝"
)
_WORK_VERBS = word_set("만들 바꾸 옮기 줄이 늘리 없애 고치 붙이 쓰 다루")


@dataclass(frozen=True)
class Term:
    """A candidate term of one article, for counting document frequencies."""

    key: str  # what `extract` looks document frequencies up by
    frequency: float  # occurrences: a title one counts TITLE_WEIGHT, a body one by its role
    rankable: bool  # whether `extract` can choose it (curated, in the title or twice in the body)


@dataclass(frozen=True)
class Keyword:
    """One keyword of an article: a taxonomy term or a normalised noun phrase."""

    name: str  # as the article's readers name it: the article's own spelling of a term
    score: float  # the ranker's probability that a reader would choose it
    topic: str  # the keyword page it belongs to: a term's canonical name, else `name`


@dataclass(frozen=True)
class ReaderChoices:
    """How often readers chose each term (by key) when a labelled article had it as a rankable
    candidate: `offered` articles, `chosen` of them. bench/keywords_fit.py counts choices.json."""

    offered: Mapping[str, int]
    chosen: Mapping[str, int]
    # One article's offered and chosen keys, not counted (`without`).
    held_out: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
    rate: float = field(init=False, compare=False)  # of every term offered, the share chosen

    def __post_init__(self) -> None:
        offered_out, chosen_out = self.held_out
        # the held-out article counts only where the counts hold it (see `logit`)
        offered = sum(self.offered.values()) - sum(k in self.offered for k in offered_out)
        chosen = sum(self.chosen.values()) - sum(k in self.chosen for k in chosen_out)
        rate = chosen / offered if offered > 0 else _DEFAULT_CHOICE_RATE
        object.__setattr__(self, "rate", min(max(rate, 0.01), 0.99))

    def logit(self, key: str, spellings: Iterable[str] = ()) -> float:
        """Log-odds that a reader chooses the term: its own record (under `key`, else under the
        first of its other `spellings` recorded), smoothed toward the rate of every term (a term
        never seen before gets that rate)."""
        if key not in self.offered:
            key = next((k for k in spellings if k in self.offered), key)
        offered_out, chosen_out = self.held_out
        # the held-out article is subtracted only from counts that hold it (counted before the
        # candidates changed, they may not)
        seen = max(self.offered.get(key, 0) - (key in offered_out), 0)
        picked = min(max(self.chosen.get(key, 0) - (key in chosen_out), 0), seen)
        p = (picked + CHOICE_SMOOTHING * self.rate) / (seen + CHOICE_SMOOTHING)
        return math.log(p / (1 - p))

    def without(self, offered: Iterable[str], chosen: Iterable[str]) -> ReaderChoices:
        """These counts less one labelled article's: that article scored as if new."""
        return dataclasses.replace(self, held_out=(frozenset(offered), frozenset(chosen)))

    def to_json(self) -> str:
        """choices.json: one line per term, sorted, [offered, chosen]."""
        lines = ",\n".join(
            f"  {json.dumps(key, ensure_ascii=False)}: [{n}, {self.chosen.get(key, 0)}]"
            for key, n in sorted(self.offered.items())
        )
        return "{\n" + lines + "\n}\n"


def load_choices(path: str | Path | None = None) -> ReaderChoices:
    """Read a choices file (the packaged `choices.json` by default): {key: [offered, chosen]}."""
    source = Path(path) if path is not None else DEFAULT_CHOICES
    data = json.loads(source.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(v, list) and len(v) == 2 and all(isinstance(n, int) for n in v) and v[0] >= v[1]
        for v in data.values()
    ):
        raise ValueError(
            f"{source}: expected {{term key: [offered, chosen]}} with chosen <= offered"
        )
    return ReaderChoices(
        {key: v[0] for key, v in data.items()}, {key: v[1] for key, v in data.items() if v[1]}
    )


@dataclass(frozen=True)
class DocumentFrequencies:
    """How many of `documents` articles name each term (by key, terms named in two or more):
    a reference corpus, the labelled articles (bench/keywords_fit.py counts frequencies.json),
    for an article scored without a corpus of its own (`techfeed keywords FILE`)."""

    documents: int
    counts: Mapping[str, int]

    def to_json(self) -> str:
        """frequencies.json: the number of documents, then one line per term, sorted."""
        lines = ",\n".join(
            f"    {json.dumps(key, ensure_ascii=False)}: {n}"
            for key, n in sorted(self.counts.items())
        )
        return f'{{\n  "documents": {self.documents},\n  "counts": {{\n{lines}\n  }}\n}}\n'


def load_frequencies(path: str | Path | None = None) -> DocumentFrequencies:
    """Read a frequencies file (the packaged `frequencies.json` by default)."""
    source = Path(path) if path is not None else DEFAULT_FREQUENCIES
    data = json.loads(source.read_text(encoding="utf-8"))
    documents = data.get("documents") if isinstance(data, dict) else None
    counts = data.get("counts") if isinstance(data, dict) else None
    if not (
        isinstance(documents, int)
        and documents > 0
        and isinstance(counts, dict)
        and all(isinstance(n, int) and 0 < n <= documents for n in counts.values())
    ):
        raise ValueError(
            f'{source}: expected {{"documents": N, "counts": {{term key: n}}}} with 0 < n <= N'
        )
    return DocumentFrequencies(documents, counts)


@dataclass
class _Candidate:
    """Evidence for one candidate term in one document."""

    key: str
    kind: str  # a KIND_WEIGHT key
    title: int = 0
    body: int = 0
    weighted: float = 0.0  # body occurrences, each weighted by its role (_role_weight)
    first: int = 0
    extends: bool = False  # a longer name built on a taxonomy term: kept beside that term
    passing: bool = False  # a general taxonomy term: named in passing unless repeated
    implied: bool = False  # a theme the article never names, present by its members
    members: int = 0  # how many of the theme's members the article names, if it is a theme
    surfaces: Counter[str] = field(default_factory=Counter)
    written: Counter[str] = field(default_factory=Counter)  # a taxonomy term's spellings here

    @property
    def name(self) -> str:
        return self.surfaces.most_common(1)[0][0]

    @property
    def frequency(self) -> float:
        return self.weighted + TITLE_WEIGHT * self.title

    @property
    def rankable(self) -> bool:
        """Evidence enough to be a keyword: a curated topic or a specific name (a proper noun,
        a compound, a foreign word, a longer name built on a term: named once, it may still be
        the subject), or in the title, or repeated."""
        curated = self.kind == "taxonomy" and not self.extends and not self.passing
        named = self.extends or self.kind == "specific"
        return curated or named or self.title > 0 or self.body >= MIN_EVIDENCE


@dataclass(frozen=True)
class _Unit:
    """One noun-like piece of a sentence: a taxonomy match or a Kiwi noun (with its suffix)."""

    text: str
    start: int
    end: int
    canonical: str | None = None
    specific: bool = False
    extends: bool = False  # a longer name built on a taxonomy term ("Redis Cluster", "GC 튜닝")
    plain: bool = False  # a lower-case English word: in a phrase of a few, maybe a term


# How readers choose among the rankable candidates: a logistic model over `_features`, fitted
# on the labelled articles (tests/fixtures/keywords and later/, never unseen/) by
# `bench/keywords_fit.py`, which prints this table. A keyword's score is the model's probability
# that a reader would choose it.
RANKER = {
    "bias": -5.21,
    "acronym": -0.225,
    "body": 0.433,
    "chosen": 1.017,
    "curated": -0.112,
    "english": 0.968,
    "evidence": 1.823,
    "extends": -2.337,
    "general": -0.39,
    "implied": -1.257,
    "inside": -0.479,
    "members": 1.095,
    "once": -0.2,
    "passing": -1.543,
    "three_words": -0.177,
    "title": 1.234,
    "two_words": 0.372,
}
# Past MIN_KEYWORDS, a candidate less likely than this to be chosen is not shown.
MIN_PROBABILITY = 0.1


def _features(
    candidate: _Candidate, evidence: float, *, inside: bool, chosen: float
) -> dict[str, float]:
    """What the ranker knows of one candidate: the evidence score, what kind of name it is and
    how often readers chose it before (`chosen`, a ReaderChoices logit)."""
    name = candidate.name
    words = len(name.split())
    english = name.isascii()
    return {
        "evidence": math.log(evidence),
        "chosen": chosen,
        "title": float(candidate.title > 0),
        "body": math.log1p(candidate.body),
        "once": float(candidate.body == 1),
        "curated": float(
            candidate.kind == "taxonomy" and not candidate.extends and not candidate.passing
        ),
        "passing": float(candidate.passing),
        "general": float(candidate.kind == "general"),
        "two_words": float(words == 2),
        "three_words": float(words >= 3),
        "english": float(english),
        "acronym": float(english and name.replace(" ", "").isupper()),
        "inside": float(inside),
        "extends": float(candidate.extends),
        "implied": float(candidate.implied),
        "members": math.log1p(candidate.members),
    }


def _probability(features: Mapping[str, float]) -> float:
    """The ranker's probability that a reader would choose the candidate with `features`."""
    z = RANKER["bias"] + sum(RANKER.get(name, 0.0) * value for name, value in features.items())
    return 1.0 / (1.0 + math.exp(-z))


class KeywordExtractor:
    """Korean and English keyword extraction over one Kiwi instance (expensive: one per process)."""

    def __init__(
        self,
        taxonomy: Taxonomy | None = None,
        *,
        multiword_dictionary: bool = False,
        choices: ReaderChoices | None = None,
        frequencies: DocumentFrequencies | None = None,
    ) -> None:
        from kiwipiepy import Kiwi

        self.taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
        self.choices = choices if choices is not None else load_choices()
        self.frequencies = frequencies if frequencies is not None else load_frequencies()
        self._kiwi: Any = Kiwi(
            num_workers=1, load_typo_dict=False, load_multi_dict=multiword_dictionary
        )
        self._kiwi.tokenize("")  # Kiwi loads its model lazily: pay the cost here, not per article
        self.taxonomy.find("")  # and the taxonomy compiles its alias patterns on first use
        # The last article's candidates: tagging asks for its terms (to fetch their document
        # frequencies) and then its keywords, and tokenizing it once is enough.
        self._last: tuple[tuple[str, str], dict[str, _Candidate]] | None = None
        # How Kiwi reads a Korean word on its own (`_read_alone`), by word.
        self._alone: dict[str, list[Any]] = {}
        self._themes = [
            (theme, alias_key(theme), tuple(alias_key(m) for m in members))
            for theme, members in self.taxonomy.themes
        ]

    def extract(
        self,
        title: str,
        text: str,
        *,
        document_frequency: Callable[[str], int] | Mapping[str, int] | None = None,
        documents: int = 0,
        limit: int = 10,
        choices: ReaderChoices | None = None,
    ) -> list[Keyword]:
        """Up to `limit` canonical keywords of an article, strongest first.

        `document_frequency` maps a term (as returned by `terms`) to the number of articles, out
        of `documents`, that contain it; without it the packaged reference frequencies
        (`frequencies`) stand in, and with `documents` 0 a prior IDF does. `choices` stands in
        for the packaged reader choices (a labelled article scored as if new).
        """
        ranked = sorted(
            (
                (_probability(features), candidate)
                for candidate, features in self._ranked_features(
                    title, text, document_frequency, documents, choices
                )
            ),
            key=lambda sc: (-sc[0], sc[1].first),
        )
        english = _in_english(title, text)
        written = f"{title}\n{text}".casefold()
        candidates = self._candidates(title, text)
        glosses = _glosses(f"{title}\n{text}")
        spelled: list[set[str]] = []  # how the article writes each chosen keyword
        chosen: list[Keyword] = []
        keys: list[str] = []  # the chosen keys, and the parts merged into one (ad_hoc)
        named: list[str] = []  # those that are not curated terms
        ad_hoc: list[int] = []  # where in `chosen` the English names that are not curated are
        for probability, candidate in ranked:
            if len(chosen) >= limit:
                break
            if len(chosen) >= MIN_KEYWORDS and probability < MIN_PROBABILITY:
                break
            curated = candidate.kind == "taxonomy" and not candidate.extends
            if not curated and any(
                candidate.key in k or k in candidate.key
                for k in (named if candidate.extends else keys)
            ):
                # "추천" beside "추천 시스템", "데이터 파이프라인" beside "데이터"; a product's name
                # stands beside its taxonomy term but not beside a longer or shorter form of itself
                # ("Next.js App" beside "Next.js App Router")
                continue
            name = (
                _english_name(candidate, self.taxonomy.english_name(candidate.name))
                if english
                else _korean_name(candidate)
            )
            if english and candidate.implied:
                name = _headline(self.taxonomy.english_name(name))  # never written here
            if not curated and name.isascii():
                # Two parts of one longer name ("Notification Service", "Service Extension")
                # are one keyword, in the place of the stronger.
                one = next(
                    ((i, n) for i in ad_hoc if (n := _one_name(chosen[i].name, name, written))),
                    None,
                )
                if one is not None:
                    i, merged = one
                    chosen[i] = Keyword(merged, chosen[i].score, merged)
                    # what it stands for stands beside it no more than what was chosen
                    absorbed = (alias_key(merged), candidate.key)
                    keys.extend(absorbed)
                    named.extend(absorbed)
                    continue
                # A part of a longer name never written alone is that name ("Aware Routing").
                whole = _whole_name(candidate, candidates.values(), written)
                if whole is not candidate:
                    if whole.key in keys:
                        continue
                    keys.append(candidate.key)
                    named.append(candidate.key)
                    candidate, name = whole, whole.name
            spellings = _spellings(candidate)
            twin = next((i for i, o in enumerate(spelled) if _glossed(spellings, o, glosses)), None)
            if twin is not None:
                # "툼스톤(tombstone)", "Transparent Huge Pages (THP)": one term, named twice. It
                # is shown once, in the article's own language where the two differ in it.
                if _is_korean(name) != _is_korean(chosen[twin].name) and (
                    _is_korean(name) != english
                ):
                    chosen[twin] = Keyword(name, chosen[twin].score, candidate.name)
                    spelled[twin] |= spellings
                keys.append(candidate.key)
                continue
            if not curated and name.isascii():
                ad_hoc.append(len(chosen))
            chosen.append(Keyword(name, round(probability, 4), candidate.name))
            spelled.append(spellings)
            keys.append(candidate.key)
            if not curated:
                named.append(candidate.key)
        return chosen

    def candidate_features(
        self,
        title: str,
        text: str,
        *,
        document_frequency: Callable[[str], int] | Mapping[str, int] | None = None,
        documents: int = 0,
        choices: ReaderChoices | None = None,
    ) -> list[tuple[str, dict[str, float]]]:
        """The rankable candidates of an article (by term key) with the features RANKER weighs:
        what bench/keywords_fit.py fits the ranker on."""
        return [
            (c.key, f)
            for c, f in self._ranked_features(title, text, document_frequency, documents, choices)
        ]

    def _ranked_features(
        self,
        title: str,
        text: str,
        document_frequency: Callable[[str], int] | Mapping[str, int] | None,
        documents: int,
        choices: ReaderChoices | None,
    ) -> list[tuple[_Candidate, dict[str, float]]]:
        choices = choices if choices is not None else self.choices
        candidates = self._candidates(title, text)
        if document_frequency is None:
            document_frequency = self.frequencies.counts
            documents = self.frequencies.documents
        if isinstance(document_frequency, Mapping):
            mapping = document_frequency
            document_frequency = lambda key: mapping.get(key, 0)  # noqa: E731
        present = [c.key for c in candidates.values() if c.rankable and c.kind == "taxonomy"]
        yields = {b for k in present for b in self.taxonomy.broader.get(k, ())}
        # a term inside a longer one with evidence of its own ("Redis" in "Redis Cluster")
        evident = [c.key for c in candidates.values() if c.title or c.body >= MIN_EVIDENCE]
        return [
            (
                c,
                _features(
                    c,
                    self._evidence(c, document_frequency, documents)
                    * (BROADER_WEIGHT if c.key in yields else 1.0),
                    inside=any(c.key in k and c.key != k for k in evident),
                    chosen=choices.logit(c.key, self.taxonomy.spellings(c.key)),
                ),
            )
            for c in candidates.values()
            if c.rankable
        ]

    def terms(self, title: str, text: str) -> set[str]:
        """The candidate terms of an article: what document frequencies are counted over."""
        return set(self._candidates(title, text))

    def weighted_terms(self, title: str, text: str) -> list[Term]:
        """The candidate terms of an article, those whose document frequency matters most first.

        Rankable terms first, then by frequency and first occurrence: a caller that can count
        only some terms per article counts a prefix.
        """
        candidates = sorted(
            self._candidates(title, text).values(),
            key=lambda c: (not c.rankable, -c.frequency, c.first),
        )
        return [Term(c.key, c.frequency, c.rankable) for c in candidates]

    def _evidence(
        self, candidate: _Candidate, df: Callable[[str], int] | None, documents: int
    ) -> float:
        """How much the article says about a candidate: its weighted frequency, IDF and kind."""
        idf = PRIOR_IDF
        if df is not None and documents > 0:
            seen = min(max(df(candidate.key), 0), documents)
            corpus_idf = math.log((documents + 1) / (seen + 1)) + 1
            idf = (documents * corpus_idf + PRIOR_DOCUMENTS * PRIOR_IDF) / (
                documents + PRIOR_DOCUMENTS
            )
        return math.sqrt(candidate.frequency) * idf * KIND_WEIGHT[candidate.kind]

    def _candidates(self, title: str, text: str) -> dict[str, _Candidate]:
        last = self._last
        if last is not None and last[0] == (title, text):
            return last[1]
        candidates = self._count_candidates(title, text)
        self._last = ((title, text), candidates)
        return candidates

    def _count_candidates(self, title: str, text: str) -> dict[str, _Candidate]:
        candidates: dict[str, _Candidate] = {}
        position = 0
        unknown = self._unknown_nouns(f"{title}\n\n{text}")
        for in_title, part in ((True, title), (False, text)):
            for paragraph in _paragraphs(part):
                marks: dict[int, str] = {}
                phrases = list(self._phrases(paragraph, marks, unknown))
                for phrase in phrases:
                    key = alias_key(phrase.canonical or phrase.text)
                    candidate = candidates.get(key)
                    if candidate is None:
                        # A product name built on a curated term is as curated as it.
                        kind = "taxonomy" if phrase.canonical or phrase.extends else "specific"
                        kind = kind if phrase.specific else "general"
                        candidate = candidates[key] = _Candidate(
                            key,
                            kind,
                            first=position,
                            extends=phrase.extends,
                            passing=phrase.canonical in self.taxonomy.general,
                        )
                    candidate.surfaces[phrase.canonical or _normalise(phrase.text)] += 1
                    if phrase.canonical:
                        candidate.written[_normalise(phrase.text)] += 1
                    if in_title:
                        candidate.title += 1
                    else:
                        candidate.body += 1
                        listed = LIST_WEIGHT if _listed(paragraph, phrase) else 1.0
                        candidate.weighted += listed * _role_weight(paragraph, phrase, marks)
                    position += 1
        if _headline_cased(title):
            # A headline capitalizes every word ("What We Got Right"): an English name found
            # only there is a name only if the body writes it as one too.
            for key, c in list(candidates.items()):
                if not c.body and (c.kind != "taxonomy" or c.extends) and c.name.isascii():
                    del candidates[key]
        self._add_themes(candidates)
        return candidates

    def _add_themes(self, candidates: dict[str, _Candidate]) -> None:
        """Mark each theme with how many of its members the article names, and make a theme it
        never names a candidate when it names members: its evidence a share of theirs."""
        for theme, key, member_keys in self._themes:
            present = [c for m in member_keys if (c := candidates.get(m)) is not None]
            if not present:
                continue
            candidate = candidates.get(key)
            if candidate is None and all(_names_inside(theme, c.name) for c in present):
                continue  # "Spring" in "Spring Boot": the article shows the theme's name already
            if candidate is None:
                candidate = candidates[key] = _Candidate(
                    key,
                    "taxonomy",
                    first=min(c.first for c in present),
                    passing=theme in self.taxonomy.general,
                    implied=True,
                )
                candidate.surfaces[theme] += 1
                candidate.weighted = IMPLIED_WEIGHT * sum(c.frequency for c in present)
            candidate.members = len(present)

    def _phrases(
        self, sentence: str, marks: dict[int, str], unknown: Mapping[str, str]
    ) -> Iterator[_Unit]:
        """Taxonomy matches, then nouns and noun compounds of one paragraph.

        `marks` receives what follows some units, by position: "copula" (이다), "noun".
        `unknown`: the article's nouns Kiwi's dictionary lacks, with their tags (_unknown_nouns).
        """
        for run in self._noun_runs(sentence, marks, unknown):
            for i, unit in enumerate(run):
                if unit.canonical is not None:
                    yield unit
                    yield from _named_on(sentence, run, i)
            # n-grams of other nouns never span a taxonomy match (names built on one are above)
            # nor a word of when ("화요일 슬로 쿼리" holds 슬로 쿼리, not "화요일 슬로")
            pieces: list[list[_Unit]] = [[]]
            for unit in run:
                if unit.canonical is not None or unit.text in TIME_NOUNS:
                    pieces.append([])
                else:
                    pieces[-1].append(unit)
            for piece in pieces:
                for size in range(1, MAX_NGRAM + 1):
                    for i in range(len(piece) - size + 1):
                        gram = piece[i : i + size]
                        phrase = sentence[gram[0].start : gram[-1].end]
                        if size == 1 and (gram[0].plain or not _keeps_alone(phrase)):
                            continue
                        if size > 1 and _no_end(phrase, gram[-1]):
                            continue  # "코드 사이", "1만 원 이상": where, not what; "SLO 도입기"
                        # English without part-of-speech tags: a phrase of lower-case words
                        # ("tail-based sampling") is a term only if the article repeats it
                        specific = (size > 1 or gram[0].specific) and not any(u.plain for u in gram)
                        yield _Unit(phrase, gram[0].start, gram[-1].end, None, specific)

    def _starts_longer_word(self, sentence: str, start: int, end: int) -> bool:
        """Whether a Hangul match at start..end is only the start of a longer noun Kiwi knows."""
        found = _word_after(sentence, start, end)
        if found is None:
            return False
        word, length = found
        first = self._read_alone(word)[0]
        # an unknown word (oov) is a guess, not a longer noun Kiwi knows: "부트의" read whole
        return first.tag in _NOUN_TAGS and not first.oov and first.start == 0 and first.len > length

    def _bare_noun(self, form: str) -> str:
        """form less a particle Kiwi left on it in context ("서버의" read as one noun before an
        unknown word): the word read alone says whether its last syllable is a particle."""
        if len(form) < 3 or form[-1] not in _PARTICLE_ENDS or not is_hangul(form[0]):
            return form
        tokens = self._read_alone(form)
        split = (
            len(tokens) >= 2
            and tokens[-1].tag.startswith("J")
            and all(t.tag in _NOUN_TAGS for t in tokens[:-1])
        )
        return form[: tokens[-1].start] if split else form

    def _read_alone(self, word: str) -> list[Any]:
        """Kiwi's tokens of one Korean word read on its own, out of context (remembered: the
        same words recur across articles)."""
        tokens = self._alone.get(word)
        if tokens is None:
            if len(self._alone) >= _MAX_REMEMBERED_WORDS:
                self._alone.clear()
            tokens = self._alone[word] = self._kiwi.tokenize(word)
        return tokens

    def _unknown_nouns(self, text: str) -> dict[str, str]:
        """Korean nouns of an article that Kiwi's dictionary lacks but the article repeats (a
        loanword: 백필, 샤딩, 오탐, 커버리지), with their tags. Sentence by sentence Kiwi cuts
        such a word into pieces (백 + 필, a number and a counter); read over the whole article
        with the frequencies of its own strings (oov_handling="chr_freq") it finds the noun."""
        found: dict[str, str] = {}
        if not _is_korean(text):
            return found  # English: Kiwi reads no nouns in it
        tokens = self._kiwi.tokenize(text, oov_handling="chr_freq")
        nouns = {t.form for t in tokens if t.tag in _NOUN_TAGS}
        for token in tokens:
            form = token.form
            if token.tag not in _NOUN_TAGS or len(form) < 2 or form in found:
                continue
            if not all(is_hangul(c) for c in form):
                continue
            alone = self._read_alone(form)
            if len(alone) < 2 or all(t.tag in _NOUN_TAGS for t in alone):
                continue  # a word Kiwi knows, or nouns it already finds (비밀 + 번호)
            if _inflected(alone, nouns):
                continue  # a word with its particle or ending ("컨슈머가", "인코딩하")
            found[form] = token.tag
        return found

    def _noun_runs(
        self, sentence: str, marks: dict[int, str], unknown: Mapping[str, str]
    ) -> Iterator[list[_Unit]]:
        """Maximal runs of adjacent noun units (joined or one space apart)."""
        names = {(start, end): name for start, end, name in self.taxonomy.find(sentence)}
        words = list(_LATIN_WORD.finditer(sentence))
        for m in words:
            if _names_its_own(m[0], [(s - m.start(), e - m.start()) for s, e in names]):
                # "spark-operator", "hls.js", "catalog-info.yaml": the word, not Spark or YAML
                names = {(s, e): n for (s, e), n in names.items() if e <= m.start() or s >= m.end()}
        # "인증" in 인증서, "로그" in 로그인: a match that only starts a longer word is no match
        names = {
            (s, e): n for (s, e), n in names.items() if not self._starts_longer_word(sentence, s, e)
        }
        glued_ends = {end for _, end in names if is_hangul(sentence[end - 1])}
        taken = [range(start, end) for start, end in names]
        # Kiwi mangles English ("st", "ore."): Latin words go in whole, like taxonomy matches.
        latin = {
            (m.start(), m.end()): _SENTENCE_START.search(sentence[: m.start()]) is not None
            for m in words
            # Kiwi refuses overlapping spans: a word holding a match inside it is the match's.
            if not any(m.start() < r.stop and r.start < m.end() for r in taken)
        }
        pretokenized = [(start, end, "NNP") for start, end in names]
        pretokenized += [(start, end, "SL") for start, end in latin]
        # What such a word holds besides the match ("Kafka-based") is no word of its own.
        pretokenized += [
            (start, end, "SW")
            for m in words
            if (m.start(), m.end()) not in latin
            for start, end in _remainders(m.start(), m.end(), taken)
        ]
        # A word Kiwi does not know, read as the noun the whole article shows it to be (the
        # longer of two that overlap).
        spans = list(taken)
        for word, tag in sorted(unknown.items(), key=lambda wt: -len(wt[0])):
            for start in _word_starts(sentence, word):
                span = range(start, start + len(word))
                if not any(span.start < r.stop and r.start < span.stop for r in spans):
                    spans.append(span)
                    pretokenized.append((span.start, span.stop, tag))
        korean = _is_korean(sentence)
        run: list[_Unit] = []
        tokens = self._kiwi.tokenize(sentence, pretokenized=pretokenized)
        for index, token in enumerate(tokens):
            start, end = token.start, token.start + token.len
            if token.tag == "VCP":
                marks[start] = "copula"
            elif token.tag in _NOUN_TAGS and start in glued_ends:
                marks[start] = "noun"
            elif token.tag in ("JKO", "JKB") and _works_on(tokens, index + 1):
                marks[start] = "work"
            unit: _Unit | None = None
            if (start, end) in names:
                unit = _Unit(sentence[start:end], start, end, names[start, end], True)
            elif token.tag in _NOUN_TAGS:
                form = self._bare_noun(token.form)
                end = start + len(form)
                unit = _Unit(form, start, end, None, token.tag == "NNP")
            elif (start, end) in latin and _english_term(token.form, korean, latin[start, end]):
                unit = _Unit(token.form, start, end, None, True)
            elif (
                (start, end) in latin
                and not korean
                and _plain_english(token.form, latin[start, end])
            ):
                unit = _Unit(token.form, start, end, None, plain=True)
            elif token.tag == "XSN" and run and run[-1].end == start and token.form in _SUFFIXES:
                last = run.pop()
                unit = _Unit(sentence[last.start : end], last.start, end, None, last.specific)
            if unit is None:
                if run:
                    yield run
                run = []
                continue
            if run and sentence[run[-1].end : unit.start] not in ("", " "):
                yield run
                run = []
            run.append(unit)
        if run:
            yield run


# A parenthesis and the words before it: "툼스톤(tombstone)", "Transparent Huge Pages (THP)".
_GLOSS = re.compile(r"([^\s()][^()\n]{0,59}?)\s?\(([^()\n]{1,60})\)")


def _words_at(words: list[str], inner: list[str]) -> int | None:
    """Where the run of words `inner` starts in `words`, if it is there."""
    return next(
        (i for i in range(len(words) - len(inner) + 1) if words[i : i + len(inner)] == inner), None
    )


def _names_inside(theme: str, name: str) -> bool:
    """Whether a theme's name is written inside a member's name, as whole words ("Spring" in
    "Spring Boot", "Kafka" in "Kafka Connect")."""
    return _words_at(name.casefold().split(), theme.casefold().split()) is not None


def _glosses(text: str) -> list[tuple[str, str]]:
    """Each parenthesis of the text, casefolded: (what comes before it, what it holds)."""
    return [(m[1].casefold(), m[2].strip().casefold()) for m in _GLOSS.finditer(text)]


def _spellings(candidate: _Candidate) -> set[str]:
    """How the article writes a candidate (casefolded)."""
    return {s.casefold() for s in (*candidate.surfaces, *candidate.written)}


def _glossed(first: set[str], second: set[str], glosses: list[tuple[str, str]]) -> bool:
    """Whether the article glosses one term with the other in parentheses: a Korean term with
    its English name, or a name with its acronym ("Transparent Huge Pages (THP)")."""
    for before, inside in glosses:
        for glossed, gloss in ((first, second), (second, first)):
            if inside not in gloss or any(before.endswith(own) for own in gloss):
                continue  # not this one's gloss, or the other's of itself ("이상거래탐지(FDS)")
            for name in glossed:
                if before.endswith(name) and _one_term(name, inside):
                    return True
    return False


def _is_korean(text: str) -> bool:
    """Whether text has any Hangul."""
    return _HANGUL_CHAR.search(text) is not None


def _one_term(name: str, gloss: str) -> bool:
    """Whether a parenthesis after a name can only restate it: in the other script (툼스톤,
    tombstone), or as the initials of its words (transparent huge pages, thp)."""
    if _is_korean(name) != _is_korean(gloss):
        return True
    short, long = sorted((name, gloss), key=len)
    initials = "".join(w[0] for w in _SEPARATOR.split(long) if w)
    return 2 <= len(short) <= 6 and short.isalpha() and short == initials


def _inflected(alone: list[Any], nouns: set[str]) -> bool:
    """Whether Kiwi's reading of a word on its own (`alone`) is a word with a particle or an
    ending that the whole-article reading glued into one noun: a noun and its particle
    ("컨슈머가"), a verb made of a noun ("인코딩하", "빌드된"), a verb in the middle of a sentence
    ("고르고"), or a noun the article has (`nouns`) and its copula ("플러그인인", "코어라")."""
    tags = [t.tag for t in alone]
    if tags[-1].startswith("J") or any(t in ("XSV", "XSA") for t in tags):
        return True
    if tags[0].startswith(("VV", "VA", "VX")) and tags[-1] == "EC":
        return True
    lead = 0
    while lead < len(alone) and alone[lead].tag in _NOUN_TAGS:
        lead += 1
    stem = "".join(t.form for t in alone[:lead])
    return lead > 0 and stem in nouns and not any(t.tag in _NOUN_TAGS for t in alone[lead:])


def _word_after(sentence: str, start: int, end: int) -> tuple[str, int] | None:
    """The Korean word that a Hangul match at start..end runs into (the match's last word and
    what follows it unspaced), with the match's length in it; None if nothing follows."""
    if not (is_hangul(sentence[end - 1]) and end < len(sentence) and is_hangul(sentence[end])):
        return None
    first = max(start, sentence.rfind(" ", start, end) + 1)
    last = end
    while last < len(sentence) and is_hangul(sentence[last]):
        last += 1
    return sentence[first:last], end - first


def _word_starts(sentence: str, word: str) -> Iterator[int]:
    """Where `word` begins a word of the sentence (not inside a longer Korean word)."""
    start = sentence.find(word)
    while start >= 0:
        if start == 0 or not is_hangul(sentence[start - 1]):
            yield start
        start = sentence.find(word, start + len(word))


def _names_its_own(word: str, matches: list[tuple[int, int]]) -> bool:
    """Whether a Latin word joined by "." "-" "_" names a thing of its own rather than the
    taxonomy match inside it (offsets in the word): "spark-operator", "hls.js", but not
    "Kafka-based" or "MySQL/Aurora"."""
    inside = sorted((s, e) for s, e in matches if s >= 0 and e <= len(word) and e - s < len(word))
    if not inside or "/" in word:
        return False
    pieces, position = [], 0
    for start, end in inside:
        pieces.append(word[position:start])
        position = end
    pieces.append(word[position:])
    rest = [p for p in re.split(r"[._\s-]", " ".join(pieces)) if p]
    return bool(rest) and not all(p.casefold() in _JOINED_MODIFIERS for p in rest)


def _remainders(start: int, end: int, taken: list[range]) -> Iterator[tuple[int, int]]:
    """The pieces of start..end outside the `taken` ranges."""
    position = start
    for r in sorted((t for t in taken if t.start < end and start < t.stop), key=lambda t: t.start):
        if r.start > position:
            yield position, r.start
        position = max(position, r.stop)
    if position < end:
        yield position, end


def _named_on(sentence: str, run: list[_Unit], i: int) -> Iterator[_Unit]:
    """Longer names built on the taxonomy term run[i] with the nouns beside it: a product's
    ("Redis Cluster", "Aurora MySQL") or a narrower topic ("GC 튜닝", "로컬 캐시", "CDN 캐시").
    Each is a candidate beside the term.

    A window is named from its first taxonomy term, so two terms side by side make one name.
    """
    for start in range(i, max(i - MAX_NGRAM, -1), -1):
        if start < i and (run[start].canonical is not None or run[start].plain):
            break
        for stop in range(max(i + 1, start + 2), min(start + MAX_NGRAM, len(run)) + 1):
            gram = run[start:stop]
            first, last = gram[0].start, gram[-1].end
            if gram[-1].plain or _no_end(sentence[first:last], gram[-1]):
                break
            yield _Unit(sentence[first:last], first, last, None, True, True)


def _no_end(phrase: str, last: _Unit) -> bool:
    """Whether a compound cannot end with its last noun: one relating what comes before it
    ("코드 사이") or naming the kind of post ("SLO 도입기", where Kiwi may read 도입 + 기)."""
    return last.text in _RELATIONAL or phrase.split()[-1] in STORY_NOUNS


def _paragraphs(text: str) -> Iterator[str]:
    for line in text.splitlines():
        if line.strip():
            yield line


def _listed(paragraph: str, unit: _Unit) -> bool:
    """Whether `unit` is an item of a comma-separated list in `paragraph`."""
    return bool(
        _LIST_AFTER.match(paragraph, unit.end) or _LIST_BEFORE.search(paragraph[: unit.start])
    )


def _role_weight(paragraph: str, unit: _Unit, marks: dict[int, str]) -> float:
    """How much one body occurrence counts, from its sentence and what follows it."""
    weight = 1.0
    if _BACKGROUND.search(_sentence_at(paragraph, unit.start)):
        weight *= BACKGROUND_WEIGHT
    follower = marks.get(unit.end)
    if follower == "copula":
        weight *= PREDICATE_WEIGHT
    elif follower == "noun" and unit.canonical is not None:
        weight *= GLUED_WEIGHT
    elif follower == "work":
        weight *= WORK_WEIGHT
    return weight


def _works_on(tokens: Any, index: int) -> bool:
    """Whether the tokens from index are a verb of the work an article reports (도입하다,
    전환하다, 만들다): what it takes as object or destination is what the work was on."""
    if index >= len(tokens):
        return False
    token = tokens[index]
    if token.tag == "VV":
        return token.form in _WORK_VERBS
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    return (
        token.tag == "NNG"
        and token.form in _WORK_NOUNS
        and following is not None
        and following.tag == "XSV"
    )


def _sentence_at(paragraph: str, position: int) -> str:
    """The sentence of `paragraph` (split as `split_sentences` does, roughly) around `position`."""
    start = 0
    for match in SENTENCE_END.finditer(paragraph):
        if match.end() > position:
            return paragraph[start : match.end()]
        start = match.end()
    return paragraph[start:]


def _in_english(title: str, text: str) -> bool:
    """Whether an article is written in English: next to no Hangul among its letters."""
    hangul = len(_HANGUL_CHAR.findall(title)) + len(_HANGUL_CHAR.findall(text))
    latin = len(_ASCII_LETTER.findall(title)) + len(_ASCII_LETTER.findall(text))
    return latin > 0 and hangul < ENGLISH_HANGUL_SHARE * (hangul + latin)


def _korean_name(candidate: _Candidate) -> str:
    """A curated term's name for a Korean article: the spelling in the other script that the
    article uses most, where it writes the term in that script more often than in the canonical
    name's ("Bloom filter" for 블룸 필터, 쿠버네티스 for Kubernetes), else its canonical name; the
    same topic, as its readers name it. A shorter or broader spelling in the same script (결제
    for 결제 시스템, Spark for Apache Spark) does not rename it, nor does a longer name built on
    a term ("Redis Cluster")."""
    name = candidate.name
    if candidate.extends:
        return name
    other = Counter[str]()
    own = 0
    for spelling, count in candidate.written.items():
        if _is_korean(spelling) == _is_korean(name):
            own += count
        else:
            other[spelling] += count
    spelling, count = other.most_common(1)[0] if other else (name, 0)
    return spelling if count > own else name


def _english_name(candidate: _Candidate, listed: str) -> str:
    """A curated term's name for an English article: the English spelling the article uses most,
    or the fuller one that ends in it ("design tokens" for 디자인 토큰, "distributed tracing"
    for 분산 추적 beside "tracing"), in the number it writes it in more often (the singular when
    as often: "Circuit Breaker" beside "Circuit Breakers"), or the term's `listed` English name
    where that only extends the last word ("A/B testing" where the article writes "A/B test"),
    headline-capitalized when written in lower case; the same topic, as its readers name it. A
    term named in English, or never in English here, keeps its canonical name."""
    name = candidate.name
    english = [s for s in candidate.written if s.isascii()]
    if not english or not _is_korean(name):
        return name
    written = Counter[str]()
    plurals: dict[str, Counter[str]] = {}
    for spelling in english:
        # "Circuit Breakers" counts for "circuit breaker" where the article writes that too.
        singular = spelling[:-1].casefold() if spelling.endswith("s") else None
        same = next((s for s in english if s.casefold() == singular), spelling)
        written[same] += candidate.written[spelling]
        if same != spelling:
            plurals.setdefault(same, Counter())[spelling] += candidate.written[spelling]
    spellings = [s for s, _ in written.most_common()]
    spelling = spellings[0]
    # The plural where the article writes it more often than the singular ("Webhooks").
    if (plural := plurals.get(spelling)) and 2 * plural.total() > written[spelling]:
        spelling = plural.most_common(1)[0][0]
    # The activity the taxonomy names where the article writes the act ("A/B test" of A/B testing).
    rest = listed.casefold().removeprefix(spelling.casefold())
    if rest != listed.casefold() and rest.isalpha() and rest not in ("s", "es"):  # not a plural
        spelling = listed
    # Its full name where the article also writes one ("distributed tracing", then "tracing").
    spelling = next(
        (s for s in spellings if s.casefold().endswith(" " + spelling.casefold())), spelling
    )
    return _headline(spelling)


def _one_name(first: str, second: str, written: str) -> str | None:
    """The one name that two English names stand for, when the article (`written`, casefolded)
    writes a longer name they are both parts of: the part it also writes on its own at least as
    often as inside the whole, else the whole; None when both parts are names of their own, or
    they are not parts of one name written here."""
    joined = next((w for w in _wholes(first, second) if _occurrences(w, written)), None)
    if joined is None:
        return None
    inside = _occurrences(joined, written)
    alone = [name for name in (first, second) if _occurrences(name, written) >= 2 * inside]
    if len(alone) == 2:
        return None
    return alone[0] if alone else joined


def _whole_name(part: _Candidate, candidates: Iterable[_Candidate], written: str) -> _Candidate:
    """The longest English name among an article's candidates that holds every mention of
    `part` in `written` (casefolded): a part never written alone ("Aware Routing" of "Topology
    Aware Routing", "Rotation" of "Refresh Token Rotation", built on a term) stands for the
    whole; else part itself."""
    name = part.name
    if _CODE_NAME.fullmatch(name):
        return part  # "concurrencyPolicy" is whole: "Allow" after it is its value
    count = _occurrences(name, written)
    words = [w.casefold() for w in name.split()]
    # A name written with capitals grows only by capitalized words ("Glacier Instant" by
    # "Retrieval", not "SharedPreferences" by "apply").
    capitalized = not name.islower()
    best = part
    for candidate in candidates:
        whole = candidate.name.split()
        if (
            (candidate.kind != "specific" and not candidate.extends)
            or not candidate.name.isascii()
            or len(whole) <= len(best.name.split())
        ):
            continue
        folded = [w.casefold() for w in whole]
        at = _words_at(folded, words)
        if at is None:
            continue
        added = whole[:at] + whole[at + len(words) :]
        if capitalized and not all(w[0].isupper() for w in added):
            continue
        if _occurrences(candidate.name, written) == count:
            best = candidate
    return best


def _occurrences(name: str, written: str) -> int:
    """How often an English name is written in `written` (casefolded) as words of their own,
    spaced or hyphenated as it may be: "listen" is not in "listener"."""
    words = GAP.join(re.escape(w) for w in _SEPARATOR.split(name.casefold()) if w)
    return len(re.findall(rf"(?<![0-9a-z]){words}(?![0-9a-z])", written))


def _wholes(first: str, second: str) -> Iterator[str]:
    """The longer names two names can be parts of: one ending with words the other starts with
    ("Refresh Token" and "Token Rotation": "Refresh Token Rotation"), or one after the other
    ("Web" and "Worker": "Web Worker")."""
    for head, tail in ((first, second), (second, first)):
        words, following = head.split(), tail.split()
        for n in range(min(len(words), len(following)) - 1, 0, -1):
            if [w.casefold() for w in words[-n:]] == [w.casefold() for w in following[:n]]:
                yield " ".join(words + following[n:])
    yield f"{first} {second}"
    yield f"{second} {first}"


def _headline(spelling: str) -> str:
    """An English spelling as a keyword: headline-capitalized when written in lower case."""
    return (
        " ".join(w[:1].upper() + w[1:] for w in spelling.split())
        if spelling.islower()
        else spelling
    )


def _normalise(phrase: str) -> str:
    """Display form of an ad-hoc phrase: single spaces; all-lowercase English stays lowercase."""
    return " ".join(phrase.split())


def _keeps_alone(word: str) -> bool:
    """A single noun is a keyword only if it is not a stop word and has some substance."""
    if is_stop_word(word):
        return False
    if is_hangul(word[0]):
        return len(word) >= 2
    return len(word) >= 2 and not word.isdigit()


def _headline_cased(line: str) -> bool:
    """Whether an English line capitalizes its words as a headline does ("What We Got Right
    and Wrong"): at least three words besides the short ones, nearly all capitalized."""
    words = [w for w in _PLAIN_WORD.findall(line) if w.casefold() not in _HEADLINE_LOWER]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= _HEADLINE_SHARE * len(words)


def _plain_english(form: str, sentence_start: bool) -> bool:
    """A lower-case English word (capitalized only to start a sentence) that may be part of a
    term's name in English prose: a content word (not a stop word, not an adverb), letters and
    hyphens only."""
    if sentence_start and form[1:].islower():
        form = form.lower()
    return (
        len(form) >= 3
        and _LOWER_WORD.fullmatch(form) is not None
        and form not in STOP_WORDS_EN
        and not form.endswith("ly")
    )


def _english_term(form: str, korean: bool, sentence_start: bool) -> bool:
    """A foreign word that may name a topic.

    In Korean prose an English word is nearly always a name or a term. In English prose, with no
    part-of-speech tags, only names are taken: capitalised inside a sentence, or with capitals
    or digits past the first letter (MySQL, gRPC, S3); common words are left to the taxonomy.
    """
    if len(form) < 2 or form.casefold() in STOP_WORDS_EN:
        return False
    if korean or any(c.isupper() or c.isdigit() for c in form[1:]):
        return True
    return form[0].isupper() and not sentence_start
