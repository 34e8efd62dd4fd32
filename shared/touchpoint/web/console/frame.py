"""The console frame: every console page of every function in one layout, one navigation, one set of rules.

A function renders its console pages with its own templates, which extend `console_base.html`
from this package (`console_templates(folder)`), and answers through `render_page`, so every page
has the same navigation (only the sections the signed-in role may use), language switch, sign-out
form, security headers (no script at all; one inline style allowed by hash) and layout that works
on a phone and a desktop. `console_error` is the `on_error` of console routes: not signed in means
a redirect to the sign-in page (back here afterwards), a refused role a 403 page in the frame.
Forms are read with `read_console_form`, which refuses cross-site posts (`touchpoint.web.forms`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from chalice.app import Request, Response
from markupsafe import Markup

from touchpoint.models.users import Role
from touchpoint.web.auth import Principal
from touchpoint.web.base_path import request_base_path
from touchpoint.web.errors import ApiError
from touchpoint.web.forms import FormFields, cookie_value, read_form_fields, require_same_origin
from touchpoint.web.locale import Lang, negotiate, texts_in
from touchpoint.web.templates import Templates, minified_css, style_hash

FOLDER = Path(__file__).resolve().parent / "templates"
CSS = minified_css(FOLDER / "console.css")
CSP = (
    f"default-src 'none'; style-src {style_hash(CSS)}; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
LANG_COOKIE = "tp_lang"
SIGN_IN_PATH = "/dashboard/login"


@dataclass(frozen=True)
class NavItem:
    """One section of the console: where it is, its labels and the least role that may open it."""

    key: str
    path: str
    de: str
    en: str
    least_role: Role

    def label(self, lang: Lang) -> str:
        """The label in the page's language."""
        return self.de if lang == "de" else self.en


NAV: tuple[NavItem, ...] = (
    NavItem("dashboard", "/dashboard", "Kennzahlen", "Metrics", Role.VIEWER),
    NavItem("inbox", "/dashboard/inbox", "Antworten", "Inbox", Role.VIEWER),
    NavItem("cases", "/dashboard/cases", "Fälle", "Cases", Role.VIEWER),
    NavItem("at_risk", "/dashboard/at-risk", "Abwanderungsgefahr", "People at risk", Role.VIEWER),
    NavItem("surveys", "/console/surveys", "Umfragen", "Surveys", Role.VIEWER),
    NavItem("stores", "/console/stores", "Filialen & QR-Codes", "Stores & QR codes", Role.EDITOR),
    NavItem("alerts", "/console/alerts", "Warnungen", "Alerts", Role.EDITOR),
    NavItem("keys", "/console/keys", "API-Schlüssel", "API keys", Role.ADMIN),
    NavItem("users", "/console/users", "Team", "Team", Role.ADMIN),
    NavItem("settings", "/console/settings", "Einstellungen", "Settings", Role.ADMIN),
    NavItem("rollups", "/console/rollups", "Tagesläufe", "Daily rollups", Role.VIEWER),
)

_TEXTS: dict[str, dict[Lang, str]] = {
    "sign_out": {"de": "Abmelden", "en": "Sign out"},
    "forbidden": {
        "de": "Ihre Rolle darf diese Seite nicht öffnen.",
        "en": "Your role may not open this page.",
    },
    "error": {"de": "Das hat nicht geklappt", "en": "That did not work"},
    "kiosk": {"de": "Kiosk (nur lesen)", "en": "Kiosk (read only)"},
    "api_key": {"de": "API-Schlüssel", "en": "API key"},
    "back": {"de": "Zurück", "en": "Back"},
}


def text(key: str, lang: Lang) -> str:
    """A frame text in the page's language."""
    return _TEXTS[key][lang]


def console_templates(folder: Path, globals_: Mapping[str, Any] | None = None) -> Templates:
    """A function's console templates, able to extend the frame's `console_base.html`."""
    return Templates(folder, globals_, also=[FOLDER])


def _headers(request: Request) -> dict[str, str]:
    return {str(k): str(v) for k, v in dict(request.headers).items()}


def page_lang(request: Request | None) -> Lang:
    """The page language: `?lang=`, then the remembered choice, then Accept-Language."""
    if request is None:
        return "de"
    headers = _headers(request)
    accept = next((v for k, v in headers.items() if k.lower() == "accept-language"), None)
    query: Mapping[str, str] = request.query_params or {}
    chosen = query.get("lang")
    return negotiate(accept, chosen, cookie_value(headers, LANG_COOKIE))


def navigation(principal: Principal | None, lang: Lang, base: str, active: str) -> list[dict[str, Any]]:
    """The sections the caller's role may open, with links under the request's base path."""
    role = principal.role if principal is not None else None
    return [
        {"key": item.key, "href": base + item.path, "label": item.label(lang), "active": item.key == active}
        for item in NAV
        if role is not None and role.at_least(item.least_role)
    ]


def who(principal: Principal | None, lang: Lang) -> str:
    """How the header names the signed-in caller."""
    if principal is None:
        return ""
    if principal.email:
        return principal.email
    return text("kiosk", lang) if principal.role is Role.VIEWER else text("api_key", lang)


def page_path(request: Request | None) -> str:
    """This page's path without the base path: the route with its parameters filled in.

    Chalice's `request.path` is the route (`/console/stores/{location_id}`), not the page.
    """
    if request is None:
        return ""
    path = request.path
    for name, value in (request.uri_params or {}).items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return path


def html_response(status: int, page: str, headers: Mapping[str, str] | None = None) -> Response:
    """An HTML response with the console's security headers."""
    return Response(
        body=page,
        status_code=status,
        headers={"Content-Type": "text/html; charset=utf-8", **SECURITY_HEADERS, **(headers or {})},
    )


def render_page(
    templates: Templates,
    request: Request | None,
    principal: Principal | None,
    template: str,
    *,
    title: str,
    active: str,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> Response:
    """A console page: `template` (extending `console_base.html`) inside the frame."""
    lang = context.pop("lang", None) or page_lang(request)
    base = request_base_path(request)
    page = templates.render(
        template,
        lang=lang,
        base=base,
        css=Markup(CSS),  # noqa: S704 (the stylesheet shipped with the package, not input; escaped, its hash fails)
        title=title,
        nav=navigation(principal, lang, base, active),
        who=who(principal, lang),
        frame_text=texts_in(_TEXTS, lang),
        this_path=page_path(request),
        principal=principal,
        **context,
    )
    return html_response(status, page, headers)


def see_other(request: Request | None, path: str, **query: str) -> Response:
    """303 to a console path (under the request's base path), e.g. after a form was saved."""
    location = request_base_path(request) + path
    if query:
        location += "?" + urlencode(query)
    return Response(body="", status_code=303, headers={"Location": location, "Cache-Control": "no-store"})


def console_error(templates: Templates, request: Request | None, error: ApiError) -> Response:
    """How a console page answers a client error.

    401 (not signed in, or the session ended): 303 to the sign-in page, which comes back here.
    403 and the rest: the frame with the message, under the error's status.
    """
    if error.status == 401:
        return see_other(request, SIGN_IN_PATH, next=page_path(request) or "/dashboard")
    lang = page_lang(request)
    message = text("forbidden", lang) if error.status == 403 and error.code == "forbidden" else error.message
    return render_page(
        templates,
        request,
        None,
        "console_error.html",
        title=text("error", lang),
        active="",
        status=error.status,
        lang=lang,
        message=message,
    )


def read_console_form(request: Request) -> FormFields:
    """The posted form of a console page: 403 when posted from another site, 413/400 when unreadable."""
    require_same_origin(_headers(request))
    return read_form_fields(request.raw_body)
