"""Jinja2 templates of the HTML pages: autoescaping always on, the locale's formatters as filters.

A function keeps its templates in `chalicelib/templates/` and renders them through a
`Templates` made for that folder. Jinja2 is imported when the first page is rendered, not when
the function starts (most requests of a function are JSON).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from touchpoint.web import locale

if TYPE_CHECKING:
    from jinja2 import Environment

#: The locale's formatters, as filters: `{{ value | number(lang, 1) }}`, `{{ day | date(lang) }}`.
FILTERS: Mapping[str, Any] = {
    "number": lambda value, lang, decimals=0: locale.format_number(lang, value, decimals),
    "percent": lambda value, lang, decimals=1: locale.format_percent(lang, value, decimals),
    "money": lambda value, lang, currency=locale.DEFAULT_CURRENCY: locale.format_money(lang, value, currency),
    "change": lambda value, lang: locale.format_change(lang, value),
    "date": lambda value, lang: locale.format_date(lang, value),
}


def style_hash(css: str) -> str:
    """The CSP source (`'sha256-...'`) allowing exactly this inline style block."""
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def minified_css(path: Path) -> str:
    """A stylesheet read once, each line stripped and joined (what the pages inline)."""
    return "".join(line.strip() for line in path.read_text(encoding="utf-8").splitlines())


class Templates:
    """The templates of one folder (then of any `also` folders), with autoescaping on for every template.

    `also` lets a function's pages extend shared layouts (the console's `touchpoint.web.console`).
    """

    def __init__(
        self, folder: Path, globals_: Mapping[str, Any] | None = None, *, also: Sequence[Path] = ()
    ) -> None:
        self.folder = folder
        self.folders = [folder, *also]
        self._globals = dict(globals_ or {})

    @cached_property
    def environment(self) -> Environment:
        """The Jinja2 environment (made, and Jinja2 imported, on first use)."""
        from jinja2 import Environment, FileSystemLoader, StrictUndefined

        environment = Environment(
            loader=FileSystemLoader(self.folders),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        environment.filters.update(FILTERS)
        environment.globals.update(self._globals)
        return environment

    def render(self, name: str, **context: Any) -> str:
        """Render the template `name` with `context` (every value escaped unless marked safe)."""
        return self.environment.get_template(name).render(**context)
