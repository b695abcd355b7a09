"""The key footer: the keys this screen needs most, then ``Esc`` and ``F1 帮助`` — in 80 columns.

One widget drawing one line of text. Textual's ``Footer`` mounts a widget per
key and rebuilds them whenever the bindings change (every focus change and
screen switch), which costs more than the rest of a repaint on a slow machine;
this draws the same information as a single line.

The screen's shown bindings come first, in the order the screen declares them
(its priority order); on the right, always, the way back (``Esc 返回``, or what
Esc does here: ``Esc 清除筛选``, ``Esc 取消``) and ``F1 帮助``. A key that does not
fit is left out whole — never cut mid-word — and is still listed on F1. A screen
may show some of the app's global keys too (``FOOTER_GLOBAL``: the home screen
shows Ctrl+L and Ctrl+Q).
"""
from __future__ import annotations

from itertools import groupby
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from ...i18n import t

GAP = "  "
OPEN = t("tui.key.open")


def screen_bindings(screen: Screen) -> list[tuple[Any, Binding, bool]]:
    """``(node, binding, enabled)`` for every binding of the focused widget, its containers and the
    screen — also those a search box takes while it has the focus (they work from the list, from F1
    and from the palette) — that this operator may use, focused-most first."""
    app = screen.app
    focused = screen.focused
    nodes = [n for n in focused.ancestors_with_self if n is not app] if focused is not None else [screen]
    out = []
    for node in nodes:
        for bindings in node._bindings.key_to_bindings.values():
            for binding in bindings:
                state = app._check_action_state(binding.action, node)
                if state is not False:
                    out.append((node, binding, bool(state)))
    return out


def footer_bindings(screen: Screen) -> tuple[list[tuple[Binding, bool]], tuple[Binding, bool] | None,
                                             tuple[Binding, bool] | None]:
    """``(left, escape, help)``: the shown bindings of ``screen`` in order (then the app keys it asks
    for in ``FOOTER_GLOBAL``), its Esc binding and F1."""
    extra = getattr(screen, "FOOTER_GLOBAL", ())
    seen: set[str] = set()
    left = []
    globals_: dict[str, tuple[Binding, bool]] = {}
    escape = help_ = None
    for key, (node, binding, enabled, _tip) in screen.active_bindings.items():
        if key == "escape":
            if binding.description:
                escape = (binding, enabled)
        elif key == "f1":
            help_ = (binding, enabled)
        elif key in extra and node is screen.app:
            globals_[key] = (binding, enabled)
        elif binding.show and binding.description and binding.action not in seen:
            seen.add(binding.action)
            left.append((binding, enabled))
    left.extend(globals_[key] for key in extra if key in globals_)
    return left, escape, help_


def escape_label(screen: Screen, binding: Binding) -> str:
    """What Esc does here, in Chinese: the screen's word for its way back, the binding's own, or — for
    a binding of Textual's own widgets (the open list of a choice field: ``Dismiss menu``) — 取消."""
    label = getattr(screen, "escape_label", None)
    if binding.action == "back" and label is not None:
        return label()
    return binding.description if _chinese(binding.description) else t("tui.key.cancel")


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text or "")


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
        left, escape, help_ = footer_bindings(self.screen)
        return (tuple((b.key, b.description, enabled) for b, enabled in left),
                escape and (escape[0].description, self._escape_label(escape[0]), escape[1]), help_ is not None)

    def _escape_label(self, binding: Binding) -> str:
        return escape_label(self.screen, binding)

    def _item(self, key: str, description: str, enabled: bool = True) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        off_style = self.get_component_rich_style("key-bar--disabled")
        return Text.assemble((key, key_style if enabled else off_style),
                             (f" {description}", None if enabled else off_style))

    def items(self) -> tuple[list[Text], list[Text]]:
        """The left items (in order) and the right ones (Esc, F1), each one key and its word.

        ``回车 打开`` is the same on every list (and on F1): when not every key fits, it gives way first.
        """
        left, right, _generic = self._items()
        return left, right

    def _items(self) -> tuple[list[Text], list[Text], list[Text]]:
        """:meth:`items`, and the generic items that gave way."""
        app = self.app
        left, escape, help_ = footer_bindings(self.screen)
        out: list[tuple[Text, bool]] = []
        for group, grouped in groupby(left, key=lambda item: item[0].group):
            grouped = list(grouped)
            if group is not None and group.compact and len(grouped) > 1:
                keys = [app.get_key_display(b) for b, _ in grouped]
                out.append((self._item(f"{keys[0]}…{keys[-1]}" if len(keys) > 2 else "/".join(keys),
                                       group.description), False))
                continue
            out.extend((self._item(app.get_key_display(b), b.description, enabled),
                        b.key == "enter" and b.description == OPEN) for b, enabled in grouped)
        right = []
        if escape is not None:
            right.append(self._item(app.get_key_display(escape[0]), self._escape_label(escape[0]), escape[1]))
        if help_ is not None:
            right.append(self._item(app.get_key_display(help_[0]), help_[0].description, help_[1]))
        room = self.size.width - sum(r.cell_len + len(GAP) for r in right)
        gave_way = []
        if sum(item.cell_len + len(GAP) for item, _ in out) > room:
            gave_way = [item for item, generic in out if generic]
            out = [(item, generic) for item, generic in out if not generic]
        return [item for item, _ in out], right, gave_way

    def fit(self) -> tuple[list[Text], list[Text], list[Text]]:
        """``(shown, dropped, right)`` at the bar's width: the left items drawn, whole and in order; those
        left out (they are on F1); and the right ones (Esc, F1), always drawn. No item is ever cut."""
        left, right, dropped = self._items()
        tail = sum(r.cell_len for r in right) + len(GAP) * len(right)
        room = self.size.width - tail
        shown: list[Text] = []
        used = 0
        for i, item in enumerate(left):  # whole items only, and none after the first that does not fit
            if used + item.cell_len > room:
                dropped = left[i:] + dropped
                break
            shown.append(item)
            used += item.cell_len + len(GAP)
        return shown, dropped, right

    @property
    def shown(self) -> list[str]:
        """The items drawn (``"p 打印"``), left to right: what the operator reads in the footer."""
        shown, _dropped, right = self.fit()
        return [item.plain for item in shown + right]

    @property
    def dropped(self) -> list[str]:
        """The items that did not fit in the footer (F1 lists them)."""
        return [item.plain for item in self.fit()[1]]

    def render(self) -> Text:
        self._drawn = self._key()
        left, _dropped, right = self.fit()
        width = self.size.width
        tail = Text(GAP).join(right)
        text = Text(no_wrap=True, overflow="crop")
        for item in left:
            text.append_text(item)
            text.append(GAP)
        gap = width - text.cell_len - tail.cell_len
        if gap > 0:
            text.append(" " * gap)
        text.append_text(tail)
        text.truncate(width)
        return text
