"""ID-card and phone validation with the edge cases a town office actually meets."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from xinyi_core import clock, fmt, validators
from xinyi_core.errors import FormErrors, ValidationError
from xinyi_core.people import clean

TODAY = dt.date(2026, 6, 1)


def make_id(region: str, birth: dt.date, seq: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + validators.id_check_digit(first17)


def seq_for_check(region: str, birth: dt.date, wanted: str) -> str:
    """A valid number for ``birth`` whose check character is ``wanted``."""
    for seq in range(1000):
        number = make_id(region, birth, seq)
        if number[-1] == wanted:
            return number
    raise AssertionError(wanted)


def error_key(value: str, **kw) -> str:
    with pytest.raises(ValidationError) as exc:
        validators.id_number(value, today=TODAY, **kw)
    assert str(exc.value) and not str(exc.value).startswith("⟨")  # a real Chinese message
    return exc.value.key


def test_check_digit_x_upper_and_lower_case():
    number = seq_for_check("320381", dt.date(1985, 3, 15), "X")
    assert validators.id_number(number, today=TODAY) == number
    assert validators.id_number(number.lower(), today=TODAY) == number  # lowercase x is normalised


def test_known_real_format_number():
    # GB 11643's worked example: 11010519491231002X
    assert validators.id_number("11010519491231002x", today=TODAY) == "11010519491231002X"
    assert validators.id_sex("11010519491231002X") == "F"
    assert validators.id_birth_date("11010519491231002X") == dt.date(1949, 12, 31)


def test_wrong_checksum_is_refused():
    number = make_id("320381", dt.date(1990, 7, 1), 123)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert error_key(wrong) == "validation.id_checksum"


def test_feb_29_on_leap_and_non_leap_years():
    assert validators.id_number(make_id("320381", dt.date(1988, 2, 29), 11), today=TODAY)
    assert validators.id_number(make_id("320381", dt.date(2000, 2, 29), 12), today=TODAY)  # /400 leap
    # 1989 and 1900 are not leap years: 19890229 is no date at all
    fake = "32038119890229011"
    assert error_key(fake + validators.id_check_digit(fake)) == "validation.id_birth"
    fake = "32038119000229011"
    assert error_key(fake + validators.id_check_digit(fake)) == "validation.id_birth"


def test_future_birth_date_is_refused():
    assert error_key(make_id("320381", TODAY + dt.timedelta(days=1), 5)) == "validation.id_birth"
    assert validators.id_number(make_id("320381", TODAY, 5), today=TODAY)


def test_fifteen_digit_old_numbers_are_refused():
    with pytest.raises(ValidationError) as exc:
        validators.id_number("320381850315123", today=TODAY)
    assert exc.value.key == "validation.id_length"
    assert "18" in str(exc.value) and "15" in str(exc.value)


def test_spaces_and_full_width_input_are_normalised():
    number = make_id("320381", dt.date(1979, 11, 30), 456)
    spaced = f" {number[:6]} {number[6:14]} {number[14:]} "
    assert validators.id_number(spaced, today=TODAY) == number
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert validators.id_number(full_width + "\u3000", today=TODAY) == number


def test_non_ascii_digits_are_not_accepted_as_digits():
    number = make_id("320381", dt.date(1979, 11, 30), 456)
    arabic_indic = number[:5] + "٣" + number[6:]  # int("٣") == 3, but it is no ID character
    with pytest.raises(ValidationError):
        validators.id_number(arabic_indic, today=TODAY)


def test_letters_in_the_body_are_refused():
    number = make_id("320381", dt.date(1979, 11, 30), 456)
    assert error_key("X" + number[1:]) == "validation.id_chars"
    assert error_key(number[:10] + "O" + number[11:]) == "validation.id_chars"
    assert error_key("") == "validation.required"


@pytest.mark.parametrize("raw, expected", [
    ("13912345678", "13912345678"),
    ("+86 139 1234 5678", "13912345678"),
    ("+8613912345678", "13912345678"),
    ("0086-139-1234-5678", "13912345678"),
    ("139-1234-5678", "13912345678"),
    ("１３９１２３４５６７８", "13912345678"),  # typed with a Chinese IME
])
def test_mobile_numbers_accepted(raw, expected):
    assert validators.mobile(raw) == expected


@pytest.mark.parametrize("raw", [
    "139123456789",  # 12 digits
    "1391234567",  # 10 digits
    "12912345678",  # no such prefix
    "0516-88881234",  # a Xuzhou landline
    "051688881234",
    "88881234",  # local landline without area code
    "+1 139 1234 5678",
    "1391234567a",
])
def test_bad_phones_refused(raw):
    with pytest.raises(ValidationError) as exc:
        validators.mobile(raw)
    assert exc.value.key == "validation.phone"
    assert "手机号" in str(exc.value)


def test_clean_derives_sex_and_birth_and_checks_the_stated_ones():
    number = make_id("320381", dt.date(1985, 3, 15), 121)  # 17th digit 1: male
    data = clean({"name": "王伟", "id_number": number, "phone": "13912345678", "sex": "男", "birth_date": "1985年3月"},
                 today=TODAY)
    assert (data["sex"], data["birth_date"]) == ("M", dt.date(1985, 3, 15))
    with pytest.raises(FormErrors) as exc:
        clean({"name": "王伟", "id_number": number, "phone": "1391234567", "sex": "女", "birth_date": "1986-03"},
              today=TODAY)
    assert set(exc.value.errors) == {"phone", "sex", "birth_date"}


# --------------------------------------------------------------------------- properties

regions = st.integers(110000, 659999).map(str)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
seqs = st.integers(0, 999)


@given(regions, births, seqs)
def test_any_valid_number_passes_and_derives_sex_and_birth(region, birth, seq):
    number = make_id(region, birth, seq)
    assert validators.id_number(number, today=TODAY) == number
    assert validators.id_birth_date(number) == birth
    assert validators.id_sex(number) == ("M" if seq % 2 else "F")


@given(regions, births, seqs, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_mutation_fails(region, birth, seq, position, char):
    number = make_id(region, birth, seq)
    if position < 17 and char == "X":
        char = "7"
    if number[position] == char:
        char = "0" if char == "X" else "X" if position == 17 else str((int(char) + 1) % 10)
    mutated = number[:position] + char + number[position + 1:]
    assert mutated != number
    with pytest.raises(ValidationError):
        validators.id_number(mutated, today=TODAY)


# --------------------------------------------------------------------------- dates (issue 18)

@pytest.mark.parametrize("text", ["2026-01-05", "2026-1-5", "20260105", "1-5", "1/5", "01-05", "2026/1/5",
                                  "2026.1.5", "2026年1月5日", "1月5日", " 1 - 5 ", "２０２６－１－５", "1／5",
                                  "2026-01-05（周一）"])
def test_every_way_a_clerk_writes_a_date_means_the_same_day(text):
    with clock.frozen(dt.date(2026, 6, 1)):  # 1-5 is this year by the app's clock
        assert validators.date(text, "start_on") == dt.date(2026, 1, 5)
        assert validators.parse_date(text) == dt.date(2026, 1, 5)


@pytest.mark.parametrize("text", ["2026-02-30", "13-1", "1-32", "2026-13-01", "202601", "五月", "5", "2026-1",
                                  "1-5-", "2026-01-05T09:00", "2026-W01-1"])
def test_what_is_no_date_is_refused_with_this_years_example(text):
    with clock.frozen(dt.date(2027, 3, 1)):
        assert validators.parse_date(text) is None
        with pytest.raises(ValidationError) as exc:
            validators.date(text, "start_on")
    assert exc.value.field == "start_on" and "2027-01-31" in exc.value.message  # the hint's year, not 2025


def test_a_day_alone_is_this_months_only_where_the_field_says_so():
    today = dt.date(2026, 6, 20)
    assert validators.parse_date("7", today=today) is None  # a roster's stray number is no date
    assert validators.parse_date("7", today=today, bare_day=True) == dt.date(2026, 6, 7)
    assert validators.parse_date("31", today=today, bare_day=True) is None  # June has 30 days


def test_a_date_shown_alone_carries_its_weekday():
    assert fmt.date_weekday(dt.date(2026, 1, 5)) == "2026-01-05（周一）"
    assert validators.parse_date(fmt.date_weekday(dt.date(2026, 1, 5))) == dt.date(2026, 1, 5)  # read back
    assert fmt.date_weekday(None) == ""
