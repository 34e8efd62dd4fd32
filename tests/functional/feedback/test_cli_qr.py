"""`touchpoint qr` writes a poster per active touchpoint of a store, each decoding to its form URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.functional.feedback.conftest import Store
from tests.unit.feedback.qr_decode import decode_qr, pdf_poster_image, svg_poster_image
from touchpoint.runtime import Runtime
from touchpoint_cli.main import cli


def test_posters_of_every_touchpoint_are_written(store: Store, aws: Runtime, tmp_path: Path) -> None:
    door = store.admin(
        "POST",
        "/v1/locations/berlin/touchpoints",
        {"touchpoint_id": "door", "kind": "entrance", "label": "Eingang"},
    )
    store.admin(
        "POST", "/v1/locations/berlin/touchpoints", {"touchpoint_id": "old", "kind": "poster", "label": "Alt"}
    )
    store.admin("POST", "/v1/locations/berlin/touchpoints/old/revoke")
    base = "https://feedback.acme.example"
    result = CliRunner().invoke(
        cli,
        [
            "qr",
            "--aws",
            "--tenant",
            "acme",
            "--location",
            "berlin",
            "--out",
            str(tmp_path / "posters"),
            "--base-url",
            base,
        ],
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "posters").iterdir())
    assert files == ["berlin-door-A4-de.pdf", "berlin-till-1-A4-de.pdf"]
    assert "skipped old: revoked" in result.output
    till = (tmp_path / "posters" / "berlin-till-1-A4-de.pdf").read_bytes()
    assert decode_qr(pdf_poster_image(till)) == [f"{base}/f/{store.touchpoint['token']}"]
    door_token = json.loads(door.body)["token"]
    result = CliRunner().invoke(
        cli,
        [
            "qr",
            "--aws",
            "--tenant",
            "acme",
            "--location",
            "berlin",
            "--out",
            str(tmp_path / "svg"),
            "--base-url",
            base,
            "--format",
            "svg",
            "--size",
            "A5",
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "svg" / "berlin-door-A5-en.svg").read_text()
    assert "How was your visit?" in svg and "Eingang" in svg
    assert decode_qr(svg_poster_image(svg)) == [f"{base}/f/{door_token}"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--aws", "--tenant", "acme", "--location", "nowhere", "--base-url", "https://x"],
            "has no location 'nowhere'",
        ),
        (["--aws", "--location", "berlin"], "--tenant and --base-url are required with --aws"),
    ],
)
def test_clear_errors(store: Store, tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["qr", "--out", str(tmp_path / "out"), *args])
    assert result.exit_code != 0 and message in result.output
    assert not (tmp_path / "out").exists()


def test_an_empty_store_and_a_missing_local_stack(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.admin("POST", "/v1/locations", {"location_id": "empty", "name": "Empty"})
    result = CliRunner().invoke(
        cli,
        [
            "qr",
            "--aws",
            "--tenant",
            "acme",
            "--location",
            "empty",
            "--base-url",
            "https://x",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code != 0 and "has no touchpoints yet" in result.output
    monkeypatch.setattr("touchpoint_cli.paths.LOCAL_STATE_DIR", tmp_path / "nothing")
    result = CliRunner().invoke(cli, ["qr", "--location", "berlin", "--out", str(tmp_path / "o")])
    assert result.exit_code != 0 and "start the local stack with `make dev` first" in result.output
