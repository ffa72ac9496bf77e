"""Text -> canonical keywords and extractive summaries; the only module that imports kiwipiepy.

Keywords: taxonomy aliases are found first (case-insensitive, spacing-tolerant, on word
boundaries) and handed to Kiwi as pre-tokenized spans, so "TensorFlow.js" and "A/B 테스트" stay
whole and "Kafka를" becomes Kafka; Kiwi's nouns and noun compounds are the other candidates, and
so is a longer name built on a taxonomy term and the nouns beside it ("Redis Cluster", "GC 튜닝",
"로컬 캐시" beside Redis, GC, 캐시); in English prose (which Kiwi does not tag) names, and phrases
of lower-case words the article repeats ("hedged requests"). A curated theme the article never
names is one when it names the theme's members (taxonomy.yaml `themes`: Karpenter and HPA make
오토스케일링 a candidate), its evidence a share of theirs.
A candidate's evidence is √TF × IDF × a weight for its kind (taxonomy terms preferred); a
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
A keyword's `topic` is its keyword page (a term's canonical name); its `name` is the same except
in an English article, where a term named in Korean takes the English spelling the article
uses ("Rate Limiting" for 레이트 리미팅): its readers name it so.

Summaries need no tokenizer (a regex sentence splitter), so importing this module is cheap and
kiwipiepy is loaded only when a `KeywordExtractor` is built.
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

import yaml

DEFAULT_TAXONOMY = Path(__file__).with_name("taxonomy.yaml")
DEFAULT_CHOICES = Path(__file__).with_name("choices.json")

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

_HANGUL = "가-힣"
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9]")
_HANGUL_CHAR = re.compile(f"[{_HANGUL}]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_LOWER_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
_SEPARATOR = re.compile(r"[\s\-]+")
# An identifier from code: camelCase or snake_case ("concurrencyPolicy", "max_connections").
_CODE_NAME = re.compile(r"[a-z]+[A-Z][A-Za-z0-9]*|\w+_\w+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Never a topic on their own: the usual function nouns, the generic words of Korean tech
# writing, and the action nouns (자동, 실행, 호출 …) most frequent across the dev half of the
# labelled set yet never labelled. They still join compounds ("개발 환경").
STOP_WORDS_KO = _words(
    """
    것 수 등 때 경우 사용 방법 이번 우리 글 내용 이야기 소개 정리 생각 문제 부분 작업 개발 서비스
    과정 결과 이유 방식 기능 필요 정도 시간 가지 하나 이후 이전 다음 처음 마지막 지금 현재 기존
    적용 도입 진행 변경 구성 관리 처리 확인 제공 지원 발생 해결 개선 활용 기반 구조 대상 단계 상황
    의미 목적 목표 기준 수준 자체 전체 일부 대부분 각각 여러 모든 다른 같은 위 아래 앞 뒤 안 밖 중
    사람 팀 회사 조직 저희 개발자 사용자 담당자 분 여기 거기 이것 그것 무엇 누구 하루 매일 매번 번
    년 월 일 주 달 분기 오늘 최근 요즘 당시 순간 정말 가장 계속 바로 함께 직접 먼저 특히 실제 실제로
    점 면 측면 관점 차이 비교 효과 영향 역할 의견 질문 답 답변 설명 예 예시 예를 참고 고민 시작 끝
    경험 배운 교훈 소감 계획 준비 요구 사항 요구사항 조건 상태 값 데이터 정보 환경 시스템 플랫폼 도구
    기술 코드 로직 구현 설계 운영 배포 테스트 성능 품질 비용 속도 규모 수치 지표 증가 감소 절반 배
    이상 이하 미만 초과 내 외 간 별 당 말 글쓴이 필자 안녕 감사 소개드 공유
    자동 실행 작성 추가 결정 사내 설정 정의 호출 조금 동작 신규 대비 중간 저장 평균 대기 덕분 동안
    선택 중요 핵심 유지 단위 대신 고유 등록 과제 실수 비율 지정 판단 측정 제안 원칙 방향 기록 생성
    안내 변환 요청 응답 사이
    """
)

STOP_WORDS_EN = _words(
    """
    a an the and or but if then else when while for to of in on at by with from into onto over under
    about above below after before between through during without within across per via as than so
    is are was were be been being am do does did done have has had having can could will would shall
    should may might must need needs needed this that these those it its they them their there here
    we our ours us you your i me my he she his her who whom which what where why how all any both each
    few more most other some such no nor not only own same too very just also still even ever again
    once one two three first second third new old many much every another up down out off further
    use used using uses make makes made get gets got set sets run runs ran take took see seen let lets
    like well way ways thing things lot lots time times part parts case cases kind number numbers
    etc e.g i.e vs via eg ie ok yes yeah because since until though although however therefore thus
    instead rather already always often sometimes usually never now today last next our team teams
    post blog article write wrote written read reads show shows shown said says say tell told
    better best good great large small big high low long short fast slow easy hard real main
    each whether able within via around whole half day days week weeks month months year years
    percent ms s
    kb mb gb tb pb kib mib gib tib kb/s mb/s gb/s kbps mbps gbps px fps usd krw jpy eur
    """
)

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
# Nouns that relate what comes before them ("A와 B 사이", "3초 이상", "EKS 위"): never a compound's end.
_RELATIONAL = _words("사이 이상 이하 미만 초과 동안 대비 위 아래 기준")
# Nouns that say what kind of post the article is ("SLO 도입기", "Kafka 전환기"): never a
# compound's end either, since the topic is what comes before them. Not 후기 or 여정: "거래 후기"
# and "사용자 여정" are things a post can be about.
_STORY = _words(
    "도입기 적용기 구축기 개발기 전환기 개선기 구성기 운영기 도전기 삽질기 정복기 이야기 회고록"
)
# Last syllables of the particles Kiwi sometimes leaves on a noun it does not know (서버의).
_PARTICLE_ENDS = frozenset("의을를은는이가에와과로도")
# What an English word hyphenated to a term says of it ("Kafka-based", "cloud-native").
_JOINED_MODIFIERS = _words(
    "based backed driven like friendly compatible native only specific level side wide aware "
    "first powered enabled ready style related heavy free safe"
)
_PLAIN_WORD = re.compile(r"(?<![\w.])[A-Za-z][a-z'’]*(?![\w.])|(?<![\w.])[가-힣]+")
# Words a headline leaves in lower case ("Moving to Kafka from RabbitMQ").
_HEADLINE_LOWER = _words(
    "a an the and or but nor for of in on at to by with from as vs via into per"
)
_HEADLINE_SHARE = 0.8
_SUFFIXES = frozenset({"성", "화", "자", "력", "율", "률", "형", "량"})  # 확장성, 자동화
# The work an article reports: its object or destination is what the article is about.
_WORK_NOUNS = _words(
    "도입 구축 전환 개선 적용 개발 설계 구현 교체 이전 마이그레이션 최적화 자동화 표준화 분리 통합 "
    "재설계 개편 운영 선택 채택 검토 평가 측정 분석 튜닝"
)
_WORK_VERBS = _words("만들 바꾸 옮기 줄이 늘리 없애 고치 붙이 쓰 다루")


@dataclass(frozen=True)
class Term:
    """A candidate term of one article, for counting document frequencies."""

    key: str  # what `extract` looks document frequencies up by
    frequency: float  # occurrences: a title one counts TITLE_WEIGHT, a body one by its role
    rankable: bool  # whether `extract` can choose it (curated, in the title or twice in the body)


@dataclass(frozen=True)
class Keyword:
    """One keyword of an article: a taxonomy term or a normalised noun phrase."""

    name: str  # as the article's readers name it: an English article's spelling of a term
    score: float  # the ranker's probability that a reader would choose it
    topic: str  # the keyword page it belongs to: a term's canonical name, else `name`


class TaxonomyError(ValueError):
    """The taxonomy file is malformed; the message names the bad entry."""


@dataclass(frozen=True)
class TaxonomyTerm:
    """One curated topic: its canonical (display) name and the ways articles write it."""

    name: str
    aliases: tuple[str, ...] = ()
    match_case: tuple[str, ...] = ()
    general: bool = False  # mentioned in passing by many articles whatever they are about


@dataclass(frozen=True)
class Taxonomy:
    """The curated topics, with a matcher that finds their aliases in text."""

    terms: tuple[TaxonomyTerm, ...]
    # (theme, its members) by canonical name: what an article about the members is about
    themes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    _by_alias: dict[str, str] = field(init=False, repr=False, compare=False)
    _spellings: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    general: frozenset[str] = field(init=False, repr=False, compare=False)  # canonical names
    _english: dict[str, str] = field(init=False, repr=False, compare=False)
    broader: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)
    _loose: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _exact: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_alias: dict[str, str] = {}
        loose: list[str] = []
        exact: list[str] = []
        for term in self.terms:
            if not term.name.strip():
                raise TaxonomyError(f"taxonomy entry with aliases {list(term.aliases)}: empty name")
            spellings = [(a, a in term.match_case) for a in (term.name, *term.aliases)]
            spellings += [(a, True) for a in term.match_case if a != term.name]
            for alias, case_sensitive in spellings:
                key = alias_key(alias)
                if not key:
                    raise TaxonomyError(f"taxonomy entry {term.name!r}: empty alias")
                owner = by_alias.setdefault(key, term.name)
                if owner != term.name:
                    raise TaxonomyError(
                        f"taxonomy entry {term.name!r}: alias {alias!r} already belongs to {owner!r}"
                    )
                (exact if case_sensitive else loose).append(alias)
        # Case-insensitive by lowering ASCII in the text, not by re.IGNORECASE, which makes the
        # character classes of thousands of aliases slow to compile.
        object.__setattr__(self, "_by_alias", by_alias)
        spellings_of: dict[str, list[str]] = {}
        for key, name in by_alias.items():
            spellings_of.setdefault(alias_key(name), []).append(key)
        object.__setattr__(self, "_spellings", {k: tuple(v) for k, v in spellings_of.items()})
        object.__setattr__(self, "general", frozenset(t.name for t in self.terms if t.general))
        object.__setattr__(self, "broader", _broader(self.terms, by_alias))
        english = {
            t.name: next((a for a in (t.name, *t.aliases) if a.isascii()), t.name)
            for t in self.terms
        }
        object.__setattr__(self, "_english", english)
        object.__setattr__(self, "_loose", re.compile(_trie_pattern(loose, plural=True)))
        object.__setattr__(self, "_exact", re.compile(_trie_pattern(exact, plural=False)))

    def canonical(self, phrase: str) -> str | None:
        """The canonical name `phrase` is an alias of, if any."""
        key = alias_key(phrase)
        name = self._by_alias.get(key)
        if name is None and key.endswith("s"):
            name = self._by_alias.get(key[:-1]) or self._by_alias.get(key[:-2])
        return name

    def english_name(self, name: str) -> str:
        """A term's first English spelling (its canonical name if it has none)."""
        return self._english.get(name, name)

    def spellings(self, key: str) -> tuple[str, ...]:
        """The keys of every spelling of the term whose canonical name has `key` (none if no
        term has it): a term renamed keeps what was recorded under its old name."""
        return self._spellings.get(key, ())

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Alias occurrences in `text` as (start, end, canonical name): leftmost, longest."""
        matches = [*self._loose.finditer(text.translate(_ASCII_LOWER)), *self._exact.finditer(text)]
        spans = sorted((m.start(), -m.end()) for m in matches if m.group())
        found: list[tuple[int, int, str]] = []
        for start, negative_end in spans:
            if found and start < found[-1][1]:
                continue
            name = self.canonical(text[start:-negative_end])
            if name is not None:
                found.append((start, -negative_end, name))
        return found


def _broader(
    terms: tuple[TaxonomyTerm, ...], by_alias: dict[str, str]
) -> dict[str, frozenset[str]]:
    """Narrower term key -> broader term keys: a name ending in another term's name as whole words."""
    found: dict[str, set[str]] = {}
    for term in terms:
        for spelling in (term.name, *term.aliases):
            words = spelling.split()
            for i in range(1, len(words)):
                owner = by_alias.get(alias_key(" ".join(words[i:])))
                if owner is not None and owner != term.name:
                    found.setdefault(alias_key(term.name), set()).add(alias_key(owner))
    return {k: frozenset(v) for k, v in found.items()}


def alias_key(phrase: str) -> str:
    """How aliases are compared: case, spaces and hyphens ignored."""
    return _SEPARATOR.sub("", phrase).casefold()


_GAP = r"[\s\-]*"


def _units(alias: str, *, fold: bool) -> tuple[str, ...]:
    """An alias as match units: its characters, with a gap wherever spacing may vary."""
    units: list[str] = []
    for char in alias.strip():
        if char.isspace() or char == "-":
            if units[-1] != _GAP:
                units.append(_GAP)
            continue
        if units and units[-1] != _GAP and _is_hangul(units[-1]) != _is_hangul(char):
            units.append(_GAP)  # "AB테스트" is also written "AB 테스트"
        units.append(char.translate(_ASCII_LOWER) if fold else char)
    return tuple(units)


def _trie_pattern(aliases: list[str], *, plural: bool) -> str:
    """One regex for many aliases, sharing prefixes (a flat alternation compiles and runs slowly).

    Aliases match on word boundaries: a Latin alias not inside a longer Latin word, a Korean one
    only at the start of a word; longer aliases win. English aliases also match their plural.
    """
    trie: dict[str, Any] = {}
    for alias in aliases:
        node = trie
        for unit in _units(alias, fold=plural):
            node = node.setdefault(unit, {})
        last = alias.strip()[-1]
        end = ""
        if _LATIN_OR_DIGIT.match(last):
            wants_plural = plural and last.isalpha() and len(alias) >= 3
            end = ("(?:e?s)?" if wants_plural else "") + r"(?![A-Za-z0-9_])"
        if "" not in node or len(end) > len(node[""]):
            node[""] = end

    def emit(node: dict[str, Any]) -> str:
        branches = [
            (unit if unit == _GAP else re.escape(unit)) + emit(child)
            for unit, child in node.items()
            if unit != ""
        ]
        if "" in node:
            branches.append(node[""])  # last: a longer alias sharing this prefix is tried first
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    # One lookbehind per script, not per alias: each character class costs compile time.
    groups: dict[str, dict[str, Any]] = {f"(?<![{_HANGUL}])": {}, r"(?<![A-Za-z0-9_])": {}, "": {}}
    for unit, child in trie.items():
        guard = (
            f"(?<![{_HANGUL}])"
            if _is_hangul(unit)
            else r"(?<![A-Za-z0-9_])"
            if _LATIN_OR_DIGIT.match(unit)
            else ""
        )
        groups[guard][unit] = child
    return "|".join(guard + emit(group) for guard, group in groups.items() if group)


def _is_hangul(char: str) -> bool:
    return "가" <= char <= "힣"


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read and validate a taxonomy file (the packaged `taxonomy.yaml` by default)."""
    source = Path(path) if path is not None else DEFAULT_TAXONOMY
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster when present
    data = yaml.load(source.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise TaxonomyError(f"{source}: expected a mapping with a 'terms' list")
    general = data.get("general") or []
    if not isinstance(general, list) or not all(isinstance(name, str) for name in general):
        raise TaxonomyError(f"{source}: 'general' must be a list of canonical names")
    terms = [_term(entry, index) for index, entry in enumerate(data["terms"])]
    names = {term.name for term in terms}
    if unknown := set(general) - names:
        raise TaxonomyError(f"{source}: 'general' names no taxonomy entry: {sorted(unknown)}")
    themes = data.get("themes") or {}
    if not isinstance(themes, dict) or not all(
        isinstance(members, list) and all(isinstance(m, str) for m in members)
        for members in themes.values()
    ):
        raise TaxonomyError(f"{source}: 'themes' must map a canonical name to a list of them")
    for theme, members in themes.items():
        if unknown := {theme, *members} - names:
            raise TaxonomyError(
                f"{source}: theme {theme!r} names no taxonomy entry: {sorted(unknown)}"
            )
    return Taxonomy(
        tuple(dataclasses.replace(t, general=True) if t.name in general else t for t in terms),
        tuple((theme, tuple(members)) for theme, members in themes.items()),
    )


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
        offered = sum(self.offered.values()) - len(offered_out)
        chosen = sum(self.chosen.values()) - len(chosen_out)
        rate = chosen / offered if offered > 0 else _DEFAULT_CHOICE_RATE
        object.__setattr__(self, "rate", min(max(rate, 0.01), 0.99))

    def logit(self, key: str, spellings: Iterable[str] = ()) -> float:
        """Log-odds that a reader chooses the term: its own record (under `key`, else under the
        first of its other `spellings` recorded), smoothed toward the rate of every term (a term
        never seen before gets that rate)."""
        if key not in self.offered:
            key = next((k for k in spellings if k in self.offered), key)
        offered_out, chosen_out = self.held_out
        seen = self.offered.get(key, 0) - (key in offered_out)
        picked = self.chosen.get(key, 0) - (key in chosen_out)
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


def _term(entry: Any, index: int) -> TaxonomyTerm:
    """One taxonomy entry: `[name, alias, ...]` or `{name, aliases, match_case}`."""
    if isinstance(entry, list):
        entry = {"name": entry[0] if entry else "", "aliases": entry[1:]}
    if not isinstance(entry, dict) or set(entry) - {"name", "aliases", "match_case"}:
        raise TaxonomyError(
            f"taxonomy entry #{index + 1} ({entry!r}): expected a list or a mapping"
        )
    name, aliases, exact = entry.get("name"), entry.get("aliases", []), entry.get("match_case", [])
    if not isinstance(name, str) or not name.strip():
        raise TaxonomyError(f"taxonomy entry #{index + 1} ({entry!r}): empty name")
    for spellings in (aliases, exact):
        if not isinstance(spellings, list) or not all(
            isinstance(a, str) and a.strip() for a in spellings
        ):
            raise TaxonomyError(f"taxonomy entry {name!r}: aliases must be non-empty strings")
    return TaxonomyTerm(name.strip(), tuple(a.strip() for a in aliases), tuple(exact))


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
    "bias": -4.282,
    "acronym": -0.117,
    "body": 0.631,
    "chosen": 1.305,
    "curated": -0.945,
    "english": 1.182,
    "evidence": 1.769,
    "extends": -1.956,
    "general": -0.141,
    "implied": -0.572,
    "inside": -0.542,
    "members": 1.359,
    "once": -0.139,
    "passing": -2.093,
    "three_words": -0.375,
    "title": 1.325,
    "two_words": 0.325,
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
    ) -> None:
        from kiwipiepy import Kiwi

        self.taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
        self.choices = choices if choices is not None else load_choices()
        self._kiwi: Any = Kiwi(
            num_workers=1, load_typo_dict=False, load_multi_dict=multiword_dictionary
        )
        self._kiwi.tokenize("")  # Kiwi loads its model lazily: pay the cost here, not per article
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
        of `documents`, that contain it; without it a prior stands in for the IDF. `choices`
        stands in for the packaged reader choices (a labelled article scored as if new).
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
            name = _english_name(candidate) if english else candidate.name
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
                ad_hoc.append(len(chosen))
            chosen.append(Keyword(name, round(probability, 4), candidate.name))
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
        for in_title, part in ((True, title), (False, text)):
            for paragraph in _paragraphs(part):
                marks: dict[int, str] = {}
                phrases = list(self._phrases(paragraph, marks))
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

    def _phrases(self, sentence: str, marks: dict[int, str]) -> Iterator[_Unit]:
        """Taxonomy matches, then nouns and noun compounds of one paragraph.

        `marks` receives what follows some units, by position: "copula" (이다), "noun".
        """
        for run in self._noun_runs(sentence, marks):
            for i, unit in enumerate(run):
                if unit.canonical is not None:
                    yield unit
                    yield from _named_on(sentence, run, i)
            # n-grams of other nouns never span a taxonomy match: names built on one are above
            pieces: list[list[_Unit]] = [[]]
            for unit in run:
                if unit.canonical is not None:
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
        return first.tag in _NOUN_TAGS and first.start == 0 and first.len > length

    def _bare_noun(self, form: str) -> str:
        """form less a particle Kiwi left on it in context ("서버의" read as one noun before an
        unknown word): the word read alone says whether its last syllable is a particle."""
        if len(form) < 3 or form[-1] not in _PARTICLE_ENDS or not _is_hangul(form[0]):
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

    def _noun_runs(self, sentence: str, marks: dict[int, str]) -> Iterator[list[_Unit]]:
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
        glued_ends = {end for _, end in names if _is_hangul(sentence[end - 1])}
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
        korean = any(_is_hangul(c) for c in sentence)
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


def _word_after(sentence: str, start: int, end: int) -> tuple[str, int] | None:
    """The Korean word that a Hangul match at start..end runs into (the match's last word and
    what follows it unspaced), with the match's length in it; None if nothing follows."""
    if not (_is_hangul(sentence[end - 1]) and end < len(sentence) and _is_hangul(sentence[end])):
        return None
    first = max(start, sentence.rfind(" ", start, end) + 1)
    last = end
    while last < len(sentence) and _is_hangul(sentence[last]):
        last += 1
    return sentence[first:last], end - first


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
    return last.text in _RELATIONAL or phrase.split()[-1] in _STORY


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
    for match in _ENDING.finditer(paragraph):
        if match.end() > position:
            return paragraph[start : match.end()]
        start = match.end()
    return paragraph[start:]


def _in_english(title: str, text: str) -> bool:
    """Whether an article is written in English: next to no Hangul among its letters."""
    hangul = len(_HANGUL_CHAR.findall(title)) + len(_HANGUL_CHAR.findall(text))
    latin = len(_ASCII_LETTER.findall(title)) + len(_ASCII_LETTER.findall(text))
    return latin > 0 and hangul < ENGLISH_HANGUL_SHARE * (hangul + latin)


def _english_name(candidate: _Candidate) -> str:
    """A curated term's name for an English article: the English spelling the article uses most,
    or the fuller one that ends in it ("design tokens" for 디자인 토큰, "distributed tracing"
    for 분산 추적 beside "tracing"), in the singular where it writes that too ("Circuit Breaker"
    beside "Circuit Breakers"), headline-capitalized when written in lower case; the same
    topic, as its readers name it. A term named in English, or never in English here, keeps its
    canonical name."""
    name = candidate.name
    english = [s for s in candidate.written if s.isascii()]
    if not english or not any(_is_hangul(c) for c in name):
        return name
    written = Counter[str]()
    for spelling in english:
        # "Circuit Breakers" counts for "circuit breaker" where the article writes that too.
        singular = spelling[:-1].casefold() if spelling.endswith("s") else None
        same = next((s for s in english if s.casefold() == singular), spelling)
        written[same] += candidate.written[spelling]
    spellings = [s for s, _ in written.most_common()]
    spelling = spellings[0]
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
    Aware Routing") stands for the whole; else part itself."""
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
            candidate.kind != "specific"
            or not candidate.name.isascii()
            or len(whole) <= max(len(words), len(best.name.split()) if best is not part else 0)
        ):
            continue
        folded = [w.casefold() for w in whole]
        at = next(
            (i for i in range(len(whole) - len(words) + 1) if folded[i : i + len(words)] == words),
            None,
        )
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
    words = _GAP.join(re.escape(w) for w in _SEPARATOR.split(name.casefold()) if w)
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


def _is_stop(word: str) -> bool:
    return (
        word in STOP_WORDS_KO
        or word in _STORY
        or word.casefold() in STOP_WORDS_EN
        or word.isdigit()
    )


def _keeps_alone(word: str) -> bool:
    """A single noun is a keyword only if it is not a stop word and has some substance."""
    if _is_stop(word):
        return False
    if _is_hangul(word[0]):
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


# --- plain text or HTML in


_HTML_HINT = re.compile(r"^\s*<|<(?:html|body|p|div|h1|article|br)\b", re.IGNORECASE)
_SKIP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "pre", "form", "svg")
_BLOCKS = _words("p div li h1 h2 h3 h4 h5 h6 blockquote tr br section article figcaption dd dt td")


def text_of(document: str) -> tuple[str, str]:
    """(title, text) of a plain-text or HTML document; code blocks and page chrome dropped."""
    if not _HTML_HINT.search(document):
        lines = [line.strip() for line in document.strip().splitlines()]
        if len(lines) > 1 and 0 < len(lines[0]) <= 120:
            return lines[0].lstrip("#").strip(), "\n".join(lines[1:]).strip()
        return "", "\n".join(lines)
    import lxml.html  # here: the api function reads the taxonomy (techfeed.topics), never HTML

    tree = lxml.html.document_fromstring(document)
    title = _html_title(tree)
    for element in tree.xpath("//" + " | //".join(_SKIP)):
        element.drop_tree()
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
        if element.tag == "li":  # as plain text writes a list: summaries are not made of items
            element.text = "\n- " + (element.text or "")
    body = tree.find("body")
    raw = (body if body is not None else tree).text_content()
    lines = [" ".join(line.split()) for line in raw.splitlines()]
    text = "\n".join(line for line in lines if line)
    if title and text.startswith(title):
        text = text[len(title) :].lstrip()
    return title, text


def _html_title(tree: Any) -> str:
    for xpath in ('//meta[@property="og:title"]/@content', "//h1", "//title"):
        found = tree.xpath(xpath)
        if found:
            value = found[0] if isinstance(found[0], str) else found[0].text_content()
            title = " ".join(str(value).split())
            if xpath == "//title":
                title = re.split(r"\s+[|·\-–—]\s+", title)[0]
            if title:
                return title
    return ""


# --- extractive summaries


_ENDING = re.compile(
    r"""
    [.!?…。]+["'”’)\]]*                     # the sentence's closing punctuation
    (?: \s+ | (?<=[다요죠까][.!?]) (?=[가-힣A-Z]) )   # then space, or Korean ending glued on
    """,
    re.VERBOSE,
)
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|Mr|Dr|No|cf)|^\d{1,2}|\b[A-Z])\.$")
_PURPOSE = re.compile(r"(?:이번|이) 글(?:에서는|은)|this (?:post|article)", re.IGNORECASE)
# First words of a sentence that continues the one before it.
_LEANS_KO = _words(
    "그래서 그러나 하지만 그런데 그리고 또한 따라서 그러므로 즉 이때 이에 이를 이는 이것은 이것이 "
    "이러한 이런 이렇게 이처럼 이로써 그러면 그럼 그래도 게다가 반면 반면에 바로 한편 또 결국 덕분에 "
    "다만 대신 그러자 그 이 여기서 그렇다면 둘째 셋째 넷째 마지막으로"
)
_LEANS_EN = _words(
    "it they but so however also therefore thus instead then and or still yet because which "
    "hence moreover furthermore otherwise meanwhile such second secondly third finally lastly"
)
_POINTS_BACK_EN = _words("this that these those")
_TIME_NOUNS_EN = _words(
    "year spring summer fall autumn winter quarter month week time morning release"
)
_LEANS = _LEANS_KO | _LEANS_EN | _POINTS_BACK_EN
_REASON_END = re.compile(r"때문(?:입니다|이다|이죠|이에요)[.!]?$")
_LIST_ITEM = re.compile(r"(?:[-*•]|\d{1,2}[.)])\s")
_GREETING = re.compile(r"^(?:안녕하세요|반갑습니다|hi|hello)\b", re.IGNORECASE)
_WORD = re.compile(rf"[{_HANGUL}]{{2,}}|[A-Za-z][A-Za-z0-9.+#]+")
_JOSA = re.compile(
    r"(?:으로|에서|에게|까지|부터|처럼|보다|이나|이며|이고|과|와|을|를|은|는|이|가|의|에|도|로|만)$"
)


def split_sentences(text: str) -> list[str]:
    """Korean and English sentences of `text`, in order; a line break always ends one."""
    sentences: list[str] = []
    for paragraph in _paragraphs(text):
        start = 0
        for match in _ENDING.finditer(paragraph):
            head = paragraph[start : match.start() + 1].strip()
            if _ABBREVIATION.search(head):
                continue
            if _in_quote(paragraph, start, match.end()):
                continue
            sentences.append(paragraph[start : match.end()].strip())
            start = match.end()
        if paragraph[start:].strip():
            sentences.append(paragraph[start:].strip())
    return sentences


def _in_quote(paragraph: str, start: int, end: int) -> bool:
    """Whether the sentence paragraph[start:end] ends inside a quotation that closes later in the
    paragraph ("The log said: "Cannot start. Too many missed." Then…" is one sentence)."""
    if paragraph.count('"', start, end) % 2:
        return paragraph.find('"', end) >= 0
    opened = paragraph.count("“", start, end) > paragraph.count("”", start, end)
    return opened and paragraph.find("”", end) >= 0


def summarize_extractive(
    title: str, text: str, *, sentences: int = 3, fallback: str | None = None
) -> str:
    """The `sentences` (2–3) most central whole sentences of an article, in their order.

    Without a body, the feed's description (`fallback`) cut to as many sentences.
    """
    every = split_sentences(text)
    kept = [i for i, s in enumerate(every) if 15 <= len(s) <= 400 and _is_prose(s)]
    # A list item is a fragment ("- 줌 14 이상: 해상도 10"): prose first, items if nothing else.
    kept = [i for i in kept if not _LIST_ITEM.match(every[i])] or kept
    candidates = [every[i] for i in kept]
    if not candidates:
        if fallback is None:
            return ""
        plain = text_of(fallback)[1] if _HTML_HINT.search(fallback) else fallback
        return " ".join(split_sentences(" ".join(plain.split()))[:sentences])
    words = [_stems(s) for s in candidates]
    frequency = Counter(w for ws in words for w in set(ws))
    title_words = set(_stems(title))

    def centrality(index: int) -> float:
        ws = words[index]
        if not ws:
            return 0.0
        weight = sum(frequency[w] - 1 + 3 * (w in title_words) for w in set(ws)) / math.sqrt(
            len(ws)
        )
        lead = 1.5 if index < 3 else 1.0  # writers state the point early
        purpose = 1.5 if _PURPOSE.search(candidates[index]) else 1.0  # "이 글에서는 …"
        return weight * lead * purpose * (0.3 if _GREETING.match(candidates[index]) else 1.0)

    # A sentence that leans on the one before it ("그래서 …", "This meant …") comes with it.
    leans = [_leans_back(s) for s in candidates]
    order = sorted(range(len(candidates)), key=lambda i: -centrality(i))
    chosen: set[int] = set()
    for index in order:
        start = index
        # what it leans on must be a candidate too, not code, a heading or a fragment
        while leans[start] and start > 0 and kept[start - 1] == kept[start] - 1:
            start -= 1
        group = set(range(start, index + 1))
        if leans[start] or len(chosen | group) > sentences:
            continue
        chosen |= group
        if len(chosen) == sentences:
            break
    if not chosen:
        chosen = set(order[:sentences])
    return " ".join(candidates[i] for i in sorted(chosen))


def _leans_back(sentence: str) -> bool:
    """Whether a sentence reads only after the one before it: it opens with a connective or a
    word pointing back ("그래서", "이를", "However", "These …"), or gives the reason for it
    ("… 때문입니다")."""
    if _PURPOSE.search(sentence):
        return False
    first, _, rest = sentence.partition(" ")
    first = first.strip(",.:;").casefold()
    if first in _POINTS_BACK_EN and rest.split(" ", 1)[0].casefold() in _TIME_NOUNS_EN:
        return False  # "This spring we shipped …"
    return first in _LEANS or _REASON_END.search(sentence) is not None


def _stems(sentence: str) -> list[str]:
    """Content words of a sentence with a trailing particle cut off (cheap, no tokenizer)."""
    stems = []
    for word in _WORD.findall(sentence):
        stem = _JOSA.sub("", word) if _is_hangul(word[0]) else word.casefold()
        if len(stem) >= 2 and not _is_stop(stem):
            stems.append(stem)
    return stems


def _is_prose(sentence: str) -> bool:
    """Not code, a table row or a list of links: mostly letters and spaces."""
    letters = sum(ch.isalpha() or ch.isspace() for ch in sentence)
    return letters / len(sentence) >= 0.75
