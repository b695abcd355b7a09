"""F1: every key of the screen the operator is on, and the keys that work everywhere, in Chinese."""
from __future__ import annotations

from typing import Any, Iterable

from textual.screen import Screen
from textual.widget import Widget

from ...i18n import t
from .. import nav
from ..widgets import Column, ListSource, RecordList
from ..widgets.key_bar import escape_label, footer_bindings, screen_bindings
from .base import XinyiScreen


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text or "")


def page_keys(app: Any, screen: Screen) -> list[tuple[str, str]]:
    """``(key, what it does)`` for every key of ``screen`` that is the screen's own, footer order first."""
    left, escape, _help = footer_bindings(screen)
    out: dict[str, str] = {}
    for binding, _enabled in left:
        if binding.key not in getattr(screen, "FOOTER_GLOBAL", ()):
            out.setdefault(app.get_key_display(binding), binding.description)
    for _node, binding, _enabled in screen_bindings(screen):
        if binding.key != "escape" and _chinese(binding.description):
            out.setdefault(app.get_key_display(binding), binding.description)
    extra = getattr(screen, "help_keys", None)
    for key, text in (extra() if extra is not None else ()):
        out.setdefault(key, text)
    if escape is not None:
        out.setdefault(app.get_key_display(escape[0]), escape_label(screen, escape[0]))
    return list(out.items())


def _enter_does_nothing(screen: Screen | None) -> bool:
    """Whether Enter is switched off on ``screen`` (its detail is shown already): F1 then does not
    promise 回车 打开 there."""
    return screen is not None and any(binding.key == "enter" and binding.action == "nothing"
                                      for _node, binding, _enabled in screen_bindings(screen))


def global_keys(app: Any, under: Screen | None = None) -> list[tuple[str, str]]:
    """The keys the same on every screen, with the operator's own F3–F10 (for the screen ``under``)."""
    out = [("F1", t("tui.help.f1")), ("F2", t("tui.nav.home"))]
    for key, group in nav.FKEY_GROUPS.items():
        entry = app.nav.get(app.fkeys.get(key, ""))
        if entry is not None:
            out.append((nav.key_label(key), t("tui.help.fkey", group=nav.group_title(group), title=entry.title)))
    if nav.DASHBOARD_KEY in app.fkeys:
        out.append((nav.key_label(nav.DASHBOARD_KEY), t(nav.DASHBOARD)))
    out += [("Esc", t("tui.help.escape")), ("Ctrl+P", t("tui.help.palette")), ("Ctrl+L", t("tui.key.logout")),
            ("Ctrl+Q", t("tui.key.quit")), ("↑ ↓", t("tui.help.move")), (t("tui.help.pages_key"), t("tui.help.pages")),
            ("Tab", t("tui.help.tab"))]
    if not _enter_does_nothing(under):
        out.append((t("tui.help.enter_key"), t("tui.help.enter")))
    return out


class HelpScreen(XinyiScreen):
    """Pushed over the screen it explains; Esc or F1 closes it."""

    TITLE_KEY = "tui.help.title"

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self._under_title = under.screen_title() if isinstance(under, XinyiScreen) else ""
        self._page, self._global = page_keys(under.app, under), global_keys(under.app, under)

    def screen_title(self) -> str:
        return t("tui.help.title_of", title=self._under_title) if self._under_title else t(self.TITLE_KEY)

    def compose_body(self) -> Iterable[Widget]:
        rows: list[tuple] = []
        sections = ((t("tui.help.page"), self._page), (t("tui.help.global"), self._global))
        for title, keys in sections:
            if not keys:
                continue
            rows.append((len(rows), f"【{title}】", ""))
            rows.extend((len(rows), key, text) for key, text in keys)
        yield RecordList([Column(t("tui.help.col_key"), 14), Column(t("tui.help.col_what"), 0)], ListSource(rows),
                         id="help-keys")

    def on_mount(self) -> None:
        self.query_one("#help-keys", RecordList).reload()
        self.query_one("#help-keys").focus()
