"""A route's logic module, imported on the route's first request instead of at the cold start.

A blueprint module (wiring only) names its logic modules so that type checkers see the real
module and the function's init loads none of them:

    if TYPE_CHECKING:
        from chalicelib import cases_api
    else:
        cases_api = LazyModule("chalicelib.cases_api")

Reading any attribute of it (`cases_api.list_cases`) imports the module once and answers that
attribute; `tests/unit/bench/test_coldstart.py` checks that no logic module loads at init. The
tests and `touchpoint dev` keep several functions' `chalicelib` packages in one process:
their loader (`touchpoint_cli.apps`) sets the importer with `use_importer`.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from types import ModuleType
from typing import Any

_importer: Callable[[str], ModuleType] = import_module


def use_importer(importer: Callable[[str], ModuleType]) -> None:
    """Import lazy modules with `importer` (a loader that keeps several functions in one process)."""
    global _importer
    _importer = importer


class LazyModule:
    """Stands for the module `name` until one of its attributes is read."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        """The module's attribute; its first use imports the module (`sys.modules` afterwards)."""
        return getattr(_importer(self._name), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"
