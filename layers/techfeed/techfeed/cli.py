"""The `techfeed` command: run the local stack, crawl, extract, tag, invoke handlers, list sources."""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import logging
import os
import signal
import sys
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any, TextIO

from techfeed.local import StackUnavailable
from techfeed.models import CrawlResult, CrawlStatus, Source, to_iso
from techfeed.sources import SourcesError, load_sources


class UsageError(Exception):
    """Bad input on the command line: printed as one line, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        status: int = args.func(args)
    except BrokenPipeError:
        # The reader left (`techfeed extract … | head`): stop quietly, as other tools do.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except StackUnavailable as exc:
        print(f"techfeed {args.command}: {exc}", file=sys.stderr)
        return 1
    except (UsageError, SourcesError, OSError) as exc:
        print(f"techfeed {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="techfeed", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="local stack: embedded DynamoDB + S3 and the scheduler")
    run.add_argument("--port", type=int, default=3000)
    _add_sources_file(run)
    _add_state_dir(run)
    run.add_argument("--no-schedule", action="store_true", help="do not crawl on a schedule")
    run.add_argument("-v", "--verbose", action="store_true")
    run.set_defaults(func=_cmd_run)

    crawl = commands.add_parser(
        "crawl",
        help="one crawl pass now, with a per-source summary",
        description="Crawl the sources once. Locally, new articles are then tagged with keywords "
        "(unless a `techfeed run` on the state dir does it).",
    )
    crawl.add_argument("--source", action="append", default=[], metavar="ID")
    _add_sources_file(crawl)
    _add_state_dir(crawl)
    crawl.add_argument("--aws", action="store_true", help="crawl into the deployed stack")
    crawl.add_argument("--json", action="store_true", help="one JSON object per source")
    crawl.add_argument("-v", "--verbose", action="store_true")
    crawl.set_defaults(func=_cmd_crawl)

    extract = commands.add_parser("extract", help="extract articles from saved HTML files")
    extract.add_argument("files", nargs="+", metavar="FILE")
    extract.add_argument("--url", help="the page's URL, for resolving links")
    extract.set_defaults(func=_cmd_extract)

    keywords = commands.add_parser(
        "keywords",
        help="keywords of text or HTML files",
        description='Print one JSON object per FILE and line: {"file", "keywords"}, the '
        "keywords strongest first. FILE is plain text (a first short line is the title) or "
        "HTML. Without a corpus, a prior stands in for document frequencies.",
    )
    keywords.add_argument("files", nargs="+", metavar="FILE")
    keywords.set_defaults(func=_cmd_keywords)

    retag = commands.add_parser(
        "retag",
        help="recompute every article's keywords (after a taxonomy change)",
        description="Recount the document frequencies over the stored articles, then "
        "recompute the keywords and summary of every article with the current taxonomy, move "
        "its keyword postings and recount the keywords; articles never tagged are tagged. "
        "Prints each changed article, then how many articles changed and for how many terms "
        "the recount moved a document frequency.",
    )
    _add_state_dir(retag)
    retag.add_argument("--aws", action="store_true", help="retag the deployed stack")
    retag.set_defaults(func=_cmd_retag)

    invoke = commands.add_parser("invoke", help="run a Lambda handler in-process on the stack")
    invoke.add_argument("function", metavar="FUNCTION")
    invoke.add_argument("event", type=Path, metavar="EVENT.json")
    _add_state_dir(invoke)
    invoke.set_defaults(func=_cmd_invoke)

    sources = commands.add_parser("sources", help="the registry, as a table")
    _add_sources_file(sources)
    sources.set_defaults(func=_cmd_sources)
    return parser


def _add_sources_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sources-file", type=Path, help="a YAML file shaped like sources.yaml")


def _add_state_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state-dir", type=Path, default=Path(".techfeed"))


def _cmd_sources(args: argparse.Namespace) -> int:
    rows = [
        [s.id, s.name, _interval(s), "yes" if s.enabled else "no", s.feed_url]
        for s in load_sources(args.sources_file)
    ]
    _print_table(["id", "name", "interval", "enabled", "feed"], rows, sys.stdout)
    return 0


def _cmd_crawl(args: argparse.Namespace) -> int:
    from techfeed.local.aws import running_endpoint
    from techfeed.local.runtime import crawler, local_stack, tag_new_articles

    sources = _select(load_sources(args.sources_file), args.source)
    # In AWS the stream triggers the keywords function; a running stack has its own pump.
    tag = not args.aws and running_endpoint(args.state_dir) is None
    with local_stack(args.state_dir, aws=args.aws) as store:
        crawl_one = crawler(store)
        results = _crawl_all(sources, crawl_one, progress=None if args.json else sys.stderr)
        if tag:
            tag_new_articles(verbose=args.verbose)
    if args.json:
        for result in results:
            print(json.dumps(_result_json(result), ensure_ascii=False))
    else:
        _print_summary(results, sys.stdout)
    return 1 if any(r.status is CrawlStatus.FAILED for r in results) else 0


def _select(sources: list[Source], wanted: list[str]) -> list[Source]:
    if not wanted:
        return [s for s in sources if s.enabled]
    by_id = {s.id: s for s in sources}
    unknown = [w for w in wanted if w not in by_id]
    if unknown:
        raise UsageError(f"unknown source {', '.join(unknown)} (see `techfeed sources`)")
    return [by_id[w] for w in wanted]


def _crawl_all(
    sources: list[Source], crawl_one: Callable[[Source], CrawlResult], progress: TextIO | None
) -> list[CrawlResult]:
    results: dict[str, CrawlResult] = {}
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {pool.submit(crawl_one, s): s for s in sources}
        for done, future in enumerate(as_completed(futures), 1):
            source = futures[future]
            try:
                result = future.result()
            except Exception as exc:
                result = CrawlResult(source.id, CrawlStatus.FAILED, error=f"internal: {exc!r}")
            results[source.id] = result
            if progress is not None:
                print(f"[{done}/{len(sources)}] {_progress_line(result)}", file=progress)
    return [results[s.id] for s in sources]


def _progress_line(result: CrawlResult) -> str:
    if result.status is CrawlStatus.FAILED:
        return f"{result.source_id}: failed: {result.error}"
    if result.status is CrawlStatus.NOT_MODIFIED:
        return f"{result.source_id}: not modified"
    return f"{result.source_id}: {result.new} new, {result.unchanged} unchanged"


def _result_json(result: CrawlResult) -> dict[str, Any]:
    return {
        "source": result.source_id,
        "status": result.status.value,
        "new": result.new,
        "error": result.error,
    }


def _print_summary(results: list[CrawlResult], out: TextIO) -> None:
    rows = [
        [
            r.source_id,
            r.status.value,
            str(r.new),
            str(r.unchanged),
            str(r.failed_entries),
            r.error or "",
        ]
        for r in results
    ]
    _print_table(["source", "status", "new", "unchanged", "failed", "reason"], rows, out)
    failed = sum(r.status is CrawlStatus.FAILED for r in results)
    new = sum(r.new for r in results)
    print(f"\n{len(results)} sources: {new} new articles, {failed} failed", file=out)


def _print_table(header: list[str], rows: list[list[str]], out: TextIO) -> None:
    widths = [max(_width(c) for c in col) for col in zip(header, *rows, strict=False)]
    for row in [header, *rows]:
        cells = [c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)]
        print("  ".join(cells).rstrip(), file=out)


def _width(text: str) -> int:
    # Hangul and other wide characters take two terminal columns.
    return sum(2 if "\u1100" <= ch <= "\uffdc" and not ch.isascii() else 1 for ch in text)


def _interval(source: Source) -> str:
    minutes = int(source.interval.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


class NotADocument(Exception):
    """A file that is neither text nor HTML (an image, an archive): skipped with a message."""


# A gzipped page is read whole, up to this much (a small archive can unpack to gigabytes).
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def _read_document(path: Path) -> str:
    """A file's text, as the crawler decodes a page (BOM, <meta> charset or detection); a
    gzipped file is unpacked first. Raises OSError, or NotADocument for binary data."""
    from techfeed.fetch import decode_html

    data = path.read_bytes()
    if data.startswith(b"\x1f\x8b"):
        try:
            with gzip.open(io.BytesIO(data)) as unpacked:
                data = unpacked.read(MAX_DOCUMENT_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise NotADocument(f"a broken gzip file ({exc})") from None
        if len(data) > MAX_DOCUMENT_BYTES:
            raise NotADocument(f"unpacks to more than {MAX_DOCUMENT_BYTES >> 20} MiB")
    text = decode_html(data, None)
    # Text has no NUL and few undecodable bytes; images, archives and executables have both.
    if "\x00" in text or text.count("\ufffd") > len(text) // 20:
        raise NotADocument("binary data, not text or HTML")
    return text


def _reason(error: Exception) -> str:
    """Why a file was skipped, in a few words ("No such file or directory")."""
    return getattr(error, "strerror", None) or str(error)


def _cmd_extract(args: argparse.Namespace) -> int:
    from techfeed.extract import extract_article

    status = 0
    for name in args.files:
        path = Path(name)
        try:
            html = _read_document(path)
        except (OSError, NotADocument) as exc:
            print(f"techfeed extract: {name}: {_reason(exc)}", file=sys.stderr)
            status = 1
            continue
        body = extract_article(html, args.url or path.resolve().as_uri())
        record = {
            "file": name,
            "title": body.title,
            "author": body.author,
            "published": to_iso(body.published_at) if body.published_at else None,
            "text": body.text,
            "content_html": body.content_html,
            "summary": body.summary,
        }
        print(json.dumps(record, ensure_ascii=False))
    return status


def _cmd_keywords(args: argparse.Namespace) -> int:
    from lxml.etree import LxmlError

    from techfeed.keywords import KeywordExtractor
    from techfeed.plaintext import text_of

    extractor: KeywordExtractor | None = None
    status = 0
    for name in args.files:
        try:
            title, text = text_of(_read_document(Path(name)))
        except (OSError, NotADocument) as exc:
            print(f"techfeed keywords: {name}: {_reason(exc)}", file=sys.stderr)
            status = 1
            continue
        except (ValueError, LxmlError) as exc:  # markup lxml cannot read at all
            print(f"techfeed keywords: {name}: not readable as HTML: {exc}", file=sys.stderr)
            status = 1
            continue
        extractor = extractor or KeywordExtractor()
        keywords = [k.name for k in extractor.extract(title, text)]
        print(json.dumps({"file": name, "keywords": keywords}, ensure_ascii=False), flush=True)
    return status


def _cmd_retag(args: argparse.Namespace) -> int:
    from techfeed.keywords import KeywordExtractor
    from techfeed.local.runtime import local_stack
    from techfeed.tagging import READ_AHEAD, TagOutcome, TagStatus, retag_all

    tally: Counter[TagStatus] = Counter()

    def progress(outcome: TagOutcome) -> None:
        tally[outcome.status] += 1
        if outcome.status in (TagStatus.RETAGGED, TagStatus.TAGGED):
            print(f"{outcome.article_id}: {', '.join(outcome.keywords)}", file=sys.stderr)

    with local_stack(args.state_dir, aws=args.aws) as store:
        print("recounting document frequencies, then retagging...", file=sys.stderr)
        # The embedded S3 answers from this process at once: no wait for threads to hide.
        ahead = READ_AHEAD if args.aws else 0
        done = retag_all(
            store=store, extractor=KeywordExtractor, progress=progress, read_ahead=ahead
        )
    print(
        f"{done.articles} articles: {tally[TagStatus.RETAGGED]} with new keywords or summary, "
        f"{tally[TagStatus.TAGGED]} tagged for the first time; "
        f"document frequencies recounted for {done.recounted_terms} terms"
    )
    return 0


def _cmd_invoke(args: argparse.Namespace) -> int:
    from techfeed.local.invoke import UnknownFunction, invoke
    from techfeed.local.runtime import local_stack

    try:
        event = json.loads(args.event.read_text())
    except json.JSONDecodeError as exc:
        raise UsageError(f"{args.event}: not JSON: {exc}") from None
    # Handlers log to stdout, as Lambda expects; here stdout is for the result alone.
    with local_stack(args.state_dir), contextlib.redirect_stdout(sys.stderr):
        try:
            result = invoke(args.function, event)
        except UnknownFunction as exc:
            raise UsageError(str(exc)) from None
        except Exception as exc:  # the handler failed: answer as Lambda does, exit 1
            logging.getLogger("techfeed.invoke").debug("handler failed", exc_info=True)
            failure = {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_tb(exc.__traceback__),
            }
            print(json.dumps(failure, ensure_ascii=False, indent=2), file=sys.__stdout__)
            return 1
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from techfeed.local.runtime import run_stack

    sources = load_sources(args.sources_file)
    stop = threading.Event()

    def on_interrupt(*_: object) -> None:
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C interrupts

    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Set, not inherited: a shell without job control starts `techfeed run &` with SIGINT
    # ignored, and `kill -INT` (or `pkill -INT`) must stop it as Ctrl-C does.
    signal.signal(signal.SIGINT, on_interrupt)
    with contextlib.suppress(KeyboardInterrupt):
        run_stack(
            args.state_dir,
            sources,
            sources_file=args.sources_file,
            port=args.port,
            schedule=not args.no_schedule,
            verbose=args.verbose,
            stop=stop,
            on_result=lambda r: print(_progress_line(r), flush=True),
        )
    print("techfeed: stopped; every stored article is kept", flush=True)
    return 0
