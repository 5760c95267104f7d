"""Every module of this package registers its figures with `bench.registry.figure` on import."""

from __future__ import annotations

import importlib
import pkgutil


def load_figures() -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{module.name}")
