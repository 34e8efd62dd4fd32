"""What the inbox, case and at-risk pages share: the console templates, the tenant's clock and names.

Pages render inside the console frame (`touchpoint.web.console.frame`); every listing reads
through the caller's store scope (`touchpoint.web.scope`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalice.app import Request, Response

from chalicelib.loop_texts import t
from touchpoint.models.users import Role
from touchpoint.web.console.frame import console_error, console_templates, page_lang
from touchpoint.web.errors import ApiError, not_found
from touchpoint.web.scope import can_see

if TYPE_CHECKING:
    from touchpoint.models.tenants import Tenant
    from touchpoint.runtime import Runtime
    from touchpoint.web.auth import Principal
    from touchpoint.web.locale import Lang

TEMPLATES = console_templates(Path(__file__).resolve().parent / "templates")
#: The notices a page shows after a successful form (`?notice=<key>`), as text keys.
NOTICES: tuple[str, ...] = ("saved", "case_opened", "case_exists", "reply_sent", "reply_failed")


def page_error(request: Request | None, error: ApiError) -> Response:
    """The `on_error` of the loop pages: sign-in redirect, or the frame with the message."""
    return console_error(TEMPLATES, request, error)


def tenant_of(runtime: Runtime, principal: Principal) -> Tenant:
    """The caller's tenant (404 for a key of a deleted tenant)."""
    tenant = runtime.tenants.get_tenant(principal.tenant_id)
    if tenant is None:
        raise not_found("tenant")
    return tenant


def may_edit(principal: Principal | None) -> bool:
    """Whether the caller may use the pages' forms (editors and admins, the admin key)."""
    return principal is not None and principal.role is not None and principal.role.at_least(Role.EDITOR)


def local_time(lang: Lang, moment: datetime | None, timezone: str) -> str:
    """A moment in the tenant's time zone: `31.05.2024 14:05` / `2024-05-31 14:05`; `–` for none."""
    if moment is None:
        return "–"
    local = moment.astimezone(ZoneInfo(timezone))
    day = f"{local.day:02d}.{local.month:02d}.{local.year}" if lang == "de" else local.date().isoformat()
    return f"{day} {local.hour:02d}:{local.minute:02d}"


def now_utc() -> datetime:
    """The current moment (aware, UTC)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Names:
    """Display names of the tenant's stores (the caller's only) and surveys."""

    stores: dict[str, str]
    surveys: dict[str, str]

    def store(self, location_id: str | None, lang: Lang) -> str:
        """A store's name (its id when unknown)."""
        if location_id is None:
            return t(lang, "no_store")
        return self.stores.get(location_id, location_id)

    def survey(self, survey_id: str | None) -> str:
        """A survey's name (its id when unknown)."""
        return "–" if survey_id is None else self.surveys.get(survey_id, survey_id)


def names_of(runtime: Runtime, principal: Principal) -> Names:
    """The names of the stores the caller may see and of every survey of the tenant."""
    stores = {
        loc.location_id: loc.name
        for loc in runtime.locations.list_locations(principal.tenant_id)
        if can_see(principal, loc.location_id)
    }
    surveys = {s.survey_id: s.name for s in runtime.surveys.list(principal.tenant_id)}
    return Names(stores, surveys)


def notice_of(request: Request, lang: Lang) -> str | None:
    """The notice a redirect after a form asked for (`?notice=`), in the page's language."""
    query: Mapping[str, str] = request.query_params or {}
    key = query.get("notice")
    return t(lang, key) if key in NOTICES else None


def page_texts(request: Request) -> tuple[Lang, functools.partial[str]]:
    """The page language and the text lookup in it (`text("key", name=value)`)."""
    lang = page_lang(request)
    return lang, functools.partial(t, lang)


def band_label(lang: Lang, name: str | None) -> str:
    """A band's label (empty for none)."""
    return t(lang, name) if name else ""


def context(request: Request, principal: Principal) -> dict[str, Any]:
    """Template values every loop page uses."""
    lang, text = page_texts(request)
    return {"lang": lang, "t": text, "may_edit": may_edit(principal), "notice": notice_of(request, lang)}
