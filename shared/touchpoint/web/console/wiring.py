"""What console route modules share: the page and form-post docs, the form content type, the request."""

from __future__ import annotations

from collections.abc import Mapping

from chalice.app import Blueprint, Request

from touchpoint.web.contract import FORM_FIELDS, LANG, Operation

#: What a console form posts.
FORM_CONTENT_TYPES = ["application/x-www-form-urlencoded"]
#: A console page (GET): HTML, `?lang=`, errors as pages.
PAGE = Operation(query=(LANG,), media_type="text/html", html_errors=True)


def form_post(statuses: Mapping[int, str], status: int = 303) -> Operation:
    """A console form's POST: an urlencoded body, `status` on success (303 to the next page), HTML errors."""
    return Operation(
        body=FORM_FIELDS,
        query=(LANG,),
        status=status,
        statuses=statuses,
        media_type="text/html",
        html_errors=True,
    )


def request_of(bp: Blueprint) -> Request:
    """The blueprint's current request (only called while a route runs)."""
    request = bp.current_request
    assert request is not None
    return request
