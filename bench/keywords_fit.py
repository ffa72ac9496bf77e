"""Fit the keyword ranker (techfeed.keywords.RANKER) on the labelled articles, and cross-check it.

The training articles are tests/fixtures/keywords/*.json and later/ (never unseen/, which is
measured once after a change). Each rankable candidate of an article is one example, positive
when it names one of the article's labels (an alias of a label counts: FDS = 이상거래탐지);
document frequencies are leave-one-out over the training articles, as bench/keywords.py counts
them. The model is an L2-regularised logistic regression on standardised features, fitted by
full-batch gradient descent (deterministic); the table it prints is in the original units, to
paste into keywords.py.

One feature is what readers chose before: per term, the training articles that offered it as a
rankable candidate and those whose labels chose it (techfeed/choices.json, rewritten by --write).
Each training article's own choices are held out of its features, as its document frequencies
are, so the weight is what the counts say about an article they never saw.

--write also rewrites techfeed/frequencies.json, the reference document frequencies over the same
articles: what an article scored without a corpus of its own (`techfeed keywords FILE`) is
weighed against.

Cross-check: two folds on later/ (train on the first 34 and one half of later/, score the other
half), side by side with ranking by the evidence score alone (the ranking before the model).

    .venv/bin/python bench/keywords_fit.py [--write]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from techfeed import keywords
from techfeed.keywords import (
    DEFAULT_CHOICES,
    DEFAULT_FREQUENCIES,
    DocumentFrequencies,
    KeywordExtractor,
    ReaderChoices,
)


def load_bench(name: str) -> ModuleType:
    """A bench script as a module (bench/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", Path(__file__).with_name(f"{name}.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


bench = load_bench("keywords")  # the labelled set and its scoring

L2 = 1.0
STEPS = 3000
LEARNING_RATE = 0.5


def count_reference(
    extractor: KeywordExtractor, articles: list[Any]
) -> tuple[ReaderChoices, DocumentFrequencies]:
    """What `articles` say for new ones, in one pass: the reader choices (per term key, the
    articles offering it, and choosing it) and the reference document frequencies (per term key
    named in two or more, how many name it: a term named once says only that it is rare, as an
    absent one does)."""
    offered: Counter[str] = Counter()
    chosen: Counter[str] = Counter()
    named: Counter[str] = Counter()
    for a in articles:
        own_offered, own_chosen = bench.own_choices(extractor, a)
        offered.update(own_offered)
        chosen.update(own_chosen)
        named.update(extractor.terms(a.title, a.text))  # the article just read: not read again
    frequencies = {t: n for t, n in named.items() if n >= 2}
    return ReaderChoices(dict(offered), dict(chosen)), DocumentFrequencies(
        len(articles), frequencies
    )


def examples(
    extractor: KeywordExtractor, articles: list[Any], choices: ReaderChoices
) -> Iterator[tuple[dict[str, float], bool]]:
    """(features, is a label) for every rankable candidate of every article; each article's
    document frequencies and reader choices leave it out."""
    terms = {a.case: extractor.terms(a.title, a.text) for a in articles}
    total = Counter(t for ts in terms.values() for t in ts)
    for a in articles:
        own = terms[a.case]
        df = {t: n - (t in own) for t, n in total.items()}
        offered, chosen = bench.own_choices(extractor, a)
        for key, features in extractor.candidate_features(
            a.title,
            a.text,
            document_frequency=df,
            documents=len(articles) - 1,
            choices=choices.without(offered, chosen),
        ):
            yield features, key in chosen


def fit(
    extractor: KeywordExtractor, articles: list[Any], choices: ReaderChoices
) -> dict[str, float]:
    """RANKER weights fitted on `articles` (with `choices` counted on them), in the features'
    own units."""
    rows = list(examples(extractor, articles, choices))
    names = sorted(rows[0][0])
    x = np.array([[f[n] for n in names] for f, _ in rows])
    y = np.array([float(label) for _, label in rows])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    weights, bias = np.zeros(len(names)), 0.0
    for _ in range(STEPS):
        error = 1.0 / (1.0 + np.exp(-(z @ weights + bias))) - y
        weights -= LEARNING_RATE * (z.T @ error + L2 * weights) / len(y)
        bias -= LEARNING_RATE * float(error.mean())
    original = weights / scale
    ranker = {"bias": round(bias - float(original @ mean), 3)}
    ranker.update({n: round(float(w), 3) for n, w in zip(names, original, strict=True)})
    return ranker


def cross_check(extractor: KeywordExtractor) -> None:
    """Each half of later/ scored by a ranker and reader choices fitted without it, beside the
    evidence score alone."""
    first = bench.load_labelled()
    later = bench.load_labelled(bench.FIXTURES / "later")
    halves = {"later even": later[0::2], "later odd": later[1::2]}
    fitted = keywords.RANKER
    print(f"{'held out':<11} {'ranking':<15} {'recall@10':>10} {'precision@5':>12}")
    try:
        for name, held in halves.items():
            train = first + [a for a in later if a not in held]
            choices, _ = count_reference(extractor, train)
            for label, ranker in (
                ("evidence only", {"bias": 0.0, "evidence": 1.0}),
                ("fitted", fit(extractor, train, choices)),
            ):
                keywords.RANKER = ranker
                predictions = bench.predict(
                    extractor, train + held, choices=choices, fitted_on=train
                )
                recall, precision, _ = bench.scores(held, predictions)
                print(f"{name:<11} {label:<15} {recall:>10.3f} {precision:>12.3f}")
    finally:
        keywords.RANKER = fitted


def main() -> None:
    """Print the cross-check, then RANKER fitted on every training article; --write rewrites
    the packaged reader choices (choices.json) from those articles."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {DEFAULT_CHOICES.name}")
    args = parser.parse_args()
    extractor = KeywordExtractor()
    cross_check(extractor)
    articles = bench.training()
    choices, frequencies = count_reference(extractor, articles)
    if args.write:
        DEFAULT_CHOICES.write_text(choices.to_json(), encoding="utf-8")
        print(f"\nwrote {DEFAULT_CHOICES} ({len(choices.offered)} terms)")
        DEFAULT_FREQUENCIES.write_text(frequencies.to_json(), encoding="utf-8")
        print(f"wrote {DEFAULT_FREQUENCIES} ({len(frequencies.counts)} terms)")
    elif choices.offered != extractor.choices.offered or choices.chosen != extractor.choices.chosen:
        print(f"\n{DEFAULT_CHOICES.name} is stale: run with --write, then fit again")
    elif frequencies != extractor.frequencies:
        print(f"\n{DEFAULT_FREQUENCIES.name} is stale: run with --write")
    print(f"\nRANKER fitted on {len(articles)} articles:")
    print("RANKER = {")
    for name, weight in fit(extractor, articles, choices).items():
        print(f'    "{name}": {weight},')
    print("}")


if __name__ == "__main__":
    main()
