"""Per-answer notifications end to end: a rule, an answer, the queue, a signed webhook, retries."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.conftest import TenantKeys, function_client
from tests.functional.insights.webhook_server import webhook_server
from tests.functional.surveys.support import active_survey, call
from touchpoint.alerts import standard_webhooks
from touchpoint.loop import notify_delivery
from touchpoint.loop.cases import case_id_for_response
from touchpoint.loop.notify import forget_rules, queue_notifications
from touchpoint.loop.notify_deliveries import MAX_ATTEMPTS
from touchpoint.runtime import Runtime

ANSWER: dict[str, Any] = {
    "answers": {"nps": 4, "improve": "Die Schlange an der KASSE war viel zu lang.", "csat": 2},
    "channel": "in_store",
    "anonymousId": "anon-7",
    "locationId": "hamburg",
    "language": "de",
}


def rule_body(url: str, **conditions: Any) -> dict[str, Any]:
    return {
        "name": "Kritik an der Kasse in Hamburg",
        "conditions": {"score": {"kind": "nps", "max": 6}, "location_ids": ["hamburg"], **conditions},
        "destinations": {"webhook_url": url},
    }


@pytest.fixture
def hamburg(aws: Runtime, tenant: TenantKeys) -> str:
    forget_rules()
    aws.locations.create_location(tenant.tenant_id, "hamburg", "Hamburg Altona")
    with function_client("surveys") as client:
        return active_survey(client, tenant)


def create_rule(tenant: TenantKeys, body: dict[str, Any]) -> dict[str, Any]:
    with function_client("insights") as client:
        status, created, _ = call(client, "POST", "/v1/notifications/rules", tenant.admin_key, body)
    assert status == 201, created
    return dict(created)


def answer(tenant: TenantKeys, survey_id: str, body: dict[str, Any] = ANSWER) -> str:
    with function_client("surveys") as client:
        started = time.monotonic()
        status, sent, _ = call(client, "POST", f"/v1/surveys/{survey_id}/responses", tenant.write_key, body)
        assert time.monotonic() - started < 5
    assert status == 201, sent
    return str(sent["responseId"])


def deliveries(tenant: TenantKeys, query: str = "") -> list[dict[str, Any]]:
    with function_client("insights") as client:
        status, body, _ = call(client, "GET", f"/v1/notifications/deliveries{query}", tenant.read_key)
    assert status == 200, body
    return list(body["deliveries"])


def visible_messages(aws: Runtime, url: str) -> int:
    sqs: Any = aws.clients.sqs
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def test_a_matching_answer_reaches_the_webhook_signed_and_a_retried_finish_sends_nothing_twice(
    aws: Runtime, tenant: TenantKeys, hamburg: str
) -> None:
    with webhook_server() as server:
        rule = create_rule(tenant, rule_body(server.url, words=["kasse"]))
        secret = rule["webhook_secret"]
        assert secret.startswith("whsec_") and rule["description"].startswith("NPS <= 6 at hamburg")
        response_id = answer(tenant, hamburg)
        assert server.received == []  # the answer only queued the notification
        [queued] = deliveries(tenant)
        assert queued["status"] == "queued" and queued["attempts"] == []

        assert notify_delivery.drain_once(aws) == 1
        [request] = server.received
        now = int(time.time())
        assert standard_webhooks.verify(secret, request.headers, request.body, now)
        assert not standard_webhooks.verify(secret, request.headers, request.body + b" ", now)
        assert request.headers["webhook-id"] == queued["delivery_id"]
        event = json.loads(request.body)
        assert event["type"] == "answer.matched"
        data = event["data"]
        assert data["response_id"] == response_id and data["location_name"] == "Hamburg Altona"
        assert {"kind": "nps", "value": 4} in data["scores"] and "KASSE" in data["comment"]

        # A retried finish of the same answer: the delivery exists, no second message.
        stored = aws.responses.get(tenant.tenant_id, hamburg, response_id)
        survey = aws.surveys.get(tenant.tenant_id, hamburg)
        assert stored is not None and survey is not None
        assert (
            data["path"] == f"/dashboard/cases/{case_id_for_response(stored)}"
        )  # the case the answer opened
        assert queue_notifications(aws, survey, stored) == 0
        assert notify_delivery.drain_once(aws) == 0
        assert len(server.received) == 1
    [done] = deliveries(tenant, "?status=delivered")
    assert done["attempts"][0]["ok"] is True and done["attempts"][0]["status_code"] == 200
    assert deliveries(tenant, "?status=failed") == []


def test_an_answer_outside_the_rule_queues_nothing(aws: Runtime, tenant: TenantKeys, hamburg: str) -> None:
    with webhook_server() as server:
        create_rule(tenant, rule_body(server.url, words=["Wartezeit"]))
        answer(tenant, hamburg)  # about the till, not the waiting time
        happy = {**ANSWER, "anonymousId": "anon-8", "answers": {"nps": 10, "comment": "Kasse super"}}
        answer(tenant, hamburg, happy)
        assert notify_delivery.drain_once(aws) == 0
    assert deliveries(tenant) == [] and server.received == []


def test_a_failing_endpoint_is_retried_with_growing_delays_then_dead_lettered_and_shown_failed(
    aws: Runtime, tenant: TenantKeys, hamburg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = aws.notification_queue
    delays: list[int] = []
    real_delay = queue.delay

    def record_delay(receipt_handle: str, seconds: int) -> None:
        delays.append(seconds)
        real_delay(receipt_handle, 0)  # the test does not wait: visible again at once

    monkeypatch.setattr(queue, "delay", record_delay)
    with webhook_server(statuses=[503]) as server:
        create_rule(tenant, rule_body(server.url))
        answer(tenant, hamburg)
        for _ in range(MAX_ATTEMPTS + 1):
            notify_delivery.drain_once(aws)
        assert len(server.received) == MAX_ATTEMPTS
    assert delays == [30, 60, 120, 240, 480, 900, 900, 0]
    sqs: Any = aws.clients.sqs
    dead_letters = sqs.get_queue_url(QueueName=f"{aws.settings.notifications_queue_name}-dlq")
    assert visible_messages(aws, dead_letters["QueueUrl"]) == 1
    assert visible_messages(aws, queue.url) == 0
    [failed] = deliveries(tenant, "?status=failed")
    assert [a["attempt"] for a in failed["attempts"]] == list(range(1, MAX_ATTEMPTS + 1))
    assert failed["last_error"] == "the webhook answered HTTP 503" and failed["next_retry_at"] is None


def test_the_lambda_handler_reports_a_failed_record_as_a_partial_batch_failure(
    aws: Runtime, tenant: TenantKeys, hamburg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    delays: list[int] = []
    monkeypatch.setattr(aws.notification_queue, "delay", lambda handle, seconds: delays.append(seconds))
    with webhook_server(statuses=[500, 200]) as server:
        create_rule(tenant, rule_body(server.url))
        answer(tenant, hamburg)
        [message] = aws.notification_queue.receive()
        record = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {"ApproximateReceiveCount": "1"},
            "eventSource": "aws:sqs",
        }
        first = notify_delivery.process_batch(aws, {"Records": [record]})
        assert first == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}
        assert delays == [30]
        [retrying] = deliveries(tenant, "?status=queued")
        assert retrying["next_retry_at"] is not None and retrying["last_error"].endswith("HTTP 500")
        second = notify_delivery.process_batch(
            aws, {"Records": [{**record, "attributes": {"ApproximateReceiveCount": "2"}}]}
        )
        assert second == {"batchItemFailures": []}
        assert len(server.received) == 2
    [delivered] = deliveries(tenant, "?status=delivered")
    assert len(delivered["attempts"]) == 2


def test_the_local_stack_poller_delivers_a_queued_notification_and_stops(
    aws: Runtime, tenant: TenantKeys, hamburg: str
) -> None:
    from touchpoint_cli.notification_poller import NotificationPoller

    with webhook_server() as server:
        create_rule(tenant, rule_body(server.url))
        answer(tenant, hamburg)
        poller = NotificationPoller(interval=0.05)
        poller.start()
        try:
            deadline = time.monotonic() + 10
            while not server.received and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            poller.stop()
        assert not poller.running
        assert len(server.received) == 1
    [delivered] = deliveries(tenant, "?status=delivered")
    assert delivered["attempts"][0]["ok"] is True


def test_a_failed_send_to_the_queue_never_fails_the_answer_and_a_retried_finish_sends_it(
    aws: Runtime, tenant: TenantKeys, hamburg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(body: str) -> None:
        raise ConnectionError("SQS is unavailable")

    with webhook_server() as server:
        create_rule(tenant, rule_body(server.url))
        monkeypatch.setattr(aws.notification_queue, "send", unavailable)
        response_id = answer(tenant, hamburg)  # still 201
        [waiting] = deliveries(tenant)
        assert waiting["status"] == "queued" and notify_delivery.drain_once(aws) == 0
        monkeypatch.undo()
        stored = aws.responses.get(tenant.tenant_id, hamburg, response_id)
        survey = aws.surveys.get(tenant.tenant_id, hamburg)
        assert stored is not None and survey is not None
        assert queue_notifications(aws, survey, stored) == 1  # the record was never enqueued: send now
        assert queue_notifications(aws, survey, stored) == 0
        assert notify_delivery.drain_once(aws) == 1
        assert len(server.received) == 1


def test_a_store_manager_sees_only_deliveries_of_their_stores(
    aws: Runtime, tenant: TenantKeys, hamburg: str
) -> None:
    from tests.conftest import team_session

    aws.locations.create_location(tenant.tenant_id, "berlin", "Berlin")
    with webhook_server() as server:
        create_rule(tenant, {**rule_body(server.url), "conditions": {"score": {"kind": "nps", "max": 6}}})
        answer(tenant, hamburg)
        answer(tenant, hamburg, {**ANSWER, "anonymousId": "anon-9", "locationId": "berlin"})
    assert len(deliveries(tenant)) == 2
    berlin = team_session(aws, "acme", "viewer", locations=("berlin",))
    with function_client("insights") as client:
        response = client.http.get("/v1/notifications/deliveries", headers=berlin)
    listed = json.loads(response.body)["deliveries"]
    assert response.status_code == 200 and [d["location_id"] for d in listed] == ["berlin"]


def test_without_a_case_the_link_opens_the_inbox_on_the_answers_survey_store_and_day(
    aws: Runtime, tenant: TenantKeys, hamburg: str
) -> None:
    praise = {**ANSWER, "answers": {"nps": 10, "comment": "Die Kasse war super schnell"}}
    with webhook_server() as server:
        create_rule(tenant, {**rule_body(server.url), "conditions": {"words": ["kasse"]}})
        response_id = answer(tenant, hamburg, praise)
        assert notify_delivery.drain_once(aws) == 1
        data = json.loads(server.received[0].body)["data"]
    stored = aws.responses.get(tenant.tenant_id, hamburg, response_id)
    assert stored is not None and aws.cases.get("acme", case_id_for_response(stored)) is None
    day = stored.submitted_at.date().isoformat()  # the tenant's time zone is UTC
    assert data["path"] == f"/dashboard/inbox?survey={hamburg}&from={day}&to={day}&location=hamburg"


def test_the_rollup_functions_notifications_and_digest_are_wired(
    aws: Runtime, tenant: TenantKeys, hamburg: str
) -> None:
    with webhook_server() as server:
        create_rule(tenant, rule_body(server.url))
        answer(tenant, hamburg)
        [message] = aws.notification_queue.receive()
        record = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {"ApproximateReceiveCount": "1"},
            "eventSource": "aws:sqs",
        }
        with function_client("rollup") as client:
            delivered = client.lambda_.invoke("notifications", {"Records": [record]})
            digest = client.lambda_.invoke("digest", {"source": "aws.events"})
        assert delivered.payload == {"batchItemFailures": []}
        assert len(server.received) == 1
    assert digest.payload == {"sent": 0, "failed": [], "skipped": "no sender address"}
