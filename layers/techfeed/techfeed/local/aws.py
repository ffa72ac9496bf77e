"""Embedded AWS for the local stack: moto in server mode on 127.0.0.1, made durable by a journal.

moto keeps everything in memory, so every write it acknowledges (DynamoDB mutations, S3 PUT,
POST and DELETE) is first appended to `<state-dir>/journal.bin` and fsync'd; on start the journal
is replayed into a fresh moto. A Ctrl-C, a kill or a crash therefore loses nothing that a client
was told had been stored. Writes are serialized so the journal's order is the order applied.
"""

from __future__ import annotations

import fcntl
import gc
import io
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from techfeed.local import StackUnavailable
from techfeed.local.journal import Journal, Request

REGION = "ap-northeast-2"
TABLE_NAME = "techfeed"
BUCKET = "techfeed-local"
QUEUE_NAME = "techfeed-crawl"

_DYNAMODB_READS = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "Query",
        "Scan",
        "TransactGetItems",
        "DescribeTable",
        "ListTables",
        "DescribeTimeToLive",
        "DescribeContinuousBackups",
        "ListTagsOfResource",
        "DescribeEndpoints",
        "DescribeStream",
        "GetShardIterator",
        "GetRecords",
        "ListStreams",
    }
)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class StateDirBusy(StackUnavailable):
    """Another techfeed process owns the state directory."""


def _is_write(environ: dict[str, Any]) -> bool:
    """Whether a request changes DynamoDB or S3: the state that must survive a restart.

    Other services (the local SQS queue) are transient, as their messages are.
    """
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target.startswith("DynamoDB_"):
        return target.rpartition(".")[2] not in _DYNAMODB_READS
    is_s3 = "/s3/aws4_request" in str(environ.get("HTTP_AUTHORIZATION", ""))
    return is_s3 and environ["REQUEST_METHOD"] in ("PUT", "POST", "DELETE")


def _request_of(environ: dict[str, Any], body: bytes) -> Request:
    headers = [
        (key[5:].replace("_", "-").title(), str(value))
        for key, value in environ.items()
        if key.startswith("HTTP_") and key not in ("HTTP_CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING")
    ]
    if environ.get("CONTENT_TYPE"):
        headers.append(("Content-Type", environ["CONTENT_TYPE"]))
    raw_path = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"])
    return Request(
        method=environ["REQUEST_METHOD"],
        path=raw_path.partition("?")[0],
        query=str(environ.get("QUERY_STRING", "")),
        headers=headers,
        body=body,
    )


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        return bytes(stream.read(int(length)))
    if environ.get("wsgi.input_terminated"):
        return bytes(stream.read())
    return b""


class JournaledApp:
    """WSGI middleware: apply a write, journal it if it succeeded, then acknowledge it."""

    def __init__(self, app: WSGIApp, journal: Journal) -> None:
        self._app = app
        self._journal = journal
        self._lock = threading.Lock()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Serve one request."""
        if not _is_write(environ):
            if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB"):
                return self._app(environ, start_response)
            # moto's DynamoDB is not safe for a read during a transaction, which deep-copies
            # the table: DynamoDB reads wait for writes too.
            with self._lock:
                return _collect(self._app, environ, start_response)
        body = _read_body(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers, exc_info]
            return lambda _data: None

        with self._lock:
            chunks = _collect(self._app, environ, capture)
            if captured and captured[0][:1] == "2":
                self._journal.append(_request_of(environ, body))
        start_response(*captured)
        return chunks


def _collect(
    app: WSGIApp, environ: dict[str, Any], start_response: Callable[..., Any]
) -> list[bytes]:
    """Run a WSGI app to completion (so a lock held around it covers all its work)."""
    result = app(environ, start_response)
    try:
        return list(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def _replay(app: WSGIApp, requests: Iterable[Request]) -> int:
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    count = 0
    for req in requests:
        headers = [(k, v) for k, v in req.headers if k.lower() != "content-type"]
        content_type = next((v for k, v in req.headers if k.lower() == "content-type"), None)
        builder = EnvironBuilder(
            path=req.path,
            method=req.method,
            query_string=req.query,
            headers=headers,
            data=req.body,
            content_type=content_type,
        )
        try:
            _, status, _ = run_wsgi_app(app, builder.get_environ(), buffered=True)
        finally:
            builder.close()
        if not status.startswith("2"):
            raise RuntimeError(f"journal replay failed at record {count}: {req.method} {req.path}")
        count += 1
    return count


def client_environment(endpoint_url: str) -> dict[str, str]:
    """The environment that points boto3, pynamodb and the Store at the embedded AWS."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": "techfeed-local",
        "AWS_SECRET_ACCESS_KEY": "techfeed-local",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "TECHFEED_TABLE": TABLE_NAME,
        "TECHFEED_BUCKET": BUCKET,
    }


@dataclass
class EmbeddedAWS:
    """moto's DynamoDB and S3 on 127.0.0.1, persisted under state_dir."""

    state_dir: Path
    port: int = 0
    endpoint_url: str = ""
    replayed: int = 0

    def __post_init__(self) -> None:
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._lock_file: TextIO | None = None
        self._journal = Journal(self.state_dir / "journal.bin")

    def start(self) -> str:
        """Take the state dir, replay its journal into a fresh moto, and serve; return the URL."""
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        from techfeed.local import moto_patches

        moto_patches.install()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file = _take_lock(self.state_dir)
        app = DomainDispatcherApplication(create_backend_app)
        _reset_moto(app)
        self.replayed = _replay(app, self._journal.replay())
        # The replayed store lives as long as the process: spare every full collection from
        # walking it (a second or more per pass at 100,000 articles, paid by whichever request).
        gc.freeze()
        self._server = make_server(
            "127.0.0.1",
            self.port,
            JournaledApp(app, self._journal),
            threaded=True,
            request_handler=_quiet(MotoRequestHandler),
        )
        self.port = self._server.server_address[1]
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        (self.state_dir / "endpoint.json").write_text(
            json.dumps({"endpoint_url": self.endpoint_url, "pid": os.getpid()})
        )
        return self.endpoint_url

    def stop(self) -> None:
        """Stop serving and release the state dir; the journal already holds every write."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._journal.close()
        (self.state_dir / "endpoint.json").unlink(missing_ok=True)
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def _quiet(handler: type[Any]) -> type[Any]:
    """A request handler that does not log every request to stderr."""

    class Quiet(handler):  # type: ignore[misc]
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    return Quiet


def _take_lock(state_dir: Path) -> TextIO:
    lock_file = (state_dir / "lock").open("w")
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock_file.close()
        raise StateDirBusy(f"{state_dir} is in use by another techfeed process") from None
    return lock_file


def _reset_moto(app: WSGIApp) -> None:
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    builder = EnvironBuilder(path="/moto-api/reset", method="POST")
    run_wsgi_app(app, builder.get_environ(), buffered=True)


def running_endpoint(state_dir: Path) -> str | None:
    """The endpoint of a `techfeed run` that owns state_dir, or None when none does."""
    marker = state_dir / "endpoint.json"
    if not marker.exists():
        return None
    try:
        _take_lock(state_dir).close()
    except StateDirBusy:
        return str(json.loads(marker.read_text())["endpoint_url"])
    return None


@contextmanager
def local_aws(state_dir: Path, *, own: bool = False) -> Iterator[str]:
    """Use the running stack's embedded AWS for state_dir, or start one for the duration.

    With own=True, a running stack on state_dir is an error instead of being reused.
    """
    from techfeed.local.secrets import state_secret

    # The API signs list cursors with it; every process on this state dir signs alike.
    os.environ.setdefault("TECHFEED_CURSOR_SECRET", state_secret(state_dir / "cursor.key"))
    endpoint = None if own else running_endpoint(state_dir)
    if endpoint is not None:
        _export(client_environment(endpoint))
        _ensure_resources()
        yield endpoint
        return
    aws = EmbeddedAWS(state_dir)
    endpoint = aws.start()
    try:
        _export(client_environment(endpoint))
        _ensure_resources()
        yield endpoint
    finally:
        aws.stop()


def _export(env: dict[str, str]) -> None:
    os.environ.update(env)


def _ensure_resources() -> None:
    import boto3

    from techfeed.store.schema import ensure_bucket, ensure_table

    ensure_table(boto3.client("dynamodb"), os.environ["TECHFEED_TABLE"])
    ensure_bucket(boto3.client("s3"), os.environ["TECHFEED_BUCKET"])
    queue = boto3.client("sqs").create_queue(QueueName=QUEUE_NAME)
    os.environ["TECHFEED_QUEUE_URL"] = queue["QueueUrl"]
