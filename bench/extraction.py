"""Article extraction quality and speed: techfeed beside readability-lxml and trafilatura.

Reads the WCXB development pages in place (../shared/data/wcxb-dev-articles, never copied)
and scores each extractor on the same decoded text (techfeed's own `decode_html`, the
crawler's path), in one run:

- body F1: the data README's shingle metric. Tokens are `\\w+` matches (case kept), shingles
  are 4 consecutive tokens; per page precision = shared / predicted and recall = shared /
  expected with multiset counts (an empty side scores 0), each averaged over pages, then
  F1 of the two averages.
- title: exact match after NFC and collapsing whitespace (case-sensitive).
- author: over pages whose truth has one; equal after NFC, collapsing whitespace and casefold.
- date: over pages whose truth has one; the predicted calendar date (YYYY-MM-DD) equals the
  truth's. techfeed answers a UTC instant, so its date is the UTC date: a post stamped with
  a local time and offset can land on the neighbouring UTC day (a bare date stays its own
  day); "date ±1d" counts those as right too. readability-lxml finds no author or date ("-").
- pages/s: extraction only (pages decoded beforehand), one process, one core: pages divided
  by the total time of one pass, the median over --runs passes.

Scores are given for all pages, the odd-numbered half (dev: what the extractor was
developed on) and the even half (check: a held-out view of over-fitting). Then the techfeed
module's import time (median of fresh interpreters) and the installed size of what it imports.

    .venv/bin/python bench/extraction.py [--limit N] [--runs 3] [--only techfeed]

trafilatura is a bench-only dependency (`pip install trafilatura`), never imported by techfeed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from importlib import metadata
from pathlib import Path

import lxml.html

from techfeed.extract import extract_article
from techfeed.fetch import decode_html

WCXB = Path(__file__).resolve().parents[2] / "shared" / "data" / "wcxb-dev-articles"
_TOKEN = re.compile(r"\w+")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_BLOCKS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr", "br", "blockquote")


@dataclass(frozen=True)
class Page:
    """One WCXB page and its truth."""

    number: int
    url: str
    html: str
    title: str
    author: str | None
    published: date | None
    # None when the truth has no body text (one page has only with/without snippets).
    shingles: Counter[tuple[str, ...]] | None


@dataclass(frozen=True)
class Result:
    """What one extractor found in one page."""

    text: str
    title: str | None
    author: str | None
    published: date | None


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """The multiset of 4-token shingles of text."""
    tokens = _TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))


def precision_recall(text: str, expected: Counter[tuple[str, ...]]) -> tuple[float, float]:
    """One page's shingle precision and recall."""
    predicted = shingles(text)
    shared = sum((predicted & expected).values())
    return shared / max(predicted.total(), 1), shared / max(expected.total(), 1)


def load_pages(limit: int | None) -> list[Page]:
    """The WCXB pages, decoded as the crawler decodes them; exits when the data is absent."""
    if not (WCXB / "html").is_dir():
        sys.exit(f"bench/extraction.py: WCXB pages not found at {WCXB} (see shared/data/README)")
    pages = []
    for path in sorted((WCXB / "html").glob("*.html.gz"))[:limit]:
        number = path.name.split(".")[0]
        truth = json.loads((WCXB / "ground-truth" / f"{number}.json").read_text())
        expected = truth["ground_truth"]
        pages.append(
            Page(
                number=int(number),
                url=truth["url"],
                html=decode_html(gzip.decompress(path.read_bytes()), None),
                title=_norm(expected.get("title")) or "",
                author=_norm(expected.get("author")),
                published=_date(expected.get("publish_date")),
                shingles=shingles(body) if (body := expected.get("main_content")) else None,
            )
        )
    return pages


def _norm(value: str | None) -> str | None:
    return " ".join(unicodedata.normalize("NFC", value).split()) or None if value else None


def _date(value: str | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    m = _DATE.match(value or "")
    try:
        return date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        return None


def run_techfeed(page: Page) -> Result:
    """techfeed's extract_article, as the crawler calls it."""
    body = extract_article(page.html, page.url)
    return Result(body.text, body.title, body.author, _date(body.published_at))


def run_readability(page: Page) -> Result:
    """Plain readability-lxml: Document(html).summary(), then its text, blocks on new lines."""
    from readability import Document

    document = Document(page.html)
    summary = document.summary()
    root = lxml.html.fromstring(summary) if summary.strip() else None
    if root is not None:
        for el in root.iter(*_BLOCKS):
            el.tail = "\n" + (el.tail or "")
    text = root.text_content() if root is not None else ""
    return Result(text, document.short_title(), None, None)


def run_trafilatura(page: Page) -> Result:
    """trafilatura.extract() with its defaults, as JSON with metadata to get title, author, date."""
    import trafilatura

    found = trafilatura.extract(page.html, url=page.url, output_format="json", with_metadata=True)
    if found is None:
        return Result("", None, None, None)
    data = json.loads(found)
    return Result(
        data.get("text") or "", data.get("title"), data.get("author"), _date(data.get("date"))
    )


EXTRACTORS: dict[str, Callable[[Page], Result]] = {
    "techfeed": run_techfeed,
    "readability-lxml": run_readability,
    "trafilatura": run_trafilatura,
}


def time_pass(extractor: Callable[[Page], Result], pages: list[Page]) -> tuple[list[Result], float]:
    """One pass over pages: the results and the seconds it took."""
    start = time.perf_counter()
    results = [extractor(page) for page in pages]
    return results, time.perf_counter() - start


def score(pages: list[Page], results: list[Result]) -> dict[str, str]:
    """The table's cells for one extractor on a set of pages."""
    pr = [
        precision_recall(r.text, p.shingles)
        for p, r in zip(pages, results, strict=True)
        if p.shingles is not None
    ]
    precision = statistics.fmean(x for x, _ in pr)
    recall = statistics.fmean(y for _, y in pr)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    pairs = list(zip(pages, results, strict=True))
    titles = statistics.fmean(_norm(r.title) == p.title for p, r in pairs)
    # An extractor that never answers an author or a date gets no such column.
    authored = [(p, r) for p, r in pairs if p.author] if any(r.author for r in results) else []
    dated = [(p, r) for p, r in pairs if p.published] if any(r.published for r in results) else []

    def author_ok(p: Page, r: Result) -> bool:
        return (_norm(r.author) or "").casefold() == (p.author or "").casefold()

    def days_off(p: Page, r: Result) -> int:
        return abs((r.published - p.published).days) if r.published and p.published else 99

    return {
        "pages": str(len(pr)),
        "F1": f"{f1:.3f}",
        "P": f"{precision:.3f}",
        "R": f"{recall:.3f}",
        "title": f"{titles:.3f}",
        "author": _share(author_ok(p, r) for p, r in authored),
        "date": _share(days_off(p, r) == 0 for p, r in dated),
        "date ±1d": _share(days_off(p, r) <= 1 for p, r in dated),
    }


def _share(hits: object) -> str:
    values = list(hits)  # type: ignore[call-overload]
    return f"{statistics.fmean(values):.3f} ({len(values)})" if values else "-"


def import_time(module: str, runs: int = 5) -> float:
    """Median seconds to import module in a fresh interpreter, less the bare interpreter."""

    def wall(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    bare = statistics.median(wall("pass") for _ in range(runs))
    return statistics.median(wall(f"import {module}") for _ in range(runs)) - bare


def installed_size(distributions: list[str]) -> dict[str, float]:
    """Installed megabytes of each distribution (its RECORD's files)."""
    sizes = {}
    for name in distributions:
        files = [Path(str(f.locate())) for f in metadata.distribution(name).files or []]
        total = sum(f.stat().st_size for f in files if f.is_file())
        sizes[name] = total / 1e6
    return sizes


def _row(name: str, cells: dict[str, str], extra: str) -> str:
    return f"| {name} | " + " | ".join(cells.values()) + f" | {extra} |"


def main() -> None:
    """Score every extractor and print one markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N pages")
    parser.add_argument("--runs", type=int, default=3, help="timed passes per extractor")
    parser.add_argument("--only", choices=EXTRACTORS, action="append", help="just these")
    args = parser.parse_args()

    pages = load_pages(args.limit)
    halves = {
        "all": pages,
        "dev (odd)": [p for p in pages if p.number % 2],
        "check (even)": [p for p in pages if not p.number % 2],
    }
    header = ["extractor", "set", *score(pages[:1], [Result("", None, None, None)]), "pages/s"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name in args.only or EXTRACTORS:
        extractor = EXTRACTORS[name]
        extractor(pages[0])  # warm-up: lazy imports and caches are not extraction time
        passes = [time_pass(extractor, pages) for _ in range(args.runs)]
        speed = len(pages) / statistics.median(seconds for _, seconds in passes)
        by_number = dict(zip((p.number for p in pages), passes[0][0], strict=True))
        for label, subset in halves.items():
            cells = score(subset, [by_number[p.number] for p in subset])
            print(_row(name, {"set": label, **cells}, f"{speed:.1f}" if label == "all" else ""))

    deps = ["lxml", "nh3", "readability-lxml", "lxml_html_clean", "cssselect", "chardet"]
    imported = [d for d in deps if _imported_by_techfeed(d)]
    sizes = installed_size(imported)
    print()
    print(f"import techfeed.extract: {import_time('techfeed.extract') * 1000:.0f} ms")
    print(
        "installed size of what it imports: "
        + ", ".join(f"{name} {mb:.1f} MB" for name, mb in sizes.items())
        + f" (total {sum(sizes.values()):.1f} MB)"
    )
    if "trafilatura" in (args.only or EXTRACTORS):
        print(f"trafilatura {metadata.version('trafilatura')} (bench only)")


def _imported_by_techfeed(distribution: str) -> bool:
    """Whether importing techfeed.extract loads any top-level module of distribution."""
    dist = metadata.distribution(distribution)
    tops = (dist.read_text("top_level.txt") or "").split()
    tops = tops or sorted({str(f.parts[0]) for f in dist.files or [] if f.suffix == ".py"})
    code = "import sys, techfeed.extract; print(' '.join(sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    return any(top in loaded.split() for top in tops)


if __name__ == "__main__":
    main()
