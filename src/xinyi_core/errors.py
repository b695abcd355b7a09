"""Errors that reach a user carry a catalogue key, so their text is Chinese."""
from __future__ import annotations

from typing import Any

from .i18n import MessageKeyError, is_strict, t


class XinyiError(Exception):
    """Base for every error an operator may see: ``XinyiError(key, **params)``.

    ``key`` is a catalogue key (``"leave.error.overlap"``), never the Chinese text
    itself; ``params`` fill its template. ``str(err)`` is the Chinese message.
    """

    key = "error.generic"

    def __init__(self, key: str | None = None, /, **params: Any) -> None:
        # positional-only: templates may use {key} themselves (config.invalid names the config key)
        self.key = key or self.key
        self.params = params
        super().__init__(t(self.key, **params))

    @property
    def message(self) -> str:
        return str(self)


class ConfigError(XinyiError):
    key = "config.invalid"


class ValidationError(XinyiError):
    """Bad input for one field: ``ValidationError(field, key, **params)``.

    ``field`` is the form field's name (``"village"``), which lets a form show the
    error beside it; ``key`` the catalogue key of the Chinese message.
    """

    key = "validation.invalid"

    def __init__(self, field: str, key: str | None = None, /, **params: Any) -> None:
        if is_strict() and not field.isascii():  # ValidationError("请选择本镇的村"): the text is not a field
            raise MessageKeyError(f"{field!r} is not a field name: ValidationError(field, key, **params)")
        self.field = field
        super().__init__(key, **params)


class PermissionDenied(XinyiError):
    key = "auth.denied"


class NotFound(XinyiError):
    key = "error.not_found"


class ConflictError(XinyiError):
    key = "error.conflict"


class Busy(XinyiError):
    """The database stayed locked by other writers for longer than the busy timeout."""

    key = "db.busy"


class CalendarUnavailable(XinyiError):
    key = "calendar.year_unavailable"

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(None, year=year)


class MigrationError(XinyiError):
    key = "db.migration_failed"


class FormErrors(XinyiError):
    """Several field errors at once: ``errors`` maps field name → Chinese message."""

    key = "validation.form"

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(None, count=len(errors))
