"""One HTTP server on 127.0.0.1 that serves every HTTP function under one base URL.

Each request is matched against the routes of the Chalice apps and handed to the app whose route
names the path most literally (the first app on a tie) through Chalice's own `LocalGateway`
(the API Gateway emulation `chalice local` uses). `/health`
is answered here with the health of every function. With a base path (`touchpoint dev
--base-path /api`) every route is served under it only: the prefix is taken off before routing
and handed on as `X-Forwarded-Prefix`, as a proxy that mounts the functions under a path does,
so pages and redirects carry it (`touchpoint.web.base_path`).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chalice.config import Config
from chalice.local import LocalChalice, LocalGateway, LocalGatewayException, RouteMatcher

from touchpoint.runtime import get_runtime
from touchpoint.web.base_path import FORWARDED_PREFIX_HEADER, normalize_prefix
from touchpoint.web.health import health_report


@dataclass
class MountedApp:
    """A function's app with its gateway and route matcher."""

    name: str
    app: Any
    gateway: LocalGateway
    matcher: RouteMatcher

    def captures(self, path: str) -> int | None:
        """How many path parameters the app's matching route captures (None: no route matches)."""
        try:
            return len(self.matcher.match_route(path).captured)
        except ValueError:
            return None


def mount(name: str, app: Any) -> MountedApp:
    """Make an app safe for a threaded server (thread-local current_request) and wrap it."""
    if not isinstance(app, LocalChalice):
        local_class = type(f"Local{type(app).__name__}", (LocalChalice, type(app)), {})
        app.__class__ = local_class
    config = Config.create(chalice_app=app, lambda_timeout=30, lambda_memory_size=512, function_name=name)
    return MountedApp(
        name=name, app=app, gateway=LocalGateway(app, config), matcher=RouteMatcher(list(app.routes))
    )


def route_owner(apps: list[MountedApp], path: str) -> MountedApp | None:
    """The app serving a path: the one whose route names it most literally (fewest path
    parameters, as API Gateway prefers `/v1/people/at-risk` to `/v1/people/{person_id}`), the
    first such app on a tie; None when no app has a matching route."""
    found = [(count, n) for n, app in enumerate(apps) if (count := app.captures(path)) is not None]
    return apps[min(found)[1]] if found else None


def _not_found(path: str) -> dict[str, Any]:
    return {
        "statusCode": 404,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"code": "not_found", "message": f"no route for {path}"}),
    }


def base_path_option(value: str) -> str:
    """A `--base-path` as the router takes it (`/api`; `""` for the root); ValueError when not a plain path."""
    prefix = normalize_prefix(value)
    if prefix is None:
        raise ValueError(f"the base path must be a path like /api, got {value!r}")
    return prefix


class Router:
    """Dispatches requests to mounted apps under `base_path` (`""`: the root); answers `/health` for all."""

    def __init__(self, apps: list[MountedApp], scheduled: dict[str, list[str]], base_path: str = "") -> None:
        self.apps = apps
        self.scheduled = scheduled  # non-HTTP function name -> its Lambda function names
        self.base_path = base_path_option(base_path)

    def health(self) -> tuple[int, dict[str, Any]]:
        """The state of every function, HTTP and scheduled."""
        functions: dict[str, Any] = {}
        for mounted in self.apps:
            response = mounted.gateway.handle_request("GET", "/health", {}, None)
            functions[mounted.name] = json.loads(response["body"])
        runtime = get_runtime()
        for name, handlers in self.scheduled.items():
            tables = [
                runtime.settings.config_table,
                runtime.settings.metrics_table,
                runtime.settings.state_table,
            ]
            report = health_report(name, runtime, tables, bucket=True)
            report["handlers"] = handlers
            functions[name] = report
        ok = all(f.get("status") == "ok" for f in functions.values())
        return (200 if ok else 503), {"status": "ok" if ok else "degraded", "functions": functions}

    def _strip_prefix(self, path: str, headers: dict[str, str]) -> str | None:
        """The path without the base path (None when outside it); tells the app the prefix."""
        if not self.base_path:
            return path
        bare = path.split("?", 1)[0]
        if bare != self.base_path and not bare.startswith(self.base_path + "/"):
            return None
        # A proxy in front of this server may have sent its own prefix: ours comes after it.
        outer = normalize_prefix(headers.get(FORWARDED_PREFIX_HEADER, "").split(",")[0]) or ""
        headers[FORWARDED_PREFIX_HEADER] = outer + self.base_path
        inner = path[len(self.base_path) :]
        return inner if inner.startswith("/") else "/" + inner

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> dict[str, Any]:
        """Route one request; returns an API Gateway style response dict."""
        headers = {k.lower(): v for k, v in headers.items()}
        inner = self._strip_prefix(path, headers)
        if inner is None:
            return _not_found(path.split("?", 1)[0])
        path = inner
        bare_path = path.split("?", 1)[0]
        if bare_path in ("/health", "/health/") and method in ("GET", "HEAD"):
            status, document = self.health()
            return {
                "statusCode": status,
                "headers": {"Content-Type": "application/json"},
                "body": json.dumps(document),
            }
        chosen = route_owner(self.apps, bare_path)
        if chosen is None:
            return _not_found(bare_path)
        return chosen.gateway.handle_request(method, path, headers, body)


def _handler_class(router: Router) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "touchpoint-local"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else None
            headers = {k.lower(): v for k, v in self.headers.items()}
            # Like API Gateway, append the address this server saw: the last hop is trustworthy.
            sent = headers.get("x-forwarded-for", "").strip()
            headers["x-forwarded-for"] = (
                f"{sent}, {self.client_address[0]}" if sent else self.client_address[0]
            )
            try:
                response = router.handle(self.command, self.path, headers, body)
            except LocalGatewayException as error:
                response = {"statusCode": error.CODE, "headers": dict(error.headers), "body": error.body}
            self._send(response)

        def _send(self, response: dict[str, Any]) -> None:
            import base64

            payload = response.get("body")
            if response.get("isBase64Encoded") and isinstance(payload, str):
                data = base64.b64decode(payload)
            elif isinstance(payload, bytes):
                data = payload
            else:
                data = (payload or "").encode("utf-8")
            self.send_response(int(response["statusCode"]))
            headers = dict(response.get("headers") or {})
            for name, values in (response.get("multiValueHeaders") or {}).items():
                for value in values:
                    self.send_header(name, str(value))
            headers.pop("Content-Length", None)
            for name, value in headers.items():
                self.send_header(name, str(value))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle  # noqa: N815

        def _method_not_allowed(self) -> None:
            body = {"code": "method_not_allowed", "message": f"{self.command} is not supported"}
            self._send(
                {"statusCode": 405, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
            )

        def __getattr__(self, name: str) -> Any:
            # Any other method (TRACE, CONNECT, made-up ones): 405 in JSON, not http.server's 501 page.
            if name.startswith("do_"):
                return self._method_not_allowed
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class DevServer:
    """The threaded HTTP server of the local stack, stoppable from another thread."""

    def __init__(self, router: Router, host: str = "127.0.0.1", port: int = 8000) -> None:
        self.httpd = ThreadingHTTPServer((host, port), _handler_class(router))
        self.httpd.daemon_threads = True
        self.base_path = router.base_path
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL with the base path, e.g. http://127.0.0.1:8000 or http://127.0.0.1:8000/api."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}{self.base_path}"

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="touchpoint-dev", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving (when it was started) and close the socket."""
        if self._thread is not None:
            self.httpd.shutdown()  # waits for serve_forever, so only once it runs
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
