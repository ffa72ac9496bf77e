"""A cheaper rollback for moto's DynamoDB transactions, for the embedded AWS and moto tests.

moto backs a transaction up by deep-copying the whole table once per action: the tagging
transaction (about 92 actions) copies the table 92 times, which takes minutes once a local
table holds a real corpus. This keeps moto's transaction logic and replaces its backup: the
items the actions name are copied, and put back, with the stream cut back, when it is cancelled.
"""

from __future__ import annotations

import copy
from typing import Any

_installed = False


class _TablesAsThemselves:
    """`copy` as moto.dynamodb.models sees it: a table's deep copy is the table itself."""

    copy = staticmethod(copy.copy)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        """Deep-copy anything but a table (moto copies tables only to back up transactions)."""
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def install_transaction_backup() -> None:
    """Patch moto's DynamoDB backend in this process (once; later calls do nothing)."""
    global _installed
    if _installed:
        return
    from moto.dynamodb import models

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        backup = _backup(self, transact_items)
        try:
            original(self, transact_items)
        except BaseException:
            _restore(*backup)
            raise

    models.copy = _TablesAsThemselves  # type: ignore[attr-defined,assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _installed = True


Saved = tuple[Any, Any, Any, Any]  # table, hash key, range key (or None), the item (or None)


def _backup(
    backend: Any, transact_items: list[dict[str, Any]]
) -> tuple[list[Saved], dict[int, tuple[Any, int]]]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    items: list[Saved] = []
    streams: dict[int, tuple[Any, int]] = {}
    for entry in transact_items:
        operation: dict[str, Any] = next(iter(entry.values()), {})
        table = backend.tables.get(operation.get("TableName"))
        if table is None:
            continue
        key = operation.get("Key") or operation.get("Item") or {}
        try:
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        except (KeyError, TypeError):
            continue  # a malformed action: moto rejects it before writing it
        items.append(
            (table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key)))
        )
        if table.stream_shard is not None:
            streams.setdefault(id(table), (table.stream_shard, len(table.stream_shard.items)))
    return items, streams


def _restore(items: list[Saved], streams: dict[int, tuple[Any, int]]) -> None:
    for table, hash_key, range_key, saved in reversed(items):
        bucket, key = (
            (table.items, hash_key) if range_key is None else (table.items[hash_key], range_key)
        )
        if saved is None:
            bucket.pop(key, None)
        else:
            bucket[key] = saved
    for shard, length in streams.values():
        del shard.items[length:]
