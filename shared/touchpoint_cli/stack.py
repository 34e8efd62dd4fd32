"""The local stack: moto in-process, the resources of `infra/`, every HTTP function, a demo tenant."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import boto3

from touchpoint.accounts.invitations import temporary_password
from touchpoint.models.tenants import KeyKind, TenantConfig
from touchpoint.runtime import Runtime, get_runtime, reset_runtime
from touchpoint.storage.audit import Operator
from touchpoint_cli.apps import load_app
from touchpoint_cli.devserver import DevServer, Router, base_path_option, mount
from touchpoint_cli.moto_threads import serialize_dynamodb_writes
from touchpoint_cli.notification_poller import NotificationPoller
from touchpoint_cli.paths import ALL_FUNCTIONS, HTTP_FUNCTIONS, LOCAL_STATE_DIR
from touchpoint_cli.resources import deploy_stack
from touchpoint_cli.rollup_poller import rollup_poller

LOCAL_REGION = "eu-central-1"
DEMO_TENANT = "demo"
DEMO_LOCATION = "berlin-mitte"
#: The demo tenant's admin team member (`make dev` prints the password and writes it to local.json).
DEMO_ADMIN_EMAIL = "admin@demo.example"
#: The sender of replies and announcements on the local stack (verified in moto's SES at start).
LOCAL_MAIL_FROM = "feedback@demo.example"


@dataclass(frozen=True)
class LocalInfo:
    """What `.touchpoint/local.json` holds: where the stack is and the demo tenant's keys."""

    api_url: str
    aws_endpoint_url: str
    tenant_id: str
    write_key: str
    admin_key: str
    read_key: str
    location_id: str
    admin_email: str = ""
    admin_password: str = ""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def local_environment(aws_endpoint_url: str) -> dict[str, str]:
    """Environment variables that point boto3 and the functions at the local moto server."""
    return {
        "AWS_ENDPOINT_URL": aws_endpoint_url,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_REGION": LOCAL_REGION,
        "TOUCHPOINT_STAGE": "local",
        "TOUCHPOINT_MAIL_FROM": LOCAL_MAIL_FROM,
    }


def demo_admin(runtime: Runtime, tenant_id: str) -> tuple[str, str]:
    """Invite the demo admin and sign them in once with a password of their own (as a person would)."""
    invitation = runtime.accounts.invite(
        Operator(tenant_id, "make-dev"),
        DEMO_ADMIN_EMAIL,
        "admin",
        sign_in_url="http://localhost/dashboard/login",
    )
    first = runtime.accounts.sign_in(DEMO_ADMIN_EMAIL, invitation.temporary_password)
    assert first.new_password_session is not None, first
    password = temporary_password()
    done = runtime.accounts.set_first_password(DEMO_ADMIN_EMAIL, first.new_password_session, password)
    if done.session is None:
        raise RuntimeError(f"the demo admin could not sign in: {done.error}")
    return DEMO_ADMIN_EMAIL, password


class LocalStack:
    """Starts and stops moto, the resources, the functions' HTTP server and the demo seed."""

    def __init__(
        self,
        port: int = 8000,
        aws_port: int | None = None,
        state_dir: Path = LOCAL_STATE_DIR,
        base_path: str = "",
    ) -> None:
        self.port = port
        self.base_path = base_path_option(base_path)  # every route under it (`touchpoint dev --base-path`)
        self.aws_port = aws_port or free_port()
        self.state_dir = state_dir
        self._moto: Any = None
        self._server: DevServer | None = None
        self._poller: NotificationPoller | None = None
        self._rollups: NotificationPoller | None = None
        self._saved_env: dict[str, str | None] = {}
        self.info: LocalInfo | None = None

    def start(self) -> LocalInfo:
        """Bring everything up and return the URLs and keys (also written to local.json)."""
        from moto.server import ThreadedMotoServer

        for noisy in ("werkzeug", "moto"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
        serialize_dynamodb_writes()  # moto's DynamoDB is not thread-safe; the server is threaded
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.aws_port, verbose=False)
        self._moto.start()
        aws_url = f"http://127.0.0.1:{self.aws_port}"
        for name, value in local_environment(aws_url).items():
            self._saved_env[name] = os.environ.get(name)
            os.environ[name] = value
        reset_runtime()
        deploy_stack(boto3.client("cloudformation", region_name=LOCAL_REGION), "local")
        boto3.client("ses", region_name=LOCAL_REGION).verify_email_identity(EmailAddress=LOCAL_MAIL_FROM)
        apps = [mount(name, load_app(name)) for name in HTTP_FUNCTIONS]
        scheduled = {
            name: sorted(f.name for f in load_app(name).pure_lambda_functions)
            for name in ALL_FUNCTIONS
            if name not in HTTP_FUNCTIONS
        }
        self._server = DevServer(Router(apps, scheduled, self.base_path), port=self.port)
        # Seed and write local.json before serving: once /health answers, local.json is there.
        self.info = self._seed(self._server.url, aws_url)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "local.json").write_text(
            json.dumps(asdict(self.info), indent=2) + "\n", encoding="utf-8"
        )
        self._poller = NotificationPoller()  # delivers queued notifications (the SQS event source's part)
        self._poller.start()
        self._rollups = rollup_poller()  # runs the days marked dirty (the hourly dispatcher's part)
        self._rollups.start()
        self._server.start()
        return self.info

    def _seed(self, api_url: str, aws_url: str) -> LocalInfo:
        runtime = get_runtime()
        runtime.tenants.create_tenant(DEMO_TENANT, "Demo Brand", TenantConfig(timezone="Europe/Berlin"))
        write_key, _ = runtime.tenants.issue_key(DEMO_TENANT, KeyKind.WRITE)
        admin_key, _ = runtime.tenants.issue_key(DEMO_TENANT, KeyKind.ADMIN)
        read_key, _ = runtime.tenants.issue_key(DEMO_TENANT, KeyKind.READ)
        runtime.locations.create_location(
            DEMO_TENANT, DEMO_LOCATION, "Demo Store Berlin Mitte", default_language="de"
        )
        admin_email, admin_password = demo_admin(runtime, DEMO_TENANT)
        return LocalInfo(
            admin_email=admin_email,
            admin_password=admin_password,
            api_url=api_url,
            aws_endpoint_url=aws_url,
            tenant_id=DEMO_TENANT,
            write_key=write_key,
            admin_key=admin_key,
            read_key=read_key,
            location_id=DEMO_LOCATION,
        )

    def stop(self) -> None:
        """Stop the HTTP server and moto, and restore the environment."""
        if self._poller is not None:
            self._poller.stop()
            self._poller = None
        if self._rollups is not None:
            self._rollups.stop()
            self._rollups = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._moto is not None:
            # moto keeps its backends per process: reset them so a later stack starts empty.
            reset = urllib.request.Request(f"http://127.0.0.1:{self.aws_port}/moto-api/reset", method="POST")
            with contextlib.suppress(OSError), urllib.request.urlopen(reset, timeout=10):  # noqa: S310 - loopback
                pass
            self._moto.stop()
            self._moto = None
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        reset_runtime()

    def __enter__(self) -> LocalInfo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
