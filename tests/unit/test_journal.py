"""The embedded AWS's journal: durable appends, torn tails cut, only writes recorded."""

from __future__ import annotations

from pathlib import Path

from techfeed.local.aws import _is_write
from techfeed.local.journal import Journal, Request


def _request(n: int) -> Request:
    return Request("PUT", f"/bucket/key-{n}", "", [("Host", "127.0.0.1")], b"body \x00\xff %d" % n)


def test_records_round_trip_in_order(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.bin")
    for n in range(3):
        journal.append(_request(n))
    journal.close()
    assert list(Journal(tmp_path / "journal.bin").replay()) == [_request(n) for n in range(3)]


def test_a_torn_tail_is_cut_and_later_appends_survive(tmp_path: Path) -> None:
    path = tmp_path / "journal.bin"
    journal = Journal(path)
    journal.append(_request(0))
    journal.append(_request(1))
    journal.close()
    # A kill in the middle of the second record's write.
    path.write_bytes(path.read_bytes()[:-5])
    assert list(Journal(path).replay()) == [_request(0)]
    journal = Journal(path)
    journal.append(_request(2))
    journal.close()
    assert list(Journal(path).replay()) == [_request(0), _request(2)]


def test_a_corrupted_record_stops_replay(tmp_path: Path) -> None:
    path = tmp_path / "journal.bin"
    journal = Journal(path)
    journal.append(_request(0))
    journal.close()
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    assert list(Journal(path).replay()) == []


def _environ(method: str, **headers: str) -> dict[str, str]:
    return {"REQUEST_METHOD": method, "PATH_INFO": "/", **headers}


def test_only_dynamodb_and_s3_writes_are_journaled() -> None:
    s3_auth = "AWS4-HMAC-SHA256 Credential=x/20261123/ap-northeast-2/s3/aws4_request"
    sqs_auth = "AWS4-HMAC-SHA256 Credential=x/20261123/ap-northeast-2/sqs/aws4_request"
    put_item = "DynamoDB_20120810.PutItem"
    assert _is_write(_environ("POST", HTTP_X_AMZ_TARGET=put_item))
    assert _is_write(_environ("POST", HTTP_X_AMZ_TARGET="DynamoDB_20120810.TransactWriteItems"))
    assert not _is_write(_environ("POST", HTTP_X_AMZ_TARGET="DynamoDB_20120810.Query"))
    assert not _is_write(_environ("POST", HTTP_X_AMZ_TARGET="DynamoDB_20120810.BatchGetItem"))
    assert _is_write(_environ("PUT", HTTP_AUTHORIZATION=s3_auth))
    assert _is_write(_environ("DELETE", HTTP_AUTHORIZATION=s3_auth))
    assert not _is_write(_environ("GET", HTTP_AUTHORIZATION=s3_auth))
    assert not _is_write(_environ("POST", HTTP_AUTHORIZATION=sqs_auth))
