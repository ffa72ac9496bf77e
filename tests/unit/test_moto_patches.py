"""moto's DynamoDB patched by moto_patches answers queries, and writes responses, as moto does."""

from __future__ import annotations

import random
import threading
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core.serialize import BaseJSONSerializer
from moto.dynamodb.models.table import Table

from techfeed.store.schema import FEED_INDEX, SOURCE_INDEX, ensure_table

TABLE = "moto-patches-test"
# index (None: the table) -> its hash and range attribute and the partitions the test writes
VIEWS: dict[str | None, tuple[str, str, list[str]]] = {
    None: ("pk", "sk", ["P0", "P1", "P2"]),
    FEED_INDEX: ("gsi1pk", "gsi1sk", ["FEED", "OTHER"]),
    SOURCE_INDEX: ("gsi2pk", "gsi2sk", ["SOURCE#a", "SOURCE#b"]),
}
OPERATORS = ("=", "<", "<=", ">", ">=", "BETWEEN", "begins_with")


@pytest.fixture
def client(local_moto: None) -> Any:
    dynamodb = boto3.client("dynamodb")
    ensure_table(dynamodb, TABLE)
    return dynamodb


def sort_value(rng: random.Random) -> str:
    """A sort key from a small space, so that keys repeat and share prefixes."""
    value = f"2024-0{rng.randrange(1, 4)}-{rng.randrange(1, 13):02d}"
    return value if rng.random() < 0.5 else f"{value}#{rng.randrange(5)}"


def primary(rng: random.Random) -> dict[str, Any]:
    return {"pk": {"S": rng.choice(VIEWS[None][2])}, "sk": {"S": sort_value(rng)}}


def random_item(rng: random.Random) -> dict[str, Any]:
    item = primary(rng) | {"n": {"N": str(rng.randrange(10))}}
    for _, (hash_attr, range_attr, partitions) in list(VIEWS.items())[1:]:
        # Now and then an item lacks one key attribute of an index, so is not in it.
        if rng.random() < 0.85:
            item[hash_attr] = {"S": rng.choice(partitions)}
        if rng.random() < 0.85:
            item[range_attr] = {"S": sort_value(rng)}
    return item


def random_update(rng: random.Random) -> dict[str, Any]:
    attr = rng.choice(["gsi1sk", "gsi1pk", "gsi2sk", "n"])
    if attr != "n" and rng.random() < 0.25:
        return {"Key": primary(rng), "UpdateExpression": f"REMOVE {attr}"}
    value = {"N": str(rng.randrange(10))} if attr == "n" else {"S": sort_value(rng)}
    if attr == "gsi1pk":
        value = {"S": rng.choice(VIEWS[FEED_INDEX][2])}
    return {
        "Key": primary(rng),
        "UpdateExpression": f"SET {attr} = :v",
        "ExpressionAttributeValues": {":v": value},
    }


def write(client: Any, rng: random.Random) -> None:
    """One random write: a put, an update, a delete, a batch or a (maybe cancelled) transaction."""
    kind = rng.choice(["put", "put", "update", "update", "delete", "batch", "transaction"])
    if kind == "put":
        client.put_item(TableName=TABLE, Item=random_item(rng))
    elif kind == "update":
        client.update_item(TableName=TABLE, **random_update(rng))
    elif kind == "delete":
        client.delete_item(TableName=TABLE, Key=primary(rng))
    elif kind == "batch":
        requests: dict[str, dict[str, Any]] = {}
        for _ in range(rng.randrange(1, 6)):
            request = (
                {"PutRequest": {"Item": random_item(rng)}}
                if rng.random() < 0.7
                else {"DeleteRequest": {"Key": primary(rng)}}
            )
            key = request.get("PutRequest", {}).get("Item") or request["DeleteRequest"]["Key"]
            requests[key["pk"]["S"] + key["sk"]["S"]] = request
        client.batch_write_item(RequestItems={TABLE: list(requests.values())})
    else:
        actions: dict[str, dict[str, Any]] = {}
        for _ in range(rng.randrange(1, 5)):
            update = random_update(rng) | {"TableName": TABLE}
            actions[update["Key"]["pk"]["S"] + update["Key"]["sk"]["S"]] = {"Update": update}
        put = random_item(rng)
        actions.setdefault(
            put["pk"]["S"] + put["sk"]["S"], {"Put": {"TableName": TABLE, "Item": put}}
        )
        # About half are cancelled by a failing condition, after their other actions ran.
        condition = primary(rng)
        if rng.random() < 0.5 and condition["pk"]["S"] + condition["sk"]["S"] not in actions:
            actions["check"] = {
                "ConditionCheck": {
                    "TableName": TABLE,
                    "Key": condition,
                    "ConditionExpression": "attribute_exists(nope)",
                }
            }
        try:
            client.transact_write_items(TransactItems=list(actions.values()))
        except ClientError as error:
            assert error.response["Error"]["Code"] == "TransactionCanceledException"


def both_answers(client: Any, request: dict[str, Any]) -> dict[str, Any]:
    """The patched Query's answer, checked equal to moto's own Query's answer to it."""

    def forbidden(*_: Any) -> None:
        raise AssertionError("the patched Query read the whole table")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Table, "all_items", forbidden)
        patched = client.query(TableName=TABLE, **request)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Table, "query", Table.query.__wrapped__)  # type: ignore[attr-defined]
        reference = client.query(TableName=TABLE, **request)
    for answer in (patched, reference):
        answer.pop("ResponseMetadata")
    assert patched == reference, request
    return dict(patched)


def key_condition(
    rng: random.Random, index: str | None, partition: str, operator: str | None, held: list[str]
) -> tuple[str, dict[str, Any]]:
    """A key condition on the partition and its sort key, at random values, often held ones."""
    hash_attr, range_attr, _ = VIEWS[index]
    values: dict[str, Any] = {":h": {"S": partition}}
    expression = f"{hash_attr} = :h"
    low, high = sorted(
        rng.choice(held) if rng.random() < 0.6 else sort_value(rng) for _ in range(2)
    )
    if operator == "begins_with":
        values[":a"] = {"S": low[: rng.randrange(1, len(low) + 1)]}
        expression += f" AND begins_with({range_attr}, :a)"
    elif operator == "BETWEEN":
        values |= {":a": {"S": low}, ":b": {"S": high}}
        expression += f" AND {range_attr} BETWEEN :a AND :b"
    elif operator is not None:
        values[":a"] = {"S": low}
        expression += f" AND {range_attr} {operator} :a"
    return expression, values


def random_query(
    rng: random.Random, index: str | None, partition: str, operator: str | None, held: list[str]
) -> dict[str, Any]:
    hash_attr, range_attr, _ = VIEWS[index]
    expression, values = key_condition(rng, index, partition, operator, held)
    request: dict[str, Any] = {
        "KeyConditionExpression": expression,
        "ScanIndexForward": rng.random() < 0.5,
    }
    if index is not None:
        request["IndexName"] = index
    if rng.random() < 0.5:
        request["Limit"] = rng.randrange(1, 6)
    if rng.random() < 0.3:
        values[":n"] = {"N": str(rng.randrange(10))}
        request["FilterExpression"] = "n < :n"
    if rng.random() < 0.3:
        # A start key anywhere, held in the table or not.
        start = primary(rng) | {hash_attr: {"S": partition}, range_attr: {"S": sort_value(rng)}}
        request["ExclusiveStartKey"] = start
    request["ExpressionAttributeValues"] = values
    return request


def page_through(
    client: Any, index: str | None, partition: str, forward: bool, limit: int = 5
) -> list[dict[str, Any]]:
    """Every item of a partition, a few at a time, in the order read."""
    hash_attr, range_attr, _ = VIEWS[index]
    request: dict[str, Any] = {
        "KeyConditionExpression": f"{hash_attr} = :h",
        "ExpressionAttributeValues": {":h": {"S": partition}},
        "ScanIndexForward": forward,
        "Limit": limit,
    } | ({"IndexName": index} if index else {})
    items: list[dict[str, Any]] = []
    while True:
        answer = both_answers(client, request)
        for item in answer["Items"]:
            assert item[hash_attr] == {"S": partition} and range_attr in item
        items += answer["Items"]
        if "LastEvaluatedKey" not in answer:
            return items
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def test_queries_answer_as_moto_does_through_random_writes(client: Any) -> None:
    rng = random.Random(7)
    read = 0
    for _ in range(3):
        for _ in range(50):
            write(client, rng)
        for index, (_, range_attr, partitions) in VIEWS.items():
            partition = rng.choice(partitions)
            forward = page_through(client, index, partition, forward=True)
            assert page_through(client, index, partition, forward=False) == forward[::-1]
            # A first page one item short of the partition: the last page holds one item.
            page_through(client, index, partition, rng.random() < 0.5, max(1, len(forward) - 1))
            held = [item[range_attr]["S"] for item in forward]
            read += len(held)
            for operator in OPERATORS:
                request = random_query(rng, index, partition, operator, held or ["2024"])
                request.pop("Limit", None)
                # Then a page of exactly the items it matches: moto ends it with a start key
                # if the partition holds any item past them.
                matched = both_answers(client, request)["ScannedCount"]
                both_answers(client, request | {"Limit": max(1, matched)})
        for _ in range(10):
            index = rng.choice(list(VIEWS))
            partition = rng.choice([*VIEWS[index][2], "EMPTY"])
            some = rng.choice((None, *OPERATORS))
            both_answers(client, random_query(rng, index, partition, some, ["2024"]))
    assert read > 100  # the partitions held items all along


def test_a_cancelled_transaction_leaves_the_index_as_it_was(client: Any) -> None:
    def item(n: int) -> dict[str, Any]:
        return {
            "pk": {"S": f"ARTICLE#{n}"},
            "sk": {"S": "META"},
            "gsi1pk": {"S": "FEED"},
            "gsi1sk": {"S": f"2024-01-0{n}"},
        }

    def feed() -> list[str]:
        answer = both_answers(
            client,
            {
                "IndexName": FEED_INDEX,
                "KeyConditionExpression": "gsi1pk = :h",
                "ExpressionAttributeValues": {":h": {"S": "FEED"}},
                "ScanIndexForward": False,
            },
        )
        return [found["pk"]["S"] for found in answer["Items"]]

    for n in (1, 2):
        client.put_item(TableName=TABLE, Item=item(n))
    assert feed() == ["ARTICLE#2", "ARTICLE#1"]

    with pytest.raises(ClientError, match="TransactionCanceled"):
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "ARTICLE#1"}, "sk": {"S": "META"}},
                        "UpdateExpression": "SET gsi1sk = :v",
                        "ExpressionAttributeValues": {":v": {"S": "2024-01-09"}},
                    }
                },
                {
                    "Delete": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "ARTICLE#2"}, "sk": {"S": "META"}},
                    }
                },
                {"Put": {"TableName": TABLE, "Item": item(3)}},
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "ARTICLE#9"}, "sk": {"S": "META"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    assert feed() == ["ARTICLE#2", "ARTICLE#1"]


def test_concurrent_writes_never_show_a_query_a_half_moved_item(client: Any) -> None:
    count = 30
    for n in range(count):
        item = {"pk": {"S": f"A{n}"}, "sk": {"S": "META"}, "gsi1pk": {"S": "FEED"}}
        client.put_item(TableName=TABLE, Item=item | {"gsi1sk": {"S": f"{n:04d}"}})
    clients = [boto3.client("dynamodb") for _ in range(4)]
    failures: list[str] = []

    def move(mine: Any, seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(80):
            mine.update_item(
                TableName=TABLE,
                Key={"pk": {"S": f"A{rng.randrange(count)}"}, "sk": {"S": "META"}},
                UpdateExpression="SET gsi1sk = :v",
                ExpressionAttributeValues={":v": {"S": f"{rng.randrange(10_000):04d}"}},
            )

    def read(mine: Any) -> None:
        for _ in range(60):
            items = mine.query(
                TableName=TABLE,
                IndexName=FEED_INDEX,
                KeyConditionExpression="gsi1pk = :h",
                ExpressionAttributeValues={":h": {"S": "FEED"}},
            )["Items"]
            keys = [(i["gsi1sk"]["S"], i["pk"]["S"]) for i in items]
            if len({pk for _, pk in keys}) != count or keys != sorted(keys):
                failures.append(repr(keys))

    threads = [threading.Thread(target=move, args=(clients[k], k)) for k in (0, 1)]
    threads += [threading.Thread(target=read, args=(clients[k],)) for k in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    page_through(client, FEED_INDEX, "FEED", forward=True)


def test_responses_are_written_byte_for_byte_as_moto_writes_them(client: Any) -> None:
    item = {
        "pk": {"S": "P0"},
        "sk": {"S": "1"},
        "empty": {"S": ""},
        "n": {"N": "-1.50"},
        "b": {"B": b"\x00\xffbytes"},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2.5"]},
        "bs": {"BS": [b"x", b"y"]},
        "yes": {"BOOL": True},
        "no": {"BOOL": False},
        "nothing": {"NULL": True},
        "map": {"M": {"s": {"S": "글"}, "deep": {"M": {"b": {"B": b"z"}}}, "l": {"L": []}}},
        "list": {
            "L": [{"S": "x"}, {"N": "3"}, {"L": [{"NULL": True}]}, {"SS": ["q"]}, {"B": b"w"}]
        },
    }
    client.put_item(TableName=TABLE, Item=item)
    client.put_item(TableName=TABLE, Item={"pk": {"S": "P0"}, "sk": {"S": "2"}, "n": {"N": "2"}})
    bodies: list[bytes] = []
    client.meta.events.register(
        "after-call.dynamodb", lambda http_response, **_: bodies.append(http_response.content)
    )
    key = {"pk": {"S": "P0"}, "sk": {"S": "1"}}

    def read() -> None:
        client.get_item(TableName=TABLE, Key=key)
        client.batch_get_item(RequestItems={TABLE: {"Keys": [key]}})
        client.scan(TableName=TABLE)
        client.query(
            TableName=TABLE,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "P0"}},
            Limit=1,
        )

    read()
    patched = bodies[:]
    bodies.clear()
    with pytest.MonkeyPatch.context() as patch:
        original = BaseJSONSerializer._serialize_type_structure.__wrapped__  # type: ignore[attr-defined]
        patch.setattr(BaseJSONSerializer, "_serialize_type_structure", original)
        read()
    assert patched == bodies
    assert client.get_item(TableName=TABLE, Key=key)["Item"] == item
