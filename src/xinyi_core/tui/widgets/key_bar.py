"""The key footer: every action the operator can take here, with its key.

One widget drawing one line of text. Textual's ``Footer`` mounts a widget per
key and rebuilds them whenever the bindings change (every focus change and
screen switch), which costs more than the rest of a repaint on a slow machine;
this draws the same information as a single line.
"""
from __future__ import annotations

from itertools import groupby
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; color: $foreground; }
    KeyBar > .key-bar--key { text-style: bold; color: $accent; }
    KeyBar > .key-bar--disabled { color: $text-disabled; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--disabled"}

    def on_mount(self) -> None:
        self._drawn: tuple = ()
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, screen: Screen) -> None:
        # Bindings are "updated" on every focus change and screen switch, mostly to
        # the same keys: only a different set is worth a repaint (and the bytes).
        if self._key() != self._drawn:
            self.refresh()

    def _key(self) -> tuple:
        return tuple((b.key, b.description, enabled) for b, enabled in self._shown())

    def _shown(self) -> list[tuple[Binding, bool]]:
        seen: set[str] = set()
        out = []
        for _node, binding, enabled, _tip in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                out.append((binding, enabled))
        return out

    def render(self) -> Text:
        self._drawn = self._key()
        app = self.app
        key_style = self.get_component_rich_style("key-bar--key")
        off_style = self.get_component_rich_style("key-bar--disabled")
        text = Text(no_wrap=True, overflow="crop")
        for group, items in groupby(self._shown(), key=lambda item: item[0].group):
            items = list(items)
            if group is not None and len(items) > 1:
                keys = [app.get_key_display(b) for b, _ in items]
                text.append(f"{keys[0]}…{keys[-1]}" if len(keys) > 2 else "/".join(keys), key_style)
                text.append(f" {group.description}  ")
                continue
            for binding, enabled in items:
                text.append(app.get_key_display(binding), key_style if enabled else off_style)
                text.append(f" {binding.description}  ", None if enabled else off_style)
        palette = self.screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
        if palette is not None and app.ENABLE_COMMAND_PALETTE:
            right = Text.assemble((app.get_key_display(palette[1]), key_style), f" {palette[1].description}")
            gap = self.size.width - text.cell_len - right.cell_len
            if gap > 0:
                text.append(" " * gap)
                text.append_text(right)
        text.truncate(self.size.width)
        return text
