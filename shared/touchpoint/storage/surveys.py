"""Survey definitions in the config table.

Items: `pk=TENANT#<t>, sk=SURVEY#<id>` holding the survey (snake_case fields) and its `version`,
which every change increments under a condition so two concurrent admin edits cannot both win.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from touchpoint.models.surveys import Survey
from touchpoint.storage.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class SurveyItemExistsError(Exception):
    """A survey with that id is stored already."""


class StaleSurveyError(Exception):
    """The stored survey's version is not the one the change was based on."""


def survey_key(tenant_id: str, survey_id: str) -> dict[str, str]:
    """The config-table key of a survey."""
    return {"pk": f"TENANT#{tenant_id}", "sk": f"SURVEY#{survey_id}"}


class SurveyRepository:
    """Create, read, replace and list a tenant's surveys."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    @staticmethod
    def _item(survey: Survey) -> dict[str, Any]:
        return {
            **survey_key(survey.tenant_id, survey.survey_id),
            "kind": "survey",
            **survey.model_dump(mode="json", exclude_none=True),
        }

    def create(self, survey: Survey) -> None:
        """Store a new survey (SurveyItemExistsError if the id is taken)."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(self._item(survey)),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise SurveyItemExistsError(survey.survey_id) from None

    def replace(self, survey: Survey, expected_version: int) -> None:
        """Overwrite a survey if its stored version is `expected_version` (else StaleSurveyError)."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(self._item(survey)),
                ConditionExpression="#v = :v",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues=to_item({":v": expected_version}),
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise StaleSurveyError(survey.survey_id) from None

    def get(self, tenant_id: str, survey_id: str) -> Survey | None:
        """One survey (strongly consistent), or None."""
        response = self._db.get_item(
            TableName=self._table, Key=to_item(survey_key(tenant_id, survey_id)), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else Survey.model_validate(from_item(item))

    def list(self, tenant_id: str) -> list[Survey]:
        """A tenant's surveys, by id."""
        surveys: list[Survey] = []
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues=to_item({":p": f"TENANT#{tenant_id}", ":s": "SURVEY#"}),
        ):
            surveys.extend(Survey.model_validate(from_item(i)) for i in page.get("Items", []))
        return surveys
