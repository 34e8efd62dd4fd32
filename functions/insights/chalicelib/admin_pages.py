"""The frame of the alert rules and API keys consoles: their templates, texts, notices and errors."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chalice.app import Request, Response

from chalicelib.admin_texts import texts
from touchpoint.web.auth import Principal
from touchpoint.web.console.frame import console_error, console_templates, page_lang, render_page
from touchpoint.web.errors import ApiError

TEMPLATES = console_templates(Path(__file__).resolve().parent / "templates")


def page_error(request: Request | None, error: ApiError) -> Response:
    """How these console pages answer a client error (sign-in redirect, the message in the frame)."""
    return console_error(TEMPLATES, request, error)


def render(
    request: Request,
    principal: Principal,
    template: str,
    *,
    title_key: str,
    active: str,
    status: int = 200,
    **context: Any,
) -> Response:
    """A page in the frame, with the texts as `t` and the notice named by `?done=`, if any."""
    lang = page_lang(request)
    words = texts(lang)
    query: Mapping[str, str] = request.query_params or {}
    notice = words.get(f"done_{query.get('done', '')}")
    return render_page(
        TEMPLATES,
        request,
        principal,
        template,
        title=words.get(title_key, title_key),
        active=active,
        status=status,
        lang=lang,
        t=words,
        notice=notice,
        **context,
    )
