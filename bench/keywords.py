"""Keyword quality on the labelled set, and what Kiwi costs: init time, memory, installed size.

Quality: tests/fixtures/keywords/**/*.json, each {"title", "text", "keywords"} labelled by
hand before the method saw it. The top folder's articles came first: sorted by file name, the
even-numbered ones are the dev half (the evidence constants in techfeed/keywords.py were set on
it), the odd-numbered ones the held-out half. `later/` holds articles written and labelled after
a tuning round (572 of the 576 by annotators who never saw the method or its taxonomy; `r3-` to
`r21-` and `r24-` mark the third to twenty-first and the twenty-fourth rounds'), which later
rounds did look at; `unseen/` holds the blind rounds written and labelled the same way since
(`r22-`, `r23-`, `r26-` and on, each 16 Korean and 8 English articles on fresh subjects), each
round measured once, by the version before and after the change it was written for. The ranker
(RANKER) and the reader choices (choices.json) are fitted on the top folder and later/
(bench/keywords_fit.py), so only unseen/ says how the method does on new articles; a training
article is scored with its own choices held out. Document frequencies are leave-one-out over every labelled
article: each is scored with the frequencies of the others (N - 1 documents), as a new article is
scored against the corpus already stored. The rows marked * score each article alone, as
`techfeed keywords FILE` does: against the packaged reference frequencies (frequencies.json,
counted over the training articles, so in-sample for them), and the row marked † the unseen
articles against no frequencies at all (the prior IDF only).

A second reader: `second-reader/later.json` holds keywords for 96 of the later articles (those
before `r5-`) chosen by a second annotator who saw only each article's title and text (not its labels,
not the method); scored against the labels like the method, that row is how far two careful
readers agree.

- recall@10: labelled keywords found in the top 10, over all labels (micro-average);
- precision@5: top-5 keywords that are labelled, over 5 per article (a shorter answer counts
  its missing places as wrong: the goal's figure);
- p@5 shown: the same hits over the keywords actually shown, at most 5 per article (what a
  reader sees; the issue allows 3 keywords, so an answer of 3 is judged on those 3).
Names match after casefolding and removing spaces.

Cost: each configuration in a fresh interpreter: Kiwi construction plus its lazy model load
(`tokenize("")`), peak RSS (getrusage) and RSS (VmRSS) after it; with and without Kiwi's
multi-word dictionary, and with every Korean taxonomy alias added as a Kiwi user word (what
pretokenized spans make unnecessary). Then extraction time per article, and the installed size
of kiwipiepy and what it pulls in (files listed in each distribution's RECORD).

    .venv/bin/python bench/keywords.py [--show dev|all] [--no-cost] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from techfeed.keywords import KeywordExtractor, ReaderChoices
from techfeed.taxonomy import alias_key

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "keywords"
SECOND_READER = FIXTURES / "second-reader" / "later.json"


@dataclass(frozen=True)
class Labelled:
    """One labelled article."""

    case: str
    title: str
    text: str
    keywords: list[str]


# Groups of the labelled set beyond the first: (folder, label in the table).
LATER = (("later", "later"), ("unseen", "unseen"))


def load_labelled(folder: Path = FIXTURES) -> list[Labelled]:
    """The labelled articles of one folder (not its subfolders), sorted by file name."""
    articles = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        articles.append(Labelled(path.stem, data["title"], data["text"], data["keywords"]))
    return articles


def halves(articles: list[Labelled]) -> tuple[list[Labelled], list[Labelled]]:
    return articles[0::2], articles[1::2]


def own_choices(extractor: KeywordExtractor, a: Labelled) -> tuple[set[str], set[str]]:
    """The keys an article offers the ranker (its rankable candidates) and those of them that
    its labels name: its part of the reader choices (an alias of a label counts)."""
    taxonomy = extractor.taxonomy
    gold = {alias_key(taxonomy.canonical(k) or k) for k in a.keywords}
    offered = {key for key, _ in extractor.candidate_features(a.title, a.text)}
    return offered, offered & gold


def predict(
    extractor: KeywordExtractor,
    articles: list[Labelled],
    *,
    corpus: bool | None = True,
    choices: ReaderChoices | None = None,
    fitted_on: list[Labelled] | None = None,
) -> dict[str, list[str]]:
    """Top-10 keyword names per article, document frequencies leave-one-out over `articles`,
    or (corpus False) the extractor's packaged reference frequencies, or (corpus None) none.

    Reader choices are the packaged ones (or `choices`), counted on `fitted_on` (by default the
    top folder and later/): an article among those is scored with its own choices held out.
    """
    choices = choices if choices is not None else extractor.choices
    fitted = {a.case for a in (fitted_on if fitted_on is not None else training())}
    # the corpus's terms, only when it is scored against: tokenizing every article costs
    terms = {a.case: extractor.terms(a.title, a.text) for a in articles} if corpus else {}
    total = Counter(t for ts in terms.values() for t in ts)
    predictions = {}
    for a in articles:
        df: dict[str, int] | None = None  # the packaged reference frequencies
        documents = 0  # with no frequencies (corpus None): the prior IDF
        if corpus:
            own = terms[a.case]
            df, documents = {t: n - (t in own) for t, n in total.items()}, len(articles) - 1
        elif corpus is None:
            df = {}
        held = choices.without(*own_choices(extractor, a)) if a.case in fitted else choices
        keywords = extractor.extract(
            a.title, a.text, document_frequency=df, documents=documents, choices=held
        )
        predictions[a.case] = [k.name for k in keywords]
    return predictions


def training() -> list[Labelled]:
    """The articles the ranker and the reader choices are fitted on: the top folder and later/."""
    return load_labelled() + load_labelled(FIXTURES / "later")


def scores(
    articles: list[Labelled],
    predictions: dict[str, list[str]],
    same: Callable[[str], str] = alias_key,
) -> tuple[float, float, float]:
    """(recall@10, precision@5, precision over the top 5 actually returned); `same` says when
    a keyword and a label name one thing (by default: the same after casefolding, no spaces)."""
    found = labelled = hits5 = shown = 0
    for a in articles:
        gold = {same(k) for k in a.keywords}
        top = [same(k) for k in predictions[a.case]]
        found += len(gold & set(top[:10]))
        labelled += len(gold)
        hits5 += sum(k in gold for k in top[:5])
        shown += len(top[:5])
    return found / labelled, hits5 / (5 * len(articles)), hits5 / shown


def quality(extractor: KeywordExtractor, show: str | None) -> None:
    first = load_labelled()
    dev, held_out = halves(first)
    later = {label: part for folder, label in LATER if (part := load_labelled(FIXTURES / folder))}
    articles = [a for part in (first, *later.values()) for a in part]
    groups = {"dev": dev, "held-out": held_out, "first 34": first, **later, "all": articles}
    predictions = predict(extractor, articles)
    taxonomy = extractor.taxonomy

    def synonyms(name: str) -> str:
        return alias_key(taxonomy.canonical(name) or name)

    print(
        f"{'set':<10} {'articles':>8} {'recall@10':>10} {'precision@5':>12} {'p@5 shown':>10}"
        f" {'recall@10 =':>12} {'precision@5 =':>14}"
    )
    alone = predict(extractor, articles, corpus=False)
    for marker, found in (("", predictions), ("*", alone)):
        for name, part in groups.items():
            recall, precision, shown = scores(part, found)
            recall_syn, precision_syn, _ = scores(part, found, synonyms)
            row = f"{name + marker:<10} {len(part):>8} {recall:>10.3f} {precision:>12.3f}"
            print(f"{row} {shown:>10.3f} {recall_syn:>12.3f} {precision_syn:>14.3f}")
    unseen = later.get("unseen", [])
    if unseen:
        recall, precision, shown = scores(unseen, predict(extractor, unseen, corpus=None))
        row = f"{'unseen†':<10} {len(unseen):>8} {recall:>10.3f} {precision:>12.3f}"
        print(f"{row} {shown:>10.3f}")
    second = json.loads(SECOND_READER.read_text(encoding="utf-8"))
    read = [a for a in later.get("later", []) if a.case in second]
    if read:
        recall, precision, shown = scores(read, second)
        recall_syn, precision_syn, _ = scores(read, second, synonyms)
        row = f"{'2nd reader':<10} {len(read):>8} {recall:>10.3f} {precision:>12.3f}"
        print(f"{row} {shown:>10.3f} {recall_syn:>12.3f} {precision_syn:>14.3f}")
    print("* each article alone, as `techfeed keywords FILE`: the packaged reference frequencies")
    print("† each unseen article alone with no frequencies at all (the prior IDF only)")
    print("2nd reader: a second annotator's keywords for the later articles, scored as the method")
    print(
        "=: a label that the taxonomy lists as an alias of the keyword counts (FDS = 이상거래탐지)"
    )
    print("goals: recall@10 >= 0.7, precision@5 >= 0.8")
    if show:
        for a in dev if show == "dev" else articles:
            gold = {alias_key(k) for k in a.keywords}
            marked = [("+" if alias_key(k) in gold else "-") + k for k in predictions[a.case]]
            missed = [
                k for k in a.keywords if alias_key(k) not in map(alias_key, predictions[a.case])
            ]
            group = next(name for name, part in groups.items() if a in part)
            print(f"\n[{group}] {a.case}\n  got:    {' '.join(marked)}\n  missed: {missed}")


_INIT = """
import resource, sys, time
t0 = time.perf_counter()
from kiwipiepy import Kiwi
t1 = time.perf_counter()
kiwi = Kiwi(num_workers=1, load_typo_dict=False, load_multi_dict={multi})
if {user_words}:
    from techfeed.taxonomy import load_taxonomy
    for term in load_taxonomy().terms:
        for alias in (term.name, *term.aliases):
            if any("\\uac00" <= c <= "\\ud7a3" for c in alias):
                kiwi.add_user_word(alias.replace(" ", ""), "NNP")
kiwi.tokenize("")
t2 = time.perf_counter()
rss = next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmRSS"))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(t1 - t0, t2 - t1, int(rss) / 1024, peak / 1024)
"""

_EXTRACTOR = """
import resource, time
t0 = time.perf_counter()
from techfeed.keywords import KeywordExtractor
t1 = time.perf_counter()
e = KeywordExtractor(multiword_dictionary={multi})
t2 = time.perf_counter()
rss = next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmRSS"))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(t1 - t0, t2 - t1, int(rss) / 1024, peak / 1024)
"""


def _fresh(code: str, runs: int) -> tuple[float, float, float, float]:
    """Median (import s, init s, RSS MiB, peak RSS MiB) over fresh interpreters."""
    rows = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        rows.append(tuple(float(x) for x in out.stdout.split()))
    imp, init, rss, peak = (statistics.median(col) for col in zip(*rows, strict=True))
    return imp, init, rss, peak


def installed_mib(distribution: str) -> float:
    files = metadata.distribution(distribution).files or []
    return sum(f.size or 0 for f in files) / 2**20


def cost(extractor: KeywordExtractor, runs: int) -> None:
    print(f"\n{'configuration':<44} {'import s':>8} {'init s':>7} {'RSS MiB':>8} {'peak MiB':>9}")
    configs = [
        ("Kiwi, no multi-word dict", _INIT.format(multi=False, user_words=False)),
        ("Kiwi, multi-word dict", _INIT.format(multi=True, user_words=False)),
        ("Kiwi, no multi-word dict + alias user words", _INIT.format(multi=False, user_words=True)),
        ("KeywordExtractor() (taxonomy + Kiwi)", _EXTRACTOR.format(multi=False)),
        ("KeywordExtractor(multiword_dictionary=True)", _EXTRACTOR.format(multi=True)),
    ]
    for name, code in configs:
        imp, init, rss, peak = _fresh(code, runs)
        print(f"{name:<44} {imp:>8.2f} {init:>7.2f} {rss:>8.0f} {peak:>9.0f}")

    articles = load_labelled()
    timings = []
    for a in articles:
        start = time.perf_counter()
        extractor.extract(a.title, a.text)
        timings.append(time.perf_counter() - start)
    chars = statistics.mean(len(a.text) for a in articles)
    print(
        f"\nextract(): median {statistics.median(timings) * 1000:.1f} ms, "
        f"max {max(timings) * 1000:.1f} ms per article (mean {chars:.0f} characters)"
    )
    print("\ninstalled size (MiB, from each distribution's RECORD):")
    total = 0.0
    for dist in ("kiwipiepy", "kiwipiepy-model", "numpy", "tqdm"):
        size = installed_mib(dist)
        total += size
        print(f"  {dist:<18} {metadata.version(dist):<10} {size:>7.1f}")
    print(f"  {'total':<29} {total:>7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", choices=["dev", "all"], help="print keywords per article")
    parser.add_argument("--no-cost", action="store_true", help="quality only")
    parser.add_argument("--runs", type=int, default=3, help="fresh interpreters per configuration")
    args = parser.parse_args()
    extractor = KeywordExtractor()
    quality(extractor, args.show)
    if not args.no_cost:
        cost(extractor, args.runs)


if __name__ == "__main__":
    main()
