"""Reusable widgets: every plugin screen builds on these.

Exported lazily, so that the login and home screens don't pay for the form's
input widgets at start-up.
"""
from __future__ import annotations

import importlib
from typing import Any

_HOME = {"Form": "form", "FormField": "form", "form_check": "form", "Column": "record_list", "ListSource": "record_list",
         "QuerySource": "record_list", "RecordList": "record_list", "RecordSource": "record_list",
         "KeyBar": "key_bar", "OperatorBar": "operator_bar", "SearchBox": "search_box"}
__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(name)
    return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
