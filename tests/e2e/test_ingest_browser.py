"""A brand's web page posts events from a real browser, cross-origin, as analytics.js does.

analytics.js sends `POST <host>/v1/t` (`/v1/p`, `/v1/i`, ... `/v1/b`) with `Content-Type:
text/plain` and the writeKey in the body, so no preflight; other browser SDKs send JSON with a
Basic `Authorization` header after a CORS preflight. The page is served from another origin
(another port on 127.0.0.1) than the local stack, so Chromium enforces CORS on every answer.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import headless_chromium
from touchpoint.runtime import get_runtime
from touchpoint.storage.lake_layout import partition_prefix
from touchpoint_cli.stack import LocalInfo, LocalStack, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]

SHOP_PAGE = b"""<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1></body></html>"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalInfo]:
    with LocalStack(port=free_port(), state_dir=tmp_path_factory.mktemp("state")) as info:
        yield info


@pytest.fixture(scope="module")
def shop_origin() -> Iterator[str]:
    """A brand's page on its own origin (127.0.0.1, another port)."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(SHOP_PAGE)))
            self.end_headers()
            self.wfile.write(SHOP_PAGE)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# What the page runs: analytics.js's dispatch (text/plain, writeKey in the body) and a JSON batch
# with Basic auth (preflighted); each answer's status and readable headers, or the network error.
SEND = """async ([api, writeKey]) => {
  const results = {};
  async function post(name, path, body, headers) {
    try {
      const answer = await fetch(api + path, {method: 'POST', headers, body: JSON.stringify(body)});
      results[name] = {status: answer.status, body: await answer.json(),
                       retryAfter: answer.headers.get('retry-after')};
    } catch (error) {
      results[name] = {error: String(error)};
    }
  }
  const plain = {'Content-Type': 'text/plain'};
  const context = {page: {url: location.href, referrer: 'https://www.google.com/'}, userAgent: navigator.userAgent};
  await post('track', '/v1/t', {writeKey, type: 'track', event: 'Product Viewed', anonymousId: 'browser-a1',
    messageId: 'browser-m1', properties: {product_id: 'sku-1'}, context}, plain);
  await post('page', '/v1/p', {writeKey, type: 'page', name: 'Home', anonymousId: 'browser-a1',
    messageId: 'browser-m2', context}, plain);
  await post('identify', '/v1/i', {writeKey, type: 'identify', userId: 'browser-u1', anonymousId: 'browser-a1',
    messageId: 'browser-m3', traits: {plan: 'gold'}, context}, plain);
  await post('batch', '/v1/batch', {batch: [{type: 'track', event: 'Order Completed', userId: 'browser-u1',
    messageId: 'browser-m4', properties: {order_id: 'o-1', revenue: 12.5}}]},
    {'Content-Type': 'application/json', 'Authorization': 'Basic ' + btoa(writeKey + ':')});
  await post('badKey', '/v1/t', {writeKey: 'tpw_' + 'x'.repeat(32), type: 'track', event: 'X',
    anonymousId: 'browser-a2', messageId: 'browser-m5'}, plain);
  return results;
}"""


def _stored(info: LocalInfo) -> dict[str, dict[str, Any]]:
    lake = get_runtime().lake
    return {
        str(line["messageId"]): line
        for key in lake.list_keys(partition_prefix("raw/events", info.tenant_id))
        for line in lake.read_jsonl(key)
        if str(line.get("messageId", "")).startswith("browser-")
    }


def test_a_page_on_another_origin_sends_events_like_analytics_js(
    stack: LocalInfo, shop_origin: str, tmp_path: Path
) -> None:
    with headless_chromium() as browser:
        page = browser.new_page()
        page.goto(shop_origin + "/")
        results = page.evaluate(SEND, [stack.api_url, stack.write_key])
    assert results["track"] == {"status": 200, "body": {"success": True}, "retryAfter": None}, results
    for name in ("page", "identify", "batch"):
        assert results[name]["status"] == 200, results
    # a refusal is readable by the page (CORS headers on errors too), not a network error
    assert results["badKey"]["status"] == 401 and results["badKey"]["body"]["code"], results
    stored = _stored(stack)
    assert set(stored) == {"browser-m1", "browser-m2", "browser-m3", "browser-m4"}
    assert stored["browser-m1"]["type"] == "track" and stored["browser-m2"]["type"] == "page"
    assert stored["browser-m3"]["type"] == "identify" and stored["browser-m4"]["event"] == "Order Completed"
    assert "writeKey" not in json.dumps(stored)  # the key is never stored with the events
    assert get_runtime().identity.get_link(stack.tenant_id, "browser-a1") is not None
