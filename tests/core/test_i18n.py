"""Issue 17: errors take catalogue keys, not messages — and a wrong use fails loudly under tests.

Passing the Chinese text where a key belongs showed operators ``⟨请选择本镇的村⟩`` (the text taken for
a missing key) or ``输入有误`` (the text taken for the field name). Tests run with a strict
catalogue (set by ``xinyi_core.testing``) so such a call fails the test that reaches it; production
keeps showing the bracketed key rather than ending an operator's session.
"""
from __future__ import annotations

import string
from typing import Iterator

import pytest

from xinyi_core import NotFound, ValidationError, XinyiError, i18n, t
from xinyi_core.i18n import MessageKeyError


@pytest.fixture
def lenient() -> Iterator[None]:
    """The catalogue as production runs it."""
    i18n.set_strict(False)
    try:
        yield
    finally:
        i18n.set_strict(True)


def test_tests_run_with_a_strict_catalogue():
    assert i18n.is_strict()


@pytest.mark.parametrize("wrong", [lambda: ValidationError("village", "请选择本镇的村"),
                                   lambda: NotFound("找不到该协理员"),
                                   lambda: XinyiError("出错了"),
                                   lambda: t("leave.error.no_such_key")])
def test_a_message_passed_where_a_key_belongs_fails_the_test(wrong):
    with pytest.raises(MessageKeyError, match="not a message key"):
        wrong()


def test_chinese_text_passed_as_the_field_name_fails_the_test():
    with pytest.raises(MessageKeyError, match="not a field name"):
        ValidationError("请选择本镇的村")


def test_a_template_parameter_left_out_fails_the_test():
    with pytest.raises(MessageKeyError, match="count"):
        t("tui.form.invalid")


def test_the_documented_signatures_give_chinese_messages():
    err = ValidationError("joined_on", "validation.date", example="2026-01-31")
    assert err.field == "joined_on" and "⟨" not in err.message and err.message.isascii() is False
    assert "⟨" not in str(NotFound("person.not_found"))


def test_production_shows_the_bracketed_key_instead_of_crashing(lenient):
    assert t("no.such.key") == "⟨no.such.key⟩"
    assert str(ValidationError("village", "请选择本镇的村")) == "⟨请选择本镇的村⟩"
    assert t("tui.form.invalid") == i18n._catalogue["tui.form.invalid"]  # unfilled, not a crash


def test_every_template_of_core_and_plugins_names_only_parameters(xinyi):
    """Literal braces are doubled: a hint like ``{镇代码 = 文件路径}`` read as a parameter breaks strict t()."""
    bad = {}
    for key, template in i18n._catalogue.items():
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(template) if f]
        except ValueError as exc:
            bad[key] = str(exc)
            continue
        bad.update({key: f for f in fields if not f.split(".")[0].split("[")[0].isidentifier()})
    assert not bad


def test_a_parsed_catalogue_is_kept_per_user_and_never_shown_stale(tmp_path, monkeypatch):
    """Issue 21: the catalogues' TOML is parsed once per content and OS user, not at every start;
    an edited (or upgraded) catalogue shows its new text at once, and a damaged or unwritable cache
    only means parsing again."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = '[screen]\ntitle = "请假管理"\n'.encode()
    assert i18n.parse_catalogue(first) == {"screen": {"title": "请假管理"}}
    kept = list((tmp_path / "cache" / "xinyi").glob("*/*.marshal"))
    assert len(kept) == 1 and not list((tmp_path / "cache" / "xinyi").glob("*/*.tmp"))
    assert i18n.parse_catalogue(first) == {"screen": {"title": "请假管理"}}  # from the cache

    edited = '[screen]\ntitle = "请假审批"\n'.encode()
    assert i18n.parse_catalogue(edited) == {"screen": {"title": "请假审批"}}

    kept[0].write_bytes(b"\x00garbage")  # a damaged file: parsed anew, and the cache mended
    assert i18n.parse_catalogue(first) == {"screen": {"title": "请假管理"}}
    assert i18n.parse_catalogue(first) == {"screen": {"title": "请假管理"}}

    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/no-such-place")  # cannot be written: parsed each time
    assert i18n.parse_catalogue(edited) == {"screen": {"title": "请假审批"}}
