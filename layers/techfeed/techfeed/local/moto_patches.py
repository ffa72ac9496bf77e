"""Faster transactions, queries and responses for moto's DynamoDB (embedded AWS, moto tests).

Transactions: moto backs one up by deep-copying the whole table once per action; the tagging
transaction (about 92 actions) copies the table 92 times, which takes minutes once a local table
holds a real corpus. This keeps moto's transaction logic and replaces its backup: the items the
actions name are copied, and put back, with the stream cut back, when it is cancelled.

Queries: moto answers every Query by sorting the whole table (seconds per page at 100,000
items). This keeps, per table and per index, each partition's items sorted as moto sorts them,
built on the first query and kept up to date by every write; a query bisects to its key
condition and its ExclusiveStartKey and reads only its page. The answer (items, counts,
LastEvaluatedKey) is moto's own; queries it does not cover (multi-attribute keys, a legacy
QueryFilter, an index without a sort key) still go to moto's.

Responses: moto serializes an attribute value by trying each of the ten members of its shape
(70 ms for a page of 20 articles); a value of strings, numbers, booleans, maps and lists is
written out as it is, which is what that comes to.
"""

from __future__ import annotations

import copy
import functools
import threading
import weakref
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

_installed = False

# One lock over every patched read and write, so a query never sees a write half-indexed.
_lock = threading.RLock()

SortKey = tuple[Any, ...]  # the native values of moto's sort attributes, in its order
ViewSpec = tuple[tuple[str, ...], tuple[str, ...]]  # sort attributes, their declared types
Saved = tuple[Any, Any, Any, Any]  # table, hash key, range key (or None), the item (or None)

_RANGE_OPERATORS = frozenset({"=", "<", "<=", ">", ">=", "BETWEEN", "BEGINS_WITH"})


class _TablesAsThemselves:
    """`copy` as moto.dynamodb.models sees it: a table's deep copy is the table itself."""

    copy = staticmethod(copy.copy)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        """Deep-copy anything but a table (moto copies tables only to back up transactions)."""
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def install() -> None:
    """Patch moto's DynamoDB in this process (once; later calls do nothing)."""
    global _installed
    with _lock:
        if _installed:
            return
        _install_transaction_backup()
        _install_query_index()
        _install_attribute_value_output()
        _installed = True


def _install_transaction_backup() -> None:
    from moto.dynamodb import models

    original = models.DynamoDBBackend.transact_write_items

    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with _lock:
            backup = _backup(self, transact_items)
            try:
                original(self, transact_items)
            except BaseException:
                _restore(*backup)
                raise

    models.copy = _TablesAsThemselves  # type: ignore[attr-defined,assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


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
        _reindex(table, hash_key, range_key)
    for shard, length in streams.values():
        del shard.items[length:]


class _Unindexable(Exception):
    """An item's key attribute is not of its declared type: only moto's query can order it."""


class _View:
    """A table or index's items by partition, each partition sorted as moto sorts it.

    A partition is two parallel lists, the sort keys and the items; `placed` maps an item's
    primary key to its sort key, whose first value is its partition.
    """

    def __init__(self, spec: ViewSpec) -> None:
        self.attributes, self.types = spec
        self.partitions: dict[Any, tuple[list[SortKey], list[Any]]] = {}
        self.placed: dict[tuple[Any, Any], SortKey] = {}

    def sort_key(self, item: Any) -> SortKey | None:
        """The item's sort key, or None when it lacks a key attribute (so is not indexed)."""
        values = []
        for name, declared in zip(self.attributes, self.types, strict=True):
            value = item.attrs.get(name)
            if value is None:
                return None
            if value.type != declared:
                raise _Unindexable(name)
            values.append(value.cast_value)
        return tuple(values)

    def remove(self, primary: tuple[Any, Any]) -> None:
        """Take the item with this primary key out, if it is in."""
        key = self.placed.pop(primary, None)
        if key is None:
            return
        keys, items = self.partitions[key[0]]
        at = bisect_left(keys, key)
        del keys[at], items[at]
        if not keys:
            del self.partitions[key[0]]

    def add(self, item: Any) -> None:
        """Put an item in at its place (it must not be in already)."""
        key = self.sort_key(item)
        if key is None:
            return
        keys, items = self.partitions.setdefault(key[0], ([], []))
        at = bisect_left(keys, key)
        keys.insert(at, key)
        items.insert(at, item)
        self.placed[(item.hash_key, item.range_key)] = key


# Per table, its views by spec; None marks a spec only moto's query can answer.
_views: weakref.WeakKeyDictionary[Any, dict[ViewSpec, _View | None]] = weakref.WeakKeyDictionary()


def _stored(table: Any) -> Iterator[Any]:
    """Every item of a table."""
    if table.range_key_attr is None:
        yield from table.items.values()
    else:
        for bucket in table.items.values():
            yield from bucket.values()


def _build(table: Any, spec: ViewSpec) -> _View | None:
    view = _View(spec)
    rows: defaultdict[Any, list[tuple[SortKey, Any]]] = defaultdict(list)
    try:
        for item in _stored(table):
            key = view.sort_key(item)
            if key is not None:
                rows[key[0]].append((key, item))
        for partition, found in rows.items():
            found.sort(key=itemgetter(0))
            view.partitions[partition] = ([key for key, _ in found], [item for _, item in found])
            view.placed.update(((item.hash_key, item.range_key), key) for key, item in found)
    except (_Unindexable, TypeError):
        return None
    return view


def _view(table: Any, spec: ViewSpec) -> _View | None:
    views = _views.setdefault(table, {})
    if spec not in views:
        views[spec] = _build(table, spec)
    return views[spec]


def _reindex(table: Any, hash_key: Any, range_key: Any) -> None:
    """Bring every view of a table up to date with the item now stored under this key."""
    with _lock:
        views = _views.get(table)
        if not views:
            return
        if table.range_key_attr is None:
            current = table.items.get(hash_key)
        else:
            current = table.items.get(hash_key, {}).get(range_key)
        primary = (hash_key, range_key)
        for spec, view in views.items():
            if view is None:
                continue
            try:
                view.remove(primary)
                if current is not None:
                    view.add(current)
            except (_Unindexable, TypeError):
                views[spec] = None


def _install_query_index() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    put_item, delete_item, query = Table.put_item, Table.delete_item, Table.query
    update_item = models.DynamoDBBackend.update_item

    @functools.wraps(put_item)
    def put_item_indexed(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            item = put_item(self, *args, **kwargs)
            _reindex(self, item.hash_key, item.range_key)
            return item

    @functools.wraps(delete_item)
    def delete_item_indexed(self: Any, hash_key: Any, range_key: Any) -> Any:
        with _lock:
            try:
                return delete_item(self, hash_key, range_key)
            finally:
                _reindex(self, hash_key, range_key)

    # update_item changes a stored item in place, where Table's methods never see it.
    @functools.wraps(update_item)
    def update_item_indexed(
        self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        with _lock:
            try:
                return update_item(self, table_name, key, *args, **kwargs)
            finally:
                table = self.tables.get(table_name)
                if table is not None:
                    try:
                        hash_key = DynamoType(key[table.hash_key_attr])
                        range_key = (
                            DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
                        )
                    except (KeyError, TypeError, IndexError):
                        pass  # a key moto could not have written under
                    else:
                        _reindex(table, hash_key, range_key)

    @functools.wraps(query)
    def query_indexed(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            answer = _query(self, *args, **kwargs)
            return query(self, *args, **kwargs) if answer is None else answer

    Table.put_item = put_item_indexed  # type: ignore[method-assign]
    Table.delete_item = delete_item_indexed  # type: ignore[method-assign]
    Table.query = query_indexed  # type: ignore[method-assign]
    models.DynamoDBBackend.update_item = update_item_indexed  # type: ignore[method-assign]


def _spec(
    table: Any, index_name: str | None, consistent_read: bool
) -> tuple[str, str | None, ViewSpec] | None:
    """The hash and range attributes a query reads and its view, or None for moto's query."""
    from moto.dynamodb.models.table import GlobalSecondaryIndex

    if not index_name:
        hash_attrs, range_attrs = [table.hash_key_attr], [table.range_key_attr]
    else:
        index = next((i for i in table.all_indexes() if i.name == index_name), None)
        if index is None or (consistent_read and isinstance(index, GlobalSecondaryIndex)):
            return None  # moto's query raises the error
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
        if len(hashes) != 1 or len(ranges) != 1:
            return None
        hash_attrs, range_attrs = (
            [hashes[0], table.hash_key_attr],
            [ranges[0], table.range_key_attr],
        )
    attributes = tuple(table._generate_attr_to_sort_by(hash_attrs, range_attrs))
    declared = {a["AttributeName"]: a["AttributeType"] for a in table.attr}
    if any(name not in declared for name in attributes):
        return None
    return hash_attrs[0], range_attrs[0], (attributes, tuple(declared[a] for a in attributes))


def _query(
    table: Any,
    hash_key: Any,
    range_comparison: str | None,
    range_objs: list[Any],
    limit: int | None,
    exclusive_start_key: dict[str, Any] | None,
    scan_index_forward: bool,
    projection_expressions: list[list[str]] | None,
    index_name: str | None = None,
    consistent_read: bool = False,
    filter_expression: Any = None,
    hash_key_conditions: list[tuple[str, Any]] | None = None,
    range_key_conditions: list[tuple[str, str, list[Any]]] | None = None,
    **filter_kwargs: Any,
) -> tuple[list[Any], int, dict[str, Any] | None] | None:
    """Table.query's answer read off a view, or None when the query is moto's to answer."""
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT

    found = _spec(table, index_name, consistent_read)
    if found is None or filter_kwargs or (limit is not None and limit < 1):
        return None
    hash_attr, range_attr, spec = found
    declared = dict(zip(*spec, strict=True))
    conditions = range_key_conditions or []
    if len(hash_key_conditions or []) != 1 or len(conditions) > 1:
        return None
    name, partition = hash_key_conditions[0]  # type: ignore[index]
    if name != hash_attr or partition.type != declared[name]:
        return None
    if conditions:
        name, operator, _ = conditions[0]
        if (
            name != range_attr
            or operator != range_comparison
            or operator not in _RANGE_OPERATORS
            or len(range_objs) != (2 if operator == "BETWEEN" else 1)
            or any(value.type != declared[name] for value in range_objs)
            or (operator == "BEGINS_WITH" and declared[name] == "N")
        ):
            return None
    elif range_comparison:
        return None
    start: SortKey | None = None
    if exclusive_start_key is not None:
        try:
            values = [DynamoType(exclusive_start_key[name]) for name in spec[0]]
        except (KeyError, TypeError, IndexError, AttributeError):
            return None
        if any(v.type != t for v, t in zip(values, spec[1], strict=True)):
            return None
        start = tuple(v.cast_value for v in values)

    view = _view(table, spec)
    if view is None:
        return None
    keys, items = view.partitions.get(partition.cast_value, ([], []))
    range_values = [v.cast_value for v in range_objs]
    try:
        low, high = _bounds(keys, range_comparison if conditions else None, range_values)
        if scan_index_forward:
            at = low if start is None else max(low, bisect_right(keys, start))
        else:
            at = (high if start is None else min(high, bisect_left(keys, start))) - 1
    except TypeError:
        return None

    # moto's own loop, from the first item past the start key: a page ends when it is full
    # (or at 1 MB) and the partition holds one more item, matching its key condition or not.
    step = 1 if scan_index_forward else -1
    results: list[Any] = []
    size = 0
    last_key = None
    while 0 <= at < len(keys):
        item = items[at]
        item_size = item.size()
        if results and (len(results) == limit or size + item_size > RESULT_SIZE_LIMIT):
            last_key = table._get_last_evaluated_key(results[-1], index_name)
            break
        if not low <= at < high:
            break
        results.append(item)
        size += item_size
        at += step
    scanned = len(results)

    results = copy.deepcopy(results)
    if index_name:
        index = table.get_index(index_name)
        results = [index.project(item) for item in results]
    if filter_expression is not None:
        results = [item for item in results if filter_expression.expr(item)]
    if projection_expressions:
        results = [item.project(projection_expressions) for item in results]
    return results, scanned, last_key


def _bounds(keys: list[SortKey], operator: str | None, values: list[Any]) -> tuple[int, int]:
    """The positions [low, high) of the keys whose sort value (their second) meets a condition.

    The values that meet one are a run of the sorted keys, begins_with's too: cutting strings
    to the prefix's length keeps them in order, and the run is where the cut equals the prefix.
    """
    if operator is None:
        return 0, len(keys)
    if operator == "BEGINS_WITH":
        prefix = values[0]

        def cut(key: SortKey) -> Any:
            return key[1][: len(prefix)]

        return bisect_left(keys, prefix, key=cut), bisect_right(keys, prefix, key=cut)
    first = bisect_left(keys, values[0], key=itemgetter(1))  # the first >= the (low) value
    past = bisect_right(keys, values[-1], key=itemgetter(1))  # the first > the (high) value
    return {
        "=": (first, past),
        "<": (0, first),
        "<=": (0, past),
        ">": (past, len(keys)),
        ">=": (first, len(keys)),
        "BETWEEN": (first, past),
    }[operator]


def _install_attribute_value_output() -> None:
    from moto.core.serialize import BaseJSONSerializer

    original = BaseJSONSerializer._serialize_type_structure

    @functools.wraps(original)
    def serialize_structure(
        self: Any, serialized: dict[str, Any], value: Any, shape: Any, key: str
    ) -> None:
        if (
            key
            and shape.name == "AttributeValue"
            and self.service_model.service_name in ("dynamodb", "dynamodbstreams")
            and _in_wire_form(value)
        ):
            serialized[self.get_serialized_name(shape, key)] = value
        else:
            original(self, serialized, value, shape, key)

    BaseJSONSerializer._serialize_type_structure = serialize_structure  # type: ignore[method-assign,assignment]


_WIRE_SCALARS: dict[str, type] = {"S": str, "N": str, "BOOL": bool, "NULL": bool}


def _in_wire_form(value: Any) -> bool:
    """Whether an attribute value is one moto would serialize to itself: no binary, no sets."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    ((kind, inner),) = value.items()
    if kind == "M":
        return isinstance(inner, dict) and all(k and _in_wire_form(v) for k, v in inner.items())
    if kind == "L":
        return isinstance(inner, list) and all(_in_wire_form(v) for v in inner)
    scalar = _WIRE_SCALARS.get(kind)
    return scalar is not None and isinstance(inner, scalar)
