"""The commands a person can use, by what they do in the programme."""

from __future__ import annotations

from typing import Any

from bot.cards.elements import card, command_button, heading, paragraph
from programme.people.profile import Profile

EVERYONE = [
    ("help", "What I can do for you"),
    ("status", "Your authority, group, challenge date, who reviews whom and the dates that matter next"),
    ("calendar", "Your coming programme dates as a calendar file (the invitations by email keep them up to date)"),
    ("feedback <your words>", "Tell the programme coordinators what works and what does not"),
]
NOMINATE = [
    ("nominate", "Nominate a colleague to the regional panel"),
    ("my nominations", "Your nominations, to change their areas or withdraw them"),
]
ENQUIRE = [
    ("enquiry", "Ask for independent moderation of a conclusion of your self-assessment"),
    ("my enquiries", "Your authority's moderation enquiries and where they stand"),
]
RECORD = [
    ("asks, offers", "Record what your authority asks for, or offers others, after its challenge day (several at once by email)"),
    ("plenary", "Record the plenary's suggestions: priorities, problem-solving topics, networking groups"),
    ("my asks", "Your authority's asks, offers and suggestions: change or withdraw them; offers that may help"),
]
DIRECTORY = [("directory theme=send", "The directory of support: current offers by theme")]
PANEL_MEMBER = [("my assignments", "Your invitations, assignments and days; your availability; leaving the panel")]
RECORDS = [
    ("self-assessment", "Your self-assessment: say it is sent, with its link; coordinators mark them received"),
    ("notes", "The notes of your session: agree them or ask for amendments; share with your Lead Member"),
]
DCS = [("team", "See, add and remove your authority's delegates and participants")]
COORDINATOR = [
    ("team <authority code>", "See and change any authority's delegates and participants"),
    ("panel area=send covers=universal authority=kent", "The regional panel, filtered as you choose"),
    ("enquiries stage=received", "Moderation enquiries, by stage; open one to move it on or find a practitioner"),
    ("enquiry <number>", "One enquiry, with its history and the actions its stage allows"),
    ("days 2022-23", "Days contributed per nominating authority in a cycle: the basis for payments"),
    ("digest", "This week's digest, now"),
    ("briefing 1", "A group's day-before briefing, as its people will receive it the working day before their challenge day"),
    ("timeline 2022-11-01 2022-12-31", "The reminders that will go out in a period, by day: to whom and why"),
    ("deliveries", "Failed and missed notifications, with Retry and Cancel"),
    ("group 2", "Move a group's date, or change its format or venue: its people are told"),
    ("dcs kent", "Record a new DCS for an authority"),
    ("facilitator 2", "Record a new facilitator for a group"),
    ("export panel", "CSV of the panel, enquiries, asks-offers, matches or days: attached by email, a short-lived link in Teams"),
    ("audit authority=kent", "The latest changes: who, when, what and from which channel"),
    ("person export <email>", "Everything held about one person, for a subject access request: JSON and HTML"),
    ("feedback", "What people have told the coordinators, newest first (each coordinator is also sent it)"),
]


def commands_for(profile: Profile | None) -> list[tuple[str, str]]:
    if profile is None:
        return [EVERYONE[0]]
    commands = list(EVERYONE)
    if profile.may_nominate_and_enquire:
        commands += NOMINATE + ENQUIRE + RECORDS
    if profile.may_record_asks_and_offers:
        commands += RECORD
    commands += DIRECTORY
    if profile.is_panel_member:
        commands += PANEL_MEMBER
    if profile.is_coordinator:
        commands += COORDINATOR
    elif profile.is_dcs:
        commands += DCS
    return commands


def suggestion_card(suggestions: tuple[str, ...] | list[str], *, by_email: bool) -> dict[str, Any]:
    """What to say when a message is not sure to be a command: the commands it could be, as buttons
    in Teams and as the words to reply with by email; with none, the way to see them all."""
    if suggestions:
        quoted = [f"`{s}`" for s in suggestions]
        names = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
        text = f"Did you mean {names}?"
        text += " Reply with the one you mean." if by_email else " Choose one below, or type it."
        return card([heading("Did you mean...?"), paragraph(text)], [command_button(s, s) for s in suggestions[:5]])
    text = (
        "I couldn't tell which of my commands you meant. Reply with `help` to see them all, for example `status` or `nominate`."
        if by_email
        else "I couldn't tell which of my commands you meant. Press Help to see them all, or type one, for example `status` or `nominate`."
    )
    return card(
        [heading("Sorry, I'm not sure what you need"), paragraph(text),
         paragraph("To tell the programme coordinators something, start your message with `feedback`.", subtle=True)],
        [command_button("Help", "help"), command_button("My status", "status")],
    )
