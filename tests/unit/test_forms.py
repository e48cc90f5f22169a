"""The form engine: one declaration, checked on the server, every problem beside its field."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programme.forms import Choice, Field, Form, Kind, check

FORM = Form(
    name="example",
    title="Example",
    intro="",
    fields=(
        Field("name", "Full name", max_length=20),
        Field("email", "Work email", Kind.EMAIL),
        Field("colour", "Colour", Kind.CHOICE, choices=(Choice("red", "Red"), Choice("blue", "Blue"))),
        Field("areas", "Areas", Kind.MULTI_CHOICE, choices=(Choice("send", "SEND"), Choice("fostering", "Fostering"))),
        Field("day", "Day", Kind.DATE, required=False),
        Field("days", "Days", Kind.NUMBER, minimum=1, maximum=39, required=False),
        Field("agreed", "They agreed", Kind.CONFIRM),
    ),
)
GOOD = {
    "name": " Sam   Example ",
    "email": "Sam@Kent.example",
    "colour": "Blue",
    "areas": "send, Fostering",
    "day": "2027-01-31",
    "days": "4",
    "agreed": "true",
}


def test_good_values_are_cleaned():
    checked = check(FORM, GOOD)
    assert checked.ok
    assert checked.values == {
        "name": "Sam Example",
        "email": "sam@kent.example",
        "colour": "blue",
        "areas": ["send", "fostering"],
        "day": date(2027, 1, 31),
        "days": 4,
        "agreed": True,
    }


def test_every_problem_at_once_each_beside_its_field_with_the_values_kept():
    bad = {"name": "x" * 30, "email": "sam@", "colour": "green", "areas": "send, knitting", "day": "31/02/2027", "days": "40", "agreed": ""}
    checked = check(FORM, bad)
    assert set(checked.errors) == {"name", "email", "colour", "areas", "day", "days", "agreed"}
    assert checked.raw["areas"] == "send, knitting" and not checked.ok
    assert "14/02/2027" in checked.errors["day"] and "knitting" in checked.errors["areas"]


def test_missing_required_fields_say_what_to_do():
    checked = check(FORM, {})
    assert checked.errors["name"] == "Fill in 'Full name'." and checked.errors["colour"] == "Choose an answer for 'Colour'."
    assert "Tick" in checked.errors["agreed"] and "day" not in checked.errors


values = st.one_of(
    st.none(),
    st.text(max_size=300),
    st.integers(),
    st.floats(allow_nan=True),
    st.lists(st.text(max_size=20), max_size=5),
    st.booleans(),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.dictionaries(st.sampled_from([f.name for f in FORM.fields] + ["other"]), values), st.none(), st.lists(st.text()), st.text()))
def test_any_submission_is_answered_not_crashed_on(submitted):
    checked = check(FORM, submitted)
    assert checked.ok or (checked.errors and not set(checked.errors) & set(checked.values))
    assert all(isinstance(message, str) and message for message in checked.errors.values())


@pytest.mark.parametrize("value, expected", [
    (12, 12), ("12", 12), (" #12 ", 12), ("0012", 12), (2**31 - 1, 2**31 - 1),
    (0, None), (-3, None), ("-3", None), (2**31, None), (2**63, None), ("9" * 30, None), ("¹", None), ("١٢", None), ("12a", None),
    ("", None), (None, None), (True, None), (1.0, None), ("1e308", None), ([12], None), ({"id": 12}, None),
])
def test_a_record_id_is_read_one_way_from_whatever_arrives(value, expected):
    from programme.validation import record_id

    assert record_id(value) == expected
