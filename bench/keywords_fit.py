"""Fit the keyword ranker (techfeed.keywords.RANKER) on the labelled articles, and cross-check it.

The training articles are tests/fixtures/keywords/*.json and later/ (never unseen/, which is
measured once after a change). Each rankable candidate of an article is one example, positive
when it names one of the article's labels (an alias of a label counts: FDS = 이상거래탐지);
document frequencies are leave-one-out over the training articles, as bench/keywords.py counts
them. The model is an L2-regularised logistic regression on standardised features, fitted by
full-batch gradient descent (deterministic); the table it prints is in the original units, to
paste into keywords.py.

Cross-check: two folds on later/ (train on the first 34 and one half of later/, score the other
half), side by side with ranking by the evidence score alone (the ranking before the model).

    .venv/bin/python bench/keywords_fit.py
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from techfeed import keywords
from techfeed.keywords import KeywordExtractor, alias_key


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


def examples(
    extractor: KeywordExtractor, articles: list[Any]
) -> Iterator[tuple[dict[str, float], bool]]:
    """(features, is a label) for every rankable candidate of every article."""
    terms = {a.case: extractor.terms(a.title, a.text) for a in articles}
    total = Counter(t for ts in terms.values() for t in ts)
    taxonomy = extractor.taxonomy
    for a in articles:
        own = terms[a.case]
        df = {t: n - (t in own) for t, n in total.items()}
        gold = {alias_key(taxonomy.canonical(k) or k) for k in a.keywords}
        for key, features in extractor.candidate_features(
            a.title, a.text, document_frequency=df, documents=len(articles) - 1
        ):
            yield features, key in gold


def fit(extractor: KeywordExtractor, articles: list[Any]) -> dict[str, float]:
    """RANKER weights fitted on `articles`, in the features' own units."""
    rows = list(examples(extractor, articles))
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
    """Each half of later/ scored by a ranker fitted without it, beside the evidence score."""
    first = bench.load_labelled()
    later = bench.load_labelled(bench.FIXTURES / "later")
    halves = {"later even": later[0::2], "later odd": later[1::2]}
    fitted = keywords.RANKER
    print(f"{'held out':<11} {'ranking':<15} {'recall@10':>10} {'precision@5':>12}")
    try:
        for name, held in halves.items():
            train = first + [a for a in later if a not in held]
            for label, ranker in (
                ("evidence only", {"bias": 0.0, "evidence": 1.0}),
                ("fitted", fit(extractor, train)),
            ):
                keywords.RANKER = ranker
                predictions = bench.predict(extractor, train + held)
                recall, precision, _ = bench.scores(held, predictions)
                print(f"{name:<11} {label:<15} {recall:>10.3f} {precision:>12.3f}")
    finally:
        keywords.RANKER = fitted


def main() -> None:
    """Print the cross-check, then RANKER fitted on every training article."""
    extractor = KeywordExtractor()
    cross_check(extractor)
    articles = bench.load_labelled() + bench.load_labelled(bench.FIXTURES / "later")
    print(f"\nRANKER fitted on {len(articles)} articles:")
    print("RANKER = {")
    for name, weight in fit(extractor, articles).items():
        print(f'    "{name}": {weight},')
    print("}")


if __name__ == "__main__":
    main()
