"""Shared checks of the bad-input tests (tests/reliability/test_input_*.py).

What "a clear error" means here: the project's own exception type (``XinyiError`` or a
subclass), a key that is in the catalogue, and a Chinese message — no ``⟨key⟩`` placeholder
and no English words of ours. User input quoted in a message (a town name from a file) is
removed before looking for English, since the user may have typed anything.
"""
from __future__ import annotations

import re

from hypothesis import HealthCheck, settings

from xinyi_core import i18n
from xinyi_core.errors import FormErrors, XinyiError

CJK = re.compile(r"[\u3400-\u9fff]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
RULE_ID = re.compile(r"\b[A-Z]{3,4}-\d+\b")  # ATT-4, TRN-1: cited in messages on purpose
# Words an operator sees in a Chinese message on purpose (file types, config values …).
ALLOWED_WORDS = ("Excel", "CSV", "UTF", "GBK", "xlsx", "csv", "TOML", "toml", "xinyi", "calendar", "years")

# Modest budgets: the whole test_input_* set must run in ~20 s on a shared 2-core machine. The
# profile (tests/conftest.py) decides the randomness: "ci" is derandomised, "deep" draws random
# examples and scales these budgets tenfold. The DB-backed properties reuse one database across
# examples: they only assert relative changes (before/after counts), so the function-scoped
# fixture health check does not apply to them.
_SCALE = max(1, settings.default.max_examples // 100)
FAST = settings(max_examples=100 * _SCALE, deadline=None)
MEDIUM = settings(max_examples=60 * _SCALE, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])
DB = settings(max_examples=25 * _SCALE, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def chinese(message: str, *quoted: object) -> str:
    """Assert ``message`` is a real Chinese catalogue message; returns it for further checks."""
    assert "⟨" not in message, message  # a missing catalogue key shows as ⟨key⟩
    assert CJK.search(message), f"no Chinese in {message!r}"
    rest = message
    for q in sorted((str(q) for q in quoted if q is not None), key=len, reverse=True):
        if q:
            rest = rest.replace(q, "")
    rest = RULE_ID.sub("", rest)
    for word in ALLOWED_WORDS:
        rest = rest.replace(word, "")
    assert not ENGLISH_WORD.search(rest), f"English in {message!r}"
    return message


def clear_error(exc: BaseException, *quoted: object) -> str:
    """``exc`` is the project's error with a catalogue key and a Chinese message (and each field error too)."""
    assert isinstance(exc, XinyiError), f"{type(exc).__name__}: {exc}"
    assert i18n.has(exc.key), exc.key
    if isinstance(exc, FormErrors):
        assert exc.errors
        for message in exc.errors.values():
            chinese(message, *quoted)
    return chinese(str(exc), *quoted)
