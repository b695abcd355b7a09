"""The search box of a list screen: ``/`` goes to it and is never typed into it.

Every list with a search box binds ``/`` to focus it (UX: ``/`` focuses the
search box). A plain :class:`~textual.widgets.Input` would take the ``/``
as a character while it has focus — the people search then looks for
``/gwz`` and finds no one. A :class:`SearchBox` lets the key go to the
screen's binding instead (and drops it when the screen has none), full-width
``／`` from a Chinese input method included.
"""
from __future__ import annotations

from textual import events
from textual.widgets import Input

SLASHES = ("/", "／")


class SearchBox(Input):
    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character not in SLASHES and super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        if event.character in SLASHES:  # no binding took it: still not a character of the search
            event.prevent_default()
            event.stop()
