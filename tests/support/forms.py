"""Every form the assistant sends, built as it is sent: for the emailed-form tests and screenshots."""

from __future__ import annotations

from bot.cards.forms import form_card
from bot.dialogs.assignments import AVAILABILITY_FORM, DECLINE_FORM, TIMES_FORM
from bot.dialogs.notes import AMEND_FORM, LINK_FORM
from bot.dialogs.self_assessments import SENT_FORM
from programme.calendar.changes import DCS_FORM, FACILITATOR_FORM, GROUP_FORM
from programme.forms import Form
from programme.moderation.form import enquiry_form
from programme.moderation.steps import INVITE_FORM, PACKAGE_FORM, REPORT_FORM, WITHDRAW_FORM, override_form
from programme.panel.nomination import nomination_form
from programme.panel.register import areas_form
from programme.support.form import ASK, OFFER, edit_form, item_form

AUTHORITIES = [("wokingham", "Wokingham"), ("kent", "Kent")]

FORMS: dict[str, Form] = {
    "nomination": nomination_form(AUTHORITIES),
    "nomination areas": areas_form(),
    "enquiry": enquiry_form(AUTHORITIES),
    "enquiry package": PACKAGE_FORM,
    "enquiry report": REPORT_FORM,
    "enquiry withdraw": WITHDRAW_FORM,
    "enquiry invite": INVITE_FORM,
    "enquiry override": override_form(),
    "ask": item_form(ASK, AUTHORITIES),
    "offer": item_form(OFFER, AUTHORITIES),
    "plenary suggestion": item_form("suggestion", AUTHORITIES),
    "ask edit": edit_form(ASK),
    "notes sent": LINK_FORM,
    "notes amend": AMEND_FORM,
    "self-assessment sent": SENT_FORM,
    "assignment times": TIMES_FORM,
    "assignment decline": DECLINE_FORM,
    "availability": AVAILABILITY_FORM,
    "group change": GROUP_FORM,
    "new dcs": DCS_FORM,
    "new facilitator": FACILITATOR_FORM,
}


def card_of(form: Form, *, several: bool = False) -> dict:
    data = {"token": "t", **({"several": True} if several else {})}
    return form_card(form, verb="form.submit", data=data)
