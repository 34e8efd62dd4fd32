"""Lazily created boto3 clients.

Nothing here creates a client at import time, so moto's `mock_aws` can be started first in tests.
The local stack points every client at its moto server through the standard
`AWS_ENDPOINT_URL` environment variable that boto3 reads itself.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import boto3
from botocore.client import BaseClient
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_firehose import FirehoseClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sts import STSClient

# Standard retry mode retries throttling and 5xx with backoff before a request fails.
_RETRY_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10)


class AwsClients:
    """One boto3 client per service, created on first use and shared by the repositories."""

    def __init__(self, region: str, session: boto3.session.Session | None = None) -> None:
        self._region = region
        self._session = session

    def _session_or_default(self) -> boto3.session.Session:
        if self._session is None:
            self._session = boto3.session.Session(region_name=self._region)
        return self._session

    @cached_property
    def dynamodb(self) -> DynamoDBClient:
        """The DynamoDB client."""
        return self._session_or_default().client("dynamodb", config=_RETRY_CONFIG)

    @cached_property
    def s3(self) -> S3Client:
        """The S3 client."""
        return self._session_or_default().client("s3", config=_RETRY_CONFIG)

    @cached_property
    def firehose(self) -> FirehoseClient:
        """The Firehose client (ingest lands accepted events through the delivery stream)."""
        return self._session_or_default().client("firehose", config=_RETRY_CONFIG)

    @cached_property
    def lambda_(self) -> LambdaClient:
        """The Lambda client (the rollup dispatcher invokes its worker asynchronously)."""
        return self._session_or_default().client("lambda", config=_RETRY_CONFIG)

    @cached_property
    def sns(self) -> SNSClient:
        """The SNS client (fired alerts are published to the alerts topic)."""
        return self._session_or_default().client("sns", config=_RETRY_CONFIG)

    @cached_property
    def comprehend(self) -> BaseClient:
        """The Comprehend client (only with TOUCHPOINT_SENTIMENT_ENGINE=comprehend)."""
        client: BaseClient = self._session_or_default().client("comprehend", config=_RETRY_CONFIG)
        return client

    @cached_property
    def emr_serverless(self) -> BaseClient:
        """The EMR Serverless client (the rollup dispatcher starts Spark job runs for big tenant-days)."""
        client: BaseClient = self._session_or_default().client("emr-serverless", config=_RETRY_CONFIG)
        return client

    @cached_property
    def kms(self) -> BaseClient:
        """The KMS client (respondents' contact details are encrypted with the stage's key)."""
        client: BaseClient = self._session_or_default().client("kms", config=_RETRY_CONFIG)
        return client

    @cached_property
    def sqs(self) -> BaseClient:
        """The SQS client (per-answer notifications are queued and consumed through it)."""
        client: BaseClient = self._session_or_default().client("sqs", config=_RETRY_CONFIG)
        return client

    @cached_property
    def ses(self) -> BaseClient:
        """The SES client (replies and announcements to customers are sent through it)."""
        client: BaseClient = self._session_or_default().client("ses", config=_RETRY_CONFIG)
        return client

    @cached_property
    def cognito(self) -> BaseClient:
        """The Cognito user pools client (team accounts sign in and are administered through it)."""
        client: BaseClient = self._session_or_default().client("cognito-idp", config=_RETRY_CONFIG)
        return client

    @cached_property
    def sts(self) -> STSClient:
        """The STS client (the account id in the alerts topic ARN)."""
        return self._session_or_default().client("sts", config=_RETRY_CONFIG)
