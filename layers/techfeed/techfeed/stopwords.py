"""Words that are never a topic on their own, in Korean and English: for keywords and summaries."""

from __future__ import annotations


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of text, as a set."""
    return frozenset(text.split())


# Never a topic on their own: the usual function nouns, the generic words of Korean tech
# writing, and the action nouns (자동, 실행, 호출 …) most frequent across the dev half of the
# labelled set yet never labelled. They still join compounds ("개발 환경").
STOP_WORDS_KO = word_set(
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

STOP_WORDS_EN = word_set(
    """
    a an the and or but if then else when while for to of in on at by with from into onto over under
    about above below after before between through during without within across per via as than so
    is are was were be been being am do does did done have has had having can could will would shall
    should may might must need needs needed this that these those it its they them their there here
    we our ours us you your i me my he she his her who whom which what where why how all any both each
    few more most other some such no nor not only own same too very just also still even ever again
    once one two three four five six seven eight nine ten eleven twelve twenty hundred hundreds
    thousand thousands dozen dozens several first second third new old many much every another up
    down out off further
    use used using uses make makes made get gets got set sets run runs ran take took see seen let lets
    like well way ways thing things lot lots time times part parts case cases kind number numbers
    etc e.g i.e vs via eg ie ok yes yeah because since until though although however therefore thus
    instead rather already always often sometimes usually never now today last next our team teams
    post blog article write wrote written read reads show shows shown said says say tell told
    better best good great large small big high low long short fast slow easy hard real main
    each whether able within via around whole half day days week weeks month months year years
    percent ms s
    kb mb gb tb pb kib mib gib tib kb/s mb/s gb/s kbps mbps gbps px fps usd krw jpy eur
    monday tuesday wednesday thursday friday saturday sunday weekend weekends weekday weekdays
    january february april june july august september october november december
    """
)
# Nouns that say what kind of post the article is ("SLO 도입기", "Kafka 전환기"): never a
# compound's end either, since the topic is what comes before them. Not 후기 or 여정: "거래 후기"
# and "사용자 여정" are things a post can be about.
STORY_NOUNS = word_set(
    "도입기 적용기 구축기 개발기 전환기 개선기 구성기 운영기 도전기 삽질기 정복기 이야기 회고록"
)

# Words of when ("금요일 저녁", "화요일"): never a topic, and never part of a compound either.
# Not 야간, 새벽 or 주간: "야간 배치" and "새벽 배송" are things a post can be about.
TIME_NOUNS = word_set(
    "월요일 화요일 수요일 목요일 금요일 토요일 일요일 주말 평일 오전 오후 아침 저녁 점심 어제 내일 "
    "올해 작년 내년 지난해 지난달 이번달 다음달 지난주 이번주 다음주 연말 연초"
)

# Places, peoples and languages: where the work happened and in what language its team talks
# ("the Tokyo team", "일본어 문서"), never a topic alone. They still join compounds ("한국어 검색",
# "Korean tokenizer").
PLACE_NOUNS = word_set(
    """
    한국 국내 해외 서울 판교 부산 제주 일본 도쿄 중국 대만 미국 유럽 동남아 베트남 태국 인도네시아 싱가포르
    한국어 영어 일본어 중국어 베트남어 태국어 한국인 일본인
    korea korean koreans seoul pangyo busan japan japanese tokyo china chinese taiwan taiwanese
    america american europe european asia vietnam vietnamese thailand thai indonesia indonesian
    singapore english
    """
)


def is_stop_word(word: str) -> bool:
    """Whether a word is never a topic alone: a stop word, a kind of post, a place or language,
    a bare number."""
    return (
        word in STOP_WORDS_KO
        or word in STORY_NOUNS
        or word in TIME_NOUNS
        or word.casefold() in STOP_WORDS_EN
        or word.casefold() in PLACE_NOUNS
        or word.isdigit()
    )
