"""Article bodies in S3 (I/O): the raw page gzipped, the clean HTML as served."""

from __future__ import annotations

import gzip
from typing import Any


def raw_key(source_id: str, article_id: str) -> str:
    """S3 key of an article's raw page."""
    return f"raw/{source_id}/{article_id}.html.gz"


def content_key(article_id: str) -> str:
    """S3 key of an article's clean HTML."""
    return f"content/{article_id}.html"


class Blobs:
    """Reads and writes article bodies in one bucket through a boto3 S3 client."""

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def put_raw(self, source_id: str, article_id: str, html_bytes: bytes) -> str:
        """Store the raw page as a plain .gz object (no Content-Encoding) and return its key."""
        key = raw_key(source_id, article_id)
        # mtime=0 so the same page always makes the same bytes.
        body = gzip.compress(html_bytes, mtime=0)
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="application/gzip")
        return key

    def put_content(self, article_id: str, html: str) -> str:
        """Store the clean HTML and return its key."""
        key = content_key(article_id)
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=html.encode("utf-8"),
            ContentType="text/html; charset=utf-8",
        )
        return key

    def get_content(self, article_id: str) -> str | None:
        """The clean HTML of an article, or None when there is none."""
        body = self._get(content_key(article_id))
        return None if body is None else body.decode("utf-8")

    def get_raw(self, source_id: str, article_id: str) -> bytes | None:
        """The raw page of an article, gunzipped, or None when there is none."""
        body = self._get(raw_key(source_id, article_id))
        return None if body is None else gzip.decompress(body)

    def _get(self, key: str) -> bytes | None:
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key)
        except self._s3.exceptions.NoSuchKey:
            return None
        body: bytes = response["Body"].read()
        return body
