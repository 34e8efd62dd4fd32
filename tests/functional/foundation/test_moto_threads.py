"""The local stack's moto server takes concurrent DynamoDB writes and transactions without a 500."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from touchpoint_cli.moto_threads import serialize_dynamodb_writes
from touchpoint_cli.stack import free_port

NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"}, region_name="eu-central-1")


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    serialize_dynamodb_writes()
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield boto3.client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{port}",
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=NO_RETRY,
        )
    finally:
        urllib.request.urlopen(
            urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/reset", method="POST"), timeout=10
        )
        server.stop()


def test_transactions_racing_with_puts_never_fail(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName="race",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for start in range(0, 2000, 25):  # a table big enough that copying it takes a while
        dynamodb.batch_write_item(
            RequestItems={
                "race": [
                    {"PutRequest": {"Item": {"pk": {"S": f"seed-{i}"}}}} for i in range(start, start + 25)
                ]
            }
        )
    errors: list[BaseException] = []

    def puts(worker: int) -> None:
        try:
            for i in range(150):
                dynamodb.put_item(TableName="race", Item={"pk": {"S": f"p-{worker}-{i}"}})
        except BaseException as error:
            errors.append(error)

    def transactions() -> None:
        try:
            for i in range(60):
                dynamodb.transact_write_items(
                    TransactItems=[{"Put": {"TableName": "race", "Item": {"pk": {"S": f"t-{i}"}}}}]
                )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=puts, args=(w,)) for w in range(3)] + [
        threading.Thread(target=transactions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    scanned = dynamodb.scan(TableName="race", Select="COUNT")["Count"]
    assert scanned == 2000 + 3 * 150 + 60
