"""The screens of the terminal UI. Plugin screens subclass :class:`XinyiScreen`;
edit screens subclass :class:`FormScreen`; one-line questions use :class:`PromptScreen`, yes/no
questions :class:`ConfirmScreen`."""
from __future__ import annotations

import importlib
from typing import Any

from .base import XinyiScreen

_LAZY = {"ConfirmScreen": "confirm", "FormScreen": "form_screen", "PromptScreen": "form_screen", "form_failed": "form_screen"}
__all__ = ["XinyiScreen", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:  # the form's widgets load on first use, not at start-up
    if name not in _LAZY:
        raise AttributeError(name)
    return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
