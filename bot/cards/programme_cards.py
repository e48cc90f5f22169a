"""Welcome, help, status and registration cards, shaped by the person's roles."""

from __future__ import annotations

from typing import Any

from bot.cards.commands import commands_for
from bot.cards.elements import bullets, card, command_button, facts, heading, long_date, paragraph, subheading
from programme.links import ProgrammeLinks
from programme.people.profile import AuthorityView, GroupView, Profile

ASSISTANT = "Peer Challenge Assistant"


def _group_section(group: GroupView) -> list[dict[str, Any]]:
    kind = "Quartet" if group.kind == "quartet" else "Triad"
    return [
        subheading(f"{group.name} ({kind}, {group.cycle})"),
        facts(
            [
                ("Challenge day", long_date(group.challenge_date)),
                ("Format", group.format_label),
                ("Self-assessment due", long_date(group.self_assessment_deadline)),
            ]
        ),
        paragraph("**Lead Reviewers**"),
        bullets(
            [f"{p.authority} is Lead Reviewer for {p.reviews}" if p.reviews else p.authority for p in group.pairings]
        ),
    ]


def _authority_section(view: AuthorityView, *, with_dates: bool) -> list[dict[str, Any]]:
    body = [subheading(view.name)]
    if view.group is None:
        body.append(paragraph("Not in a group for the current cycle yet.", subtle=True))
        return body
    body += _group_section(view.group)
    if with_dates and view.key_dates:
        body.append(paragraph("**Coming up**"))
        body.append(facts([(long_date(d.on), d.what) for d in view.key_dates]))
    return body


def _roles_line(profile: Profile) -> str:
    return "; ".join(held.label for held in profile.roles) or "No current role"


def unknown_person_card(coordinators_email: str = "") -> dict[str, Any]:
    write = (
        f"Or write to the programme coordinators at **{coordinators_email}** with your name, job title, authority and "
        "role in the peer challenge (DCS, delegate or participant, panel member or facilitator): they will add you."
        if coordinators_email
        else "Or ask the programme coordinators, giving your name, job title, authority and role in the peer challenge."
    )
    return card(
        [
            heading(ASSISTANT),
            paragraph(
                "Hello. I help the region's Directors of Children's Services, their teams, panel members and "
                "the programme coordinators run the peer challenge: nominations to the regional panel, "
                "moderation enquiries, asks and offers, and reminders at the right time."
            ),
            subheading("I don't know you yet"),
            paragraph(
                "I only work with people registered in the programme's calendar. Ask your DCS to add you to "
                "your authority's team (they can do it here with `team`). Then say `hi` again."
            ),
            paragraph(write),
        ],
        [command_button("Help", "help")],
    )


def _links_section(profile: Profile, links: ProgrammeLinks | None) -> list[dict[str, Any]]:
    """The programme's library and benchmarking pack, for the people of a group; none that is not configured."""
    shown = links.shown() if links is not None and profile.records_for_an_authority else []
    return [paragraph("**The programme's resources**"), facts(shown)] if shown else []


def welcome_card(profile: Profile, links: ProgrammeLinks | None = None) -> dict[str, Any]:
    first = profile.name.split()[0] if profile.name else "there"
    body = [heading(f"Welcome, {first}"), paragraph(f"You are: {_roles_line(profile)}.")]
    actions = [command_button("My status", "status"), command_button("Help", "help")]
    if profile.is_coordinator:
        body.append(
            paragraph(
                "As a coordinator you can see and act on everything: change any authority's team with "
                "`team <authority code>`, and import the calendar with `peer-challenge import-calendar`."
            )
        )
    if profile.leads_an_authority:
        body.append(
            paragraph(
                "You can see your group, challenge date and Lead Reviewer pairs here, and I will remind you "
                "when to seek moderation and when your self-assessment is due."
            )
        )
        for view in profile.authorities:
            if view.code in profile.led_authorities:
                body += _authority_section(view, with_dates=False)
    if profile.is_dcs:
        actions.insert(1, command_button("My team", "team"))
    if profile.may_nominate_and_enquire:
        actions.insert(1, command_button("Nominate a colleague", "nominate"))
        actions.insert(2, command_button("Ask for moderation", "enquiry"))
    if profile.is_panel_member:
        actions.insert(1, command_button("My assignments", "my assignments"))
    if profile.records_for_an_authority:
        actions.insert(-1, command_button("Asks and offers", "my asks"))  # Teams shows six buttons at most
    body += _links_section(profile, links)
    return card(body, actions)


def help_card(profile: Profile | None) -> dict[str, Any]:
    body = [heading("What I can do"), paragraph("Type a command, or use a button.")]
    body.append(facts(commands_for(profile)))
    if profile is None:
        body.append(
            paragraph("I don't know you yet: ask your DCS or the programme coordinators to register you.", subtle=True)
        )
    body.append(
        paragraph("By email, write the command as the first words of your message, for example `status`.", subtle=True)
    )
    return card(body, [command_button("My status", "status")] if profile else None)


def status_card(profile: Profile, links: ProgrammeLinks | None = None) -> dict[str, Any]:
    body = [heading("Your programme"), facts([("Name", profile.name), ("Roles", _roles_line(profile))])]
    for view in profile.authorities:
        body += _authority_section(view, with_dates=True)
    for group in profile.facilitated_groups:
        body.append(paragraph("**You facilitate**"))
        body += _group_section(group)
    if not profile.authorities and not profile.facilitated_groups and not profile.is_coordinator:
        body.append(paragraph("You are not in a group for the current cycle.", subtle=True))
    body += _links_section(profile, links)
    buttons = [command_button("Add to my calendar", "calendar")] if profile.authorities or profile.facilitated_groups else []
    return card(body, [*buttons, command_button("Help", "help")])


def message_card(title: str, text: str, *, attention: bool = False) -> dict[str, Any]:
    return card([heading(title), paragraph(text, attention=attention)])
