"""Team members' sign-in pages: e-mail and password, the first own password, password reset.

Every form is accepted from this site only and read with the dashboard's small-form reader; the
account service (`touchpoint.accounts.service`) talks to Cognito and verifies the ID token; a
successful sign-in sets the same Secure, HttpOnly, SameSite=Strict session cookie the kiosk
sign-in sets, holding a team member's signed session value (never a token).
"""

from __future__ import annotations

from typing import Any

from chalice.app import Request, Response
from markupsafe import Markup

from chalicelib import pages
from chalicelib.dashboard_texts import t
from chalicelib.session import read_form, safe_next, session_value_cookie
from chalicelib.views import page_lang
from touchpoint.accounts.service import AccountService, SignInOutcome
from touchpoint.web.base_path import request_base_path
from touchpoint.web.forms import same_origin
from touchpoint.web.locale import Lang, as_lang

#: HTTP status of each refused sign-in.
_STATUS = {"too_many_attempts": 429, "password_rejected": 400, "passwords_differ": 400, "reset_failed": 400}


def _headers(request: Request) -> dict[str, str]:
    return {str(k): str(v) for k, v in dict(request.headers).items()}


def _render(name: str, lang: Lang, base: str, **context: Any) -> str:
    return pages.TEMPLATES.render(
        name,
        lang=lang,
        base=base,
        css=Markup(pages.CSS),  # noqa: S704 (the stylesheet shipped with the function, not input)
        t=lambda key, **values: t(lang, key, **values),
        **context,
    )


def _form(request: Request) -> tuple[dict[str, str] | None, Lang, str]:
    form = read_form(request.raw_body)
    lang = as_lang((form or {}).get("lang")) or page_lang(request)
    return form, lang, request_base_path(request)


def _refused(request: Request, lang: Lang, base: str) -> Response | None:
    if same_origin(_headers(request)):
        return None
    return pages.html_response(403, pages.error_page(lang, "cross-site form refused", base))


def _login_again(status: int, lang: Lang, base: str, key: str, next_url: str = "/dashboard") -> Response:
    return pages.html_response(status, pages.login_page(lang, t(lang, key), next_url=next_url, base=base))


def _new_password_page(
    status: int,
    lang: Lang,
    base: str,
    *,
    email: str,
    challenge: str,
    next_url: str,
    message: str | None = None,
) -> Response:
    page = _render(
        "new_password.html", lang, base, email=email, challenge=challenge, next_url=next_url, message=message
    )
    return pages.html_response(status, page)


def _outcome(outcome: SignInOutcome, form: dict[str, str], lang: Lang, base: str) -> Response:
    next_url = safe_next(form.get("next"), lang)
    if outcome.session is not None:
        return Response(
            body="",
            status_code=303,
            headers={
                "Location": base + next_url,
                "Set-Cookie": session_value_cookie(outcome.session, base),
                "Cache-Control": "no-store",
            },
        )
    if outcome.new_password_session is not None:
        return _new_password_page(
            200,
            lang,
            base,
            email=form.get("email", ""),
            challenge=outcome.new_password_session,
            next_url=next_url,
            message=t(lang, outcome.error) if outcome.error else None,
        )
    error = outcome.error or "account_failed"
    return _login_again(_STATUS.get(error, 401), lang, base, error, next_url)


def sign_in(accounts: AccountService, request: Request) -> Response:
    """`POST /dashboard/login/account`: e-mail and password; the dashboard, or the first-password form."""
    form, lang, base = _form(request)
    refused = _refused(request, lang, base)
    if refused is not None:
        return refused
    if form is None:
        return _login_again(400, lang, base, "account_failed")
    return _outcome(accounts.sign_in(form.get("email", ""), form.get("password", "")), form, lang, base)


def new_password(accounts: AccountService, request: Request) -> Response:
    """`POST /dashboard/login/new-password`: the invited person's own password, then signed in."""
    form, lang, base = _form(request)
    refused = _refused(request, lang, base)
    if refused is not None:
        return refused
    if form is None:
        return _login_again(400, lang, base, "account_failed")
    email, challenge = form.get("email", ""), form.get("challenge", "")
    if form.get("password", "") != form.get("password2", ""):
        return _new_password_page(
            400,
            lang,
            base,
            email=email,
            challenge=challenge,
            next_url=safe_next(form.get("next"), lang),
            message=t(lang, "passwords_differ"),
        )
    outcome = accounts.set_first_password(email, challenge, form.get("password", ""))
    if outcome.error == "password_rejected":
        return _new_password_page(
            400,
            lang,
            base,
            email=email,
            challenge=challenge,
            next_url=safe_next(form.get("next"), lang),
            message=t(lang, "password_rejected"),
        )
    return _outcome(outcome, form, lang, base)


def _reset_page(
    status: int, lang: Lang, base: str, step: str, email: str = "", message: str | None = None
) -> Response:
    return pages.html_response(
        status, _render("reset.html", lang, base, step=step, email=email, message=message)
    )


def reset_page(request: Request) -> Response:
    """`GET /dashboard/login/reset`: ask for the e-mail a reset code goes to."""
    return _reset_page(200, page_lang(request), request_base_path(request), "request")


def request_reset(accounts: AccountService, request: Request) -> Response:
    """`POST /dashboard/login/reset`: have a code e-mailed; the form for code and new password."""
    form, lang, base = _form(request)
    refused = _refused(request, lang, base)
    if refused is not None:
        return refused
    email = (form or {}).get("email", "").strip()
    if form is None or not email:
        return _reset_page(400, lang, base, "request", message=t(lang, "account_failed"))
    accounts.request_reset(email)
    return _reset_page(200, lang, base, "confirm", email=email)


def confirm_reset(accounts: AccountService, request: Request) -> Response:
    """`POST /dashboard/login/reset/confirm`: code and new password; the sign-in page on success."""
    form, lang, base = _form(request)
    refused = _refused(request, lang, base)
    if refused is not None:
        return refused
    if form is None:
        return _reset_page(400, lang, base, "request", message=t(lang, "reset_failed"))
    email = form.get("email", "")
    if form.get("password", "") != form.get("password2", ""):
        return _reset_page(400, lang, base, "confirm", email, t(lang, "passwords_differ"))
    error = accounts.confirm_reset(email, form.get("code", ""), form.get("password", ""))
    if error is not None:
        return _reset_page(_STATUS.get(error, 400), lang, base, "confirm", email, t(lang, error))
    return pages.html_response(200, pages.login_page(lang, t(lang, "reset_done"), base=base))
