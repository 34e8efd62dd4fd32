"""Load the Chalice apps of `functions/` by file path, keeping their module names apart.

Every function has its own `app.py` and `chalicelib` package. Loading one puts its `chalicelib`
modules into `sys.modules` under `touchpoint_functions.<name>.chalicelib...` and removes the bare
`chalicelib` names, so the next function's `chalicelib` imports afresh. Function code therefore
imports its `chalicelib` modules at module top only (never inside a function body), or names them
with its `chalicelib.lazy.LazyModule`, whose first use imports them through `function_module`.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from touchpoint_cli.paths import FUNCTIONS_DIR

_LOCK = threading.Lock()
_NAMESPACE = "touchpoint_functions"


def _bare_chalicelib_names() -> list[str]:
    return [k for k in sys.modules if k == "chalicelib" or k.startswith("chalicelib.")]


def _exec_in_function(name: str, module_name: str, file: Path, functions_dir: Path) -> ModuleType:
    app_dir = functions_dir / name
    qualified = f"{_NAMESPACE}.{name}.{module_name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    for stale in _bare_chalicelib_names():
        del sys.modules[stale]
    # The function's own chalicelib modules that were loaded before come back under their bare names
    # so that `from chalicelib.x import y` in this module reuses them.
    own_prefix = f"{_NAMESPACE}.{name}."
    for key in [k for k in sys.modules if k.startswith(own_prefix + "chalicelib")]:
        sys.modules[key[len(own_prefix) :]] = sys.modules[key]
    sys.path.insert(0, str(app_dir))
    try:
        spec = importlib.util.spec_from_file_location(qualified, file)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {file}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[qualified]
            raise
        return module
    finally:
        sys.path.remove(str(app_dir))
        for key in _bare_chalicelib_names():
            sys.modules[own_prefix + key] = sys.modules.pop(key)


def load_app_module(name: str, functions_dir: Path = FUNCTIONS_DIR) -> ModuleType:
    """Import `functions/<name>/app.py` (once) and return the module."""
    with _LOCK:
        module = _exec_in_function(name, "app", functions_dir / name / "app.py", functions_dir)
    lazy = sys.modules.get(f"{_NAMESPACE}.{name}.chalicelib.lazy")
    if lazy is not None:  # the function's lazily imported modules load as this loader keeps them
        lazy.use_importer(lambda dotted: _import_for(name, dotted, functions_dir))
    return module


def _import_for(name: str, dotted: str, functions_dir: Path) -> ModuleType:
    if dotted == "chalicelib" or dotted.startswith("chalicelib."):
        return function_module(name, dotted, functions_dir)
    return importlib.import_module(dotted)


def load_app(name: str, functions_dir: Path = FUNCTIONS_DIR) -> Any:
    """The Chalice app object of a function."""
    return load_app_module(name, functions_dir).app


def function_module(name: str, dotted: str, functions_dir: Path = FUNCTIONS_DIR) -> ModuleType:
    """A module of a function's chalicelib, e.g. `function_module("ingest", "chalicelib.batch")`."""
    load_app_module(name, functions_dir)
    with _LOCK:
        qualified = f"{_NAMESPACE}.{name}.{dotted}"
        if qualified in sys.modules:
            return sys.modules[qualified]
        file = functions_dir / name / (dotted.replace(".", "/") + ".py")
        return _exec_in_function(name, dotted, file, functions_dir)


def unload_functions() -> None:
    """Forget every loaded function module (tests that change the environment at cold start)."""
    with _LOCK:
        for key in [k for k in sys.modules if k.startswith(_NAMESPACE + ".")]:
            del sys.modules[key]
        for key in _bare_chalicelib_names():
            del sys.modules[key]
