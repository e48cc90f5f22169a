"""Emailed forms filled in as people do, as tables: the lines read back, and the values understood."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.reading.fields import read_lines
from programme.forms import check, read_date, read_number
from programme.moderation.form import enquiry_form
from programme.panel.nomination import nomination_form
from programme.support.form import OFFER, item_form

AUTHORITIES = [("wokingham", "Wokingham"), ("kent", "Kent")]
NOMINATION = nomination_form(AUTHORITIES)
ENQUIRY = enquiry_form(AUTHORITIES)
OFFER_FORM = item_form(OFFER, AUTHORITIES)

LINES = [
    # how it was written                                          field          value read
    ("Colleague’s full name: Sam Example", "nominee_name", "Sam Example"),
    ("colleague's FULL NAME: Sam Example", "nominee_name", "Sam Example"),
    ("• Colleague's full name: Sam Example", "nominee_name", "Sam Example"),
    ("- Colleague's full name: Sam Example", "nominee_name", "Sam Example"),
    ("3. Colleague's full name: Sam Example", "nominee_name", "Sam Example"),
    ("c) Colleague's full name: Sam Example", "nominee_name", "Sam Example"),
    ("**Colleague's full name:** Sam Example", "nominee_name", "Sam Example"),
    ("Colleague's full name (required): Sam Example", "nominee_name", "Sam Example"),
    ("Colleagues full name: Sam Example", "nominee_name", "Sam Example"),
    ("Colleague's ful name: Sam Example", "nominee_name", "Sam Example"),
    ("Colleague's full name : Sam Example", "nominee_name", "Sam Example"),
    ("Colleague's full name:\nSam Example", "nominee_name", "Sam Example"),
    ("Colleague's full name:\n(Required)\nSam Example", "nominee_name", "Sam Example"),
    ("Areas of expertise:\n• SEND\n• Fostering", "areas", "SEND\nFostering"),
    ("> Colleague's full name: Sam Example", "nominee_name", "Sam Example"),
]


@pytest.mark.parametrize(("written", "name", "value"), LINES)
def test_a_label_is_read_however_it_is_written(written, name, value):
    assert read_lines(NOMINATION, written).values[name] == value


def test_a_long_value_is_kept_whole_over_several_lines_and_paragraphs():
    reply = ("Conclusion or area to verify: Our early help offer reaches families sooner.\n"
             "We want this checked against: the data for 2025-26.\n\n"
             "And the case audit from March.\n"
             "Kinds of work wanted: Case file review\n")
    values = read_lines(ENQUIRY, reply).values
    assert values["conclusion"] == ("Our early help offer reaches families sooner.\nWe want this checked against: the data for 2025-26.\n\n"
                                    "And the case audit from March.")
    assert values["work"] == "Case file review"


def test_a_short_value_wrapped_onto_the_next_line_is_kept_whole_and_a_signature_is_not_taken():
    values = read_lines(NOMINATION, "Job title: Head of Quality Assurance and\nPerformance\nService area: Children's social care\nHarriet\n").values
    assert values["job_title"] == "Head of Quality Assurance and Performance"
    assert values["service_area"] == "Children's social care"


def test_the_first_answer_wins_over_the_quoted_form_below():
    values = read_lines(NOMINATION, "Job title: Head of service\n\nJob title:\n(Required)").values
    assert values["job_title"] == "Head of service"


def test_a_line_naming_no_field_is_reported_and_a_signature_is_not():
    found = read_lines(NOMINATION, "Colour: blue\nJob title: Head of service\n\nHi, here it is:\nTel: 0118 496 0000\nMobile: 07700 900000")
    assert found.unknown == ["Colour"]


CHOSEN = [
    (ENQUIRY, "support", "Universal moderation", "universal"),
    (ENQUIRY, "support", "universal", "universal"),
    (ENQUIRY, "support", "Small package", "small_package"),
    (ENQUIRY, "support", "small package.", "small_package"),
    (ENQUIRY, "support", "Universal moderation (usually 2-4 days of one practitioner)", "universal"),
    (ENQUIRY, "work", "Staff, partner, service user or parent focus groups", ["focus_groups"]),
    (ENQUIRY, "work", "Staff, partner, service user or parent focus groups; Case file review", ["focus_groups", "case_files"]),
    (ENQUIRY, "work", "Case file review, focus groups", ["case_files", "focus_groups"]),
    (ENQUIRY, "work", "Case file review and benchmarking", ["case_files", "benchmarking"]),
    (ENQUIRY, "work", "case_files,benchmarking", ["case_files", "benchmarking"]),  # as a Teams card submits
    (NOMINATION, "covers", "both", "both"),
    (NOMINATION, "authority", "kent", "kent"),
    (NOMINATION, "authority", "Kent County Council", None),
    (NOMINATION, "agreed", "Yes.", True),
    (NOMINATION, "agreed", "Yes, they have agreed", True),
    (NOMINATION, "agreed", "no", None),
    (NOMINATION, "nominee_email", "Sam Example <sam.example@wokingham.example>", "sam.example@wokingham.example"),
    (NOMINATION, "nominee_email", "sam.example@wokingham.example<mailto:sam.example@wokingham.example>", "sam.example@wokingham.example"),
    (NOMINATION, "nominee_email", "mailto:Sam.Example@Wokingham.example", "sam.example@wokingham.example"),
    (ENQUIRY, "days", "3 days", 3),
    (ENQUIRY, "days", "2.5", 2.5),
    (ENQUIRY, "days", "2,5 days", 2.5),
    (ENQUIRY, "days", "three", 3),
    (ENQUIRY, "days", "about 4 days", 4),
    (ENQUIRY, "report_by", "14/02/2027", date(2027, 2, 14)),
    (ENQUIRY, "report_by", "14.2.27", date(2027, 2, 14)),
    (ENQUIRY, "report_by", "2027-02-14", date(2027, 2, 14)),
    (ENQUIRY, "report_by", "14 February 2027", date(2027, 2, 14)),
    (ENQUIRY, "report_by", "Sunday 14th Feb 2027", date(2027, 2, 14)),
    (ENQUIRY, "report_by", "03/04/2027", date(2027, 4, 3)),
    (ENQUIRY, "report_by", "31/02/2027", None),
    (ENQUIRY, "report_by", "next Friday", None),
]


@pytest.mark.parametrize(("form", "name", "written", "value"), CHOSEN)
def test_values_are_understood_as_people_write_them_or_refused_with_a_reason(form, name, written, value):
    checked = check(form, {name: written})
    if value is None:
        assert name in checked.errors and checked.errors[name].strip()
    else:
        assert checked.values[name] == value


def test_an_ambiguous_choice_is_asked_about_naming_what_it_could_be():
    checked = check(OFFER_FORM, {"theme": "leadership and"})
    assert "Leadership" in checked.errors["theme"]
    checked = check(ENQUIRY, {"work": "review"})
    assert "could be" in checked.errors["work"] and "Case file review" in checked.errors["work"]


@given(st.text(max_size=200))
def test_any_date_or_number_is_read_or_refused_without_error(text):
    read_date(text)
    read_number(text)


@given(st.text(max_size=4000))
def test_any_reply_is_read_without_error(text):
    found = read_lines(ENQUIRY, text)
    assert set(found.values) <= {f.name for f in ENQUIRY.fields}
    check(ENQUIRY, found.values)
