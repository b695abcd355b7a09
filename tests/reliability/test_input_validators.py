"""Bad input (issue 11): every validator either normalises a value or refuses it in Chinese.

Property tests (hypothesis) over arbitrary text, dates and numbers. The contract of a
validator: it returns a normalised value (idempotent: normalising it again changes nothing)
or raises the project's ``ValidationError``/``XinyiError`` whose key is in the catalogue and
whose message is Chinese — never another exception type, never an English message.

Inventory of the validators and form-cleaning functions (rule functions: test_input_rules.py;
importers: test_input_importer.py):

xinyi_core.validators
    id_number (GB 11643 shape, birth date, check digit), id_check_digit, id_birth_date, id_sex,
    mobile, person_name, date, choice
xinyi_core.people
    clean (every person field; sex and birth date derived from the ID and checked when given)
xinyi_core.calendar (ATT-1)
    national_kind, day_kind, is_working_day, working_days, count_working_days,
    coverage_warnings, set_hours (end after start), add_closure
xinyi_core.config
    load (every value check of xinyi.toml and towns.toml: types, URLs, HH:MM, time zone,
    city code, [calendar.years.YYYY] dates, known keys), validate_plugins, validate_towns,
    Setting.accepts (each plugin's declared settings and their checks)
plugin form cleaning
    xinyi_attendance.dialogs: _parse_dt, _parse_time, _check_call, _check_times (ATT-2)
    xinyi_worklog.rules: int_or_none (spot-check size and seed, WORK-2)
    xinyi_leave.service.clean (the leave slip, ATT-3/ATT-4; tested in test_input_rules.py)
    xinyi_departure.dialogs._check_person (= people.clean, partial)
    xinyi_assessment.rules.scheme: parse, load (附件1 scheme, ASM-5; tested in test_input_rules.py)
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import assume, example, given, strategies as st

from _input_helpers import DB, FAST, MEDIUM, chinese, clear_error
from xinyi_core import calendar, config as config_mod, people, validators
from xinyi_core.errors import CalendarUnavailable, ConfigError, FormErrors, ValidationError, XinyiError
from xinyi_core.models import TownClosure
from xinyi_core.plugins import Plugins

TODAY = dt.date(2026, 6, 1)
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ID_CHARS = "0123456789Xx ０１２３４５６７８９Ｘ-\u3000"
CJK_COMMON = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)

any_text = st.text(max_size=40)
near_id = st.text(alphabet=ID_CHARS, min_size=15, max_size=22)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)


def make_id(region: int, birth: dt.date, seq: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + validators.id_check_digit(first17)


valid_ids = st.builds(make_id, st.integers(110000, 659999), births, st.integers(0, 999))


def refused(fn, *args, **kwargs) -> ValidationError:
    with pytest.raises(XinyiError) as exc:
        fn(*args, **kwargs)
    clear_error(exc.value)
    assert isinstance(exc.value, ValidationError)
    return exc.value


def outcome(fn, *args, **kwargs):
    """The value, or the clear error (any other exception fails the test)."""
    try:
        return fn(*args, **kwargs), None
    except XinyiError as exc:
        clear_error(exc)
        return None, exc


# --------------------------------------------------------------------------- ID numbers (GB 11643)

@FAST
@given(st.one_of(any_text, near_id))
def test_id_number_normalises_or_refuses_in_chinese(text):
    number, err = outcome(validators.id_number, text, today=TODAY)
    if err is None:
        assert len(number) == 18 and number[:17].isascii() and number[:17].isdigit() and number[17] in "0123456789X"
        assert validators.id_check_digit(number[:17]) == number[17]
        assert dt.date(1900, 1, 1) <= validators.id_birth_date(number) <= TODAY
        assert validators.id_number(number, today=TODAY) == number  # idempotent
    else:
        assert err.field == "id_number"


@FAST
@given(valid_ids, st.sampled_from(["plain", "lower", "spaced", "full_width", "ideographic_space"]))
def test_any_valid_id_in_any_typed_form_normalises_to_itself(number, form):
    typed = {"plain": number, "lower": number.lower(), "spaced": f" {number[:6]} {number[6:14]} {number[14:]} ",
             "full_width": number.translate(FULL_WIDTH), "ideographic_space": "\u3000" + number + "\u3000"}[form]
    assert validators.id_number(typed, today=TODAY) == number


@FAST
@given(st.integers(110000, 659999), births, st.integers(0, 999), st.sampled_from(["", "男", "女", "M", "F"]))
def test_clean_derives_birth_and_sex_from_any_valid_id_and_checks_the_stated_sex(region, birth, seq, stated):
    number = make_id(region, birth, seq)
    male = seq % 2 == 1  # GB 11643: the 17th digit, odd for men
    data = {"name": "王小明", "id_number": number, "phone": "13912345678", "sex": stated,
            "birth_date": f"{birth.year}年{birth.month}月"}
    agrees = stated in ("", "男" if male else "女", "M" if male else "F")
    if agrees:
        out = people.clean(data, today=TODAY)
        assert (out["sex"], out["birth_date"]) == ("M" if male else "F", birth)
        assert (validators.id_sex(number), validators.id_birth_date(number)) == (out["sex"], birth)
    else:
        with pytest.raises(FormErrors) as exc:
            people.clean(data, today=TODAY)
        clear_error(exc.value)
        assert set(exc.value.errors) == {"sex"}


# --------------------------------------------------------------------------- phones, names, dates, choices

mobile_digits = st.builds(lambda p, rest: f"1{p}{rest:09d}", st.sampled_from("3456789"), st.integers(0, 10**9 - 1))


@FAST
@given(st.one_of(any_text, st.text(alphabet="+0123456789- ０１３９", max_size=18)))
def test_mobile_normalises_or_refuses_in_chinese(text):
    phone, err = outcome(validators.mobile, text)
    if err is None:
        assert len(phone) == 11 and phone.isascii() and phone.isdigit() and phone[0] == "1" and phone[1] in "3456789"
        assert validators.mobile(phone) == phone


@FAST
@given(mobile_digits, st.sampled_from(["{}", "+86{}", "+86 {}", "0086-{}", "{a}-{b}-{c}", " {} "]),
       st.booleans())
def test_any_mobile_with_typing_noise_normalises_to_its_eleven_digits(number, pattern, full_width):
    typed = pattern.format(number, a=number[:3], b=number[3:7], c=number[7:])
    if full_width:
        typed = typed.translate(FULL_WIDTH)
    assert validators.mobile(typed) == number


@FAST
@given(any_text)
def test_person_name_normalises_or_refuses_in_chinese(text):
    name, err = outcome(validators.person_name, text)
    if err is None:
        assert 2 <= len(name) <= 20 and name == name.strip()
        assert not name.startswith("·") and not name.endswith("·") and "··" not in name
        assert validators.person_name(name) == name


@FAST
@given(st.lists(st.text(CJK_COMMON, min_size=1, max_size=4), min_size=1, max_size=3).map("·".join)
       .filter(lambda n: 2 <= len(n) <= 20))
def test_any_han_name_is_accepted_with_the_minority_name_dot(name):
    assert validators.person_name(f" {name}\u3000") == name


@pytest.mark.parametrize("name", ["𠈌明", "王𪚥", "𠀾𠀾"])  # CJK Extension B+ (生僻字 on real ID cards)
def test_rare_han_characters_are_accepted(name):
    assert validators.person_name(name) == name


@pytest.mark.parametrize("name", ["··", "·王", "王·", "王··明", "王 明", "Wang", "王"])
def test_names_that_are_no_names_are_refused(name):
    assert refused(validators.person_name, name).key == "validation.name"


@FAST
@given(any_text)
def test_date_parses_or_refuses_in_chinese(text):
    day, err = outcome(validators.date, text, "joined_on")
    if err is None:
        assert isinstance(day, dt.date)
        assert validators.date(day, "joined_on") == day
        assert validators.date(day.isoformat(), "joined_on") == day  # idempotent through its text


@FAST
@given(st.dates(), st.sampled_from(["iso", "slash", "dot", "han", "datetime"]))
def test_any_date_in_the_forms_rosters_use_round_trips(day, form):
    text = {"iso": day.isoformat(), "slash": f"{day.year:04d}/{day.month}/{day.day}",
            "dot": f"{day.year:04d}.{day.month}.{day.day}", "han": f"{day.year:04d}年{day.month}月{day.day}日",
            "datetime": dt.datetime.combine(day, dt.time(10, 30))}[form]
    assert validators.date(text, "start_on") == day


@FAST
@given(st.one_of(any_text, st.sampled_from(["party_member", "中共党员", "群众", " 群众 ", "masses", "党员"])))
def test_choice_returns_an_allowed_code_or_lists_the_options(text):
    labels = people.labels("political_status")
    code, err = outcome(validators.choice, text, tuple(labels), "political_status", labels)
    if err is None:
        assert code in labels
        assert validators.choice(labels[code], tuple(labels), "political_status", labels) == code
    else:
        assert all(label in str(err) for label in labels.values())  # the message lists every option


# --------------------------------------------------------------------------- a whole person (people.clean)

person_values = st.one_of(st.none(), any_text, valid_ids, mobile_digits, st.sampled_from(
    ["男", "女", "M", "X", "群众", "中共党员", "大专", "本科", "2021-03-01", "2021年3月", "1990.4", "王小明"]))
person_forms = st.dictionaries(st.sampled_from(["name", "id_number", "phone", "sex", "birth_date", "political_status",
                                                "education", "joined_on"]), person_values)


@FAST
@given(person_forms, st.booleans())
def test_people_clean_returns_clean_fields_or_every_error_in_chinese(data, partial):
    out, err = outcome(people.clean, data, partial=partial, today=TODAY)
    if err is not None:
        assert isinstance(err, FormErrors)
        assert set(err.errors) <= set(data) | {"name", "id_number", "phone"}  # only fields of the form
        return
    if "id_number" in out:
        assert (out["sex"], out["birth_date"]) == (validators.id_sex(out["id_number"]),
                                                   validators.id_birth_date(out["id_number"]))
    again = {k: v for k, v in out.items() if k not in ("sex", "birth_date", "joined_on")}
    assert {k: v for k, v in people.clean(again, partial=True, today=TODAY).items()
            if k in again} == again  # idempotent


# --------------------------------------------------------------------------- the calendar (ATT-1)

covered_days = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2026, 12, 31))


@MEDIUM
@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31)))
def test_every_day_has_a_kind_or_a_chinese_refusal_naming_its_year(xinyi, day):
    try:
        kind = calendar.national_kind(day)
    except CalendarUnavailable as exc:
        assert not calendar.covered(day.year)
        assert str(day.year) in clear_error(exc)
        return
    assert calendar.covered(day.year) and kind in calendar.DAY_KINDS
    if kind == "workday":
        assert day.weekday() < 5
    if kind == "makeup":
        assert day.weekday() >= 5


@DB
@given(covered_days, st.integers(0, 45), st.sets(st.integers(0, 45), max_size=4))
def test_working_day_count_never_exceeds_calendar_days_and_closures_take_only_working_days(
        city, start, length, closure_offsets):
    town = city.towns[0]
    end = start + dt.timedelta(days=length)
    assume(calendar.covered(end.year))  # a span into an uncovered year is refused: its own test above
    TownClosure.delete().where(TownClosure.town == town).execute()
    before = calendar.working_days(town, start, end)
    closed = {start + dt.timedelta(days=o) for o in closure_offsets if o <= length}
    for day in closed:
        TownClosure.create(town=town, date=day, reason="停电检修")
    after = calendar.working_days(town, start, end)
    assert len(after) == calendar.count_working_days(town, start, end) <= length + 1
    assert set(after) == set(before) - closed
    assert after == [d for d in calendar.days(start, end) if calendar.is_working_day(town, d)]
    assert calendar.count_working_days(town, end, start - dt.timedelta(days=1)) == 0  # an empty span


@DB
@given(st.times(), st.times())
def test_town_hours_must_end_after_they_start(city, start, end):
    town, op = city.towns[1], city.op("town_head", "b")
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    row, err = outcome(calendar.set_hours, op, town, start, end, dt.date(2026, 1, 1))
    assert (err is None) == (end > start)
    if err is not None:
        assert err.field == "end"
    else:
        assert calendar.working_hours(town, dt.date(2026, 3, 1)) == (start, end)


# --------------------------------------------------------------------------- the configuration

def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if value != value else ("inf" if value > 0 else "-inf") if value in (float("inf"), -float("inf")) \
            else repr(value)
    if isinstance(value, (int, dt.date)):
        return str(value) if isinstance(value, int) else value.isoformat()
    if isinstance(value, str):
        return _toml_str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml_str(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def _toml_str(text: str) -> str:
    """A TOML basic string: JSON's escapes, and DEL, which JSON leaves as it is and TOML forbids."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


toml_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
scalars = st.one_of(st.booleans(), st.integers(-10**6, 10**6), st.floats(), toml_text, st.dates(),
                    st.sampled_from(["08:30", "25:00", "8:30", "Asia/Shanghai", "../etc", "320381", "３２０３８１", "all",
                                     "password", "sqlite:///x.db", "redis://h:1/0", "2026-10-01", "²", "a\x00b"]))
toml_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) |
                           st.dictionaries(st.sampled_from(["holidays", "workdays", "2026", "²", "a"]), inner,
                                           max_size=2), max_leaves=6)
KNOWN = {section: list(keys) + ["typo"] for section, keys in config_mod._KNOWN_KEYS.items()}
KNOWN["calendar"] += ["years"]
KNOWN["settings"] = ["leave", "assessment", "nobody"]
KNOWN["extra"] = ["name"]
KNOWN["datbase"] = ["url"]  # a misspelt [database]: refused, with the close match
UNKNOWN_SECTIONS = {"extra": None, "datbase": "database"}
config_docs = st.lists(st.sampled_from(sorted(KNOWN)).flatmap(lambda section: st.tuples(
    st.just(section), st.dictionaries(st.sampled_from(KNOWN[section]), toml_values, max_size=3))),
    max_size=4).map(dict)


def _write_doc(path: Path, doc: dict) -> None:
    lines = []
    for section, table in doc.items():
        lines.append(f"[{section}]")
        lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in table.items()]
    path.write_text("\n".join(lines) + "\n", "utf-8")


@pytest.fixture
def no_env(monkeypatch):
    for name in ("XINYI_DATABASE_URL", "XINYI_REDIS_URL", "XINYI_CONFIG"):
        monkeypatch.delenv(name, raising=False)


@MEDIUM
@given(doc=config_docs)
@example(doc={"paths": {"data_dir": "a\x00b"}})  # TOML allows \u0000; every file call would crash
@example(doc={"calendar": {"years": {"²": {}}}})  # "²".isdigit(), but int("²") fails
@example(doc={"calendar": {"years": {"2031": {"holidays": 5}}}})
@example(doc={"datbase": {"url": "sqlite:///x.db"}})  # a misspelt [database] left the default in force
@example(doc={"paths": {"data_dir": 5}, "extra": {}})  # the unknown section is reported, not the bad value
def test_any_config_values_load_or_stop_with_one_chinese_line_naming_file_and_key(tmp_path, no_env, doc):
    path = tmp_path / "xinyi.toml"
    _write_doc(path, doc)
    # Issue 20 (8): an unknown section or key is never ignored; it is the error reported, with its close match
    unknown = [s for s in doc if s in UNKNOWN_SECTIONS] + [f"{s}.typo" for s, table in doc.items()
                                                           if s not in UNKNOWN_SECTIONS and "typo" in table]
    try:
        cfg = config_mod.load(path)
    except ConfigError as exc:
        message = clear_error(exc, *exc.params.values())
        assert "\n" not in message and str(path) in message
        if unknown:
            named = exc.params.get("key")
            assert exc.key == "config.unknown" and named in unknown and f" {named} " in message, message
            if UNKNOWN_SECTIONS.get(named):
                assert f"是否应为 {UNKNOWN_SECTIONS[named]}" in message
        return
    assert not unknown, f"{unknown} ignored"
    assert cfg.city_code.isdigit() and len(cfg.city_code) == 6 and cfg.work_start and cfg.work_end
    assert all(isinstance(d, dt.date) for y in cfg.calendar_years.values() for d in y.holidays | y.workdays)


@MEDIUM
@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=80).map(lambda s: s.encode("gb18030")),
                     st.sampled_from([b"[city]\nname = '\xd0\xc2\xd2\xca\xca\xd0'\n",  # 新沂市 saved as GBK
                                      b"\xff\xfe[\x00c\x00i\x00t\x00y\x00]\x00"])))
def test_any_bytes_as_config_file_load_or_stop_in_chinese(tmp_path, no_env, raw):
    path = tmp_path / "xinyi.toml"
    path.write_bytes(raw)
    try:
        config_mod.load(path)
    except ConfigError as exc:
        assert str(path) in clear_error(exc, *exc.params.values())


def test_a_directory_as_config_file_is_a_chinese_error(tmp_path, no_env):
    with pytest.raises(ConfigError) as exc:
        config_mod.load(tmp_path)
    assert str(tmp_path) in clear_error(exc.value, tmp_path)


_declared = None


def declared_settings() -> dict:
    global _declared
    if _declared is None:
        plugins = Plugins()
        plugins.load_entry_points()
        _declared = plugins.settings()
    return _declared


plugin_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(), toml_text,
                                       st.sampled_from(["calendar", "working", "floor", "zero", "ceil"])),
                             lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                                 st.sampled_from(["excellent", "pass", "basic", "a"]), inner, max_size=4), max_leaves=8)


@FAST
@given(st.data())
def test_every_declared_plugin_setting_accepts_or_refuses_any_value_in_chinese(data):
    declared = declared_settings()
    plugin = data.draw(st.sampled_from(sorted(declared)))
    key = data.draw(st.sampled_from(sorted(declared[plugin])))
    value = data.draw(plugin_values)
    spec = declared[plugin][key]
    accepted = spec.accepts(value)  # never raises
    assert isinstance(accepted, bool)
    assert spec.accepts(spec.default)
    cfg = config_mod.Config(path=Path("/etc/xinyi/xinyi.toml"), database_url="sqlite:///:memory:", redis_url="",
                            data_dir=Path("/tmp"), report_dir=Path("/tmp"), settings={plugin: {key: value}})
    try:
        config_mod.validate_plugins(cfg, declared, declared)
    except ConfigError as exc:
        assert not accepted
        assert f"settings.{plugin}.{key}" in clear_error(exc, *exc.params.values())
    else:
        assert accepted


# --------------------------------------------------------------------------- report periods (xinyi report --period)

@FAST
@given(st.sampled_from(["month", "quarter", "year"]), st.one_of(any_text, st.sampled_from(
    ["2026-11", "2026-1", "2026-13", "2026-Q4", "2026-q1", "2026-Q5", "-001-Q1", "0001-01", "0001-Q1", "2026",
     "２０２６", "２０２６-Q4", "²²²²", "٢٠٢٦", "²０２６-Q1", " 2026-Q2 "])))
@example(kind="year", text="²²²²")  # isdigit() but no number: the job failed later, at int()
@example(kind="quarter", text="-001-Q1")  # a quarter of the year −1: date() failed in the job
@example(kind="month", text="0001-01")  # "%Y" gives "1": the period was no YYYY-MM any more
@example(kind="quarter", text="0000-Q1")
def test_report_period_is_normalised_or_refused_in_chinese(kind, text):
    from xinyi_core.jobs.specs import parse_period, period_bounds
    from xinyi_training.rules import Quarter

    try:
        period = parse_period(kind, text, TODAY)
    except XinyiError as exc:  # the message quotes what was typed
        clear_error(exc, *exc.params.values())
        assert isinstance(exc, ValidationError) and exc.field == "period"
        return
    assert period.isascii() and parse_period(kind, period, TODAY) == period  # idempotent: one job per period
    if kind == "month":
        first, last = period_bounds(period)
        assert f"{first.year:04d}-{first.month:02d}" == period and first <= last
    elif kind == "quarter":
        q = Quarter.parse(period)
        assert q.first <= q.last and q.code == period
    else:
        assert dt.date(int(period), 1, 1)


# --------------------------------------------------------------------------- plugin form cleaning

@FAST
@given(st.one_of(any_text, st.sampled_from(["2026-05-07 08:30", "2026-5-7 8:3", " 2026-05-07 08:30 ", "08:30",
                                            "24:00", "2026-02-30 08:00"])))
def test_attendance_call_time_and_sign_times_parse_or_refuse_in_chinese(text):
    from xinyi_attendance import dialogs

    when, err = outcome(dialogs._parse_dt, text)
    assert (err is None or not text) == (dialogs._check_call({"called_at": text}) == {})  # empty: "required"
    if err is None:
        assert isinstance(when, dt.datetime) and when.second == 0
    hhmm, err = outcome(dialogs._parse_time, "sign_in", text)
    if err is None:
        assert hhmm is None if not text.strip() else isinstance(hhmm, dt.time)
    errors = dialogs._check_times({"sign_in": text, "sign_out": "17:30"})
    assert set(errors) <= {"sign_in"}
    for message in errors.values():
        chinese(message)


@FAST
@given(st.one_of(any_text, st.sampled_from(["10", "０", "１０", "²", "-3", " 7 ", "1e3", "٣"])))
def test_worklog_spot_check_size_is_a_whole_number_or_a_chinese_error(text):
    from xinyi_worklog.rules import int_or_none

    size, err = outcome(int_or_none, {"size": text}, "size")
    if err is None:
        assert size is None if not text.strip() else isinstance(size, int) and size >= 0
