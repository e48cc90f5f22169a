"""Asks, offers and the plenary's suggestions: what each item holds, declared once.

From the handbook: after each challenge day an authority records its "asks" (support wanted) and
"offers" (good practice others could learn from), to be taken forward bilaterally or
multilaterally; the plenary suggests priorities for next year's regional improvement plan, topics
for multilateral problem-solving groups and new networking groups.
"""

from __future__ import annotations

from enum import StrEnum

from programme.forms import Choice, Field, Form, Kind
from programme.panel.nomination import AREAS

ASK, OFFER = "ask", "offer"


class ItemStatus(StrEnum):
    ACTIVE = "active"  # in the directory and in suggestions
    WITHDRAWN = "withdrawn"

SUGGESTIONS = (
    Choice("priority", "A priority for next year's regional improvement plan"),
    Choice("problem_solving", "A topic for a multilateral problem-solving group"),
    Choice("networking", "A new regional networking group"),
)
KIND_TITLES = {ASK: "Ask", OFFER: "Offer", **{c.value: c.title for c in SUGGESTIONS}}
KIND_NOUNS = {ASK: "ask", OFFER: "offer", "priority": "priority", "problem_solving": "problem-solving topic", "networking": "networking group"}
THEMES = tuple(c for c in AREAS if c.value != "open") + (
    Choice("leadership_management", "Leadership and management"),
    Choice("other", "Other"),
)
THEME_TITLES = {c.value: c.title for c in THEMES}
ROUTES = (
    Choice("bilateral", "Bilateral: between two authorities"),
    Choice("multilateral", "A multilateral group"),
    Choice("topical", "An invitation to a topical peer challenge"),
    Choice("regional_project", "A regional project"),
)
ROUTE_TITLES = {c.value: c.title for c in ROUTES}

_INTRO = {
    ASK: "Support your authority would like from others in the region. Only your authority, the facilitator of "
         "its group this cycle (who may record it on the day) and the programme coordinators see an ask; other authorities "
         "hear of it only when a coordinator confirms a match.",
    OFFER: "Good practice others could learn from. Every registered person can see an offer's theme, "
           "title, description and authority; its contact is shared only when a coordinator confirms a match.",
    "suggestion": "The plenary's suggestions: priorities for next year's regional improvement plan, topics for "
                  "multilateral problem-solving groups, and new networking groups. Seen by the coordinators.",
}


def item_form(kind: str, authorities: list[tuple[str, str]]) -> Form:
    """The form for one ask, one offer, or one plenary suggestion (kind "suggestion": the kind is a field)."""
    title = {ASK: "Record an ask", OFFER: "Record an offer", "suggestion": "Record a plenary suggestion"}[kind]
    fields = [Field("authority", "Authority", Kind.CHOICE, choices=tuple(Choice(c, n) for c, n in authorities))]
    if kind == "suggestion":
        # Not named `kind`: the action carries its own `kind` (ask, offer, suggestion), which a field must not overwrite.
        fields.append(Field("suggestion_kind", "Kind of suggestion", Kind.CHOICE, choices=SUGGESTIONS))
    fields += [
        Field("theme", "Theme", Kind.CHOICE, choices=THEMES),
        Field("title", "Short title", max_length=120, help="For example: Preparing for adulthood"),
        Field("description", "Description", Kind.LONG_TEXT, max_length=2000),
        Field("route", "How it could be taken forward", Kind.CHOICE, choices=ROUTES),
        Field("contact_name", "Contact name", max_length=120),
        Field("contact_email", "Contact email", Kind.EMAIL),
    ]
    return Form(name=f"support_{kind}", title=title, intro=_INTRO[kind], fields=tuple(fields), submit_label="Save")


def edit_form(kind: str) -> Form:
    """The same fields, without the authority (an item stays with its authority)."""
    form = item_form(kind if kind in (ASK, OFFER) else "suggestion", [])
    fields = tuple(f for f in form.fields if f.name not in ("authority", "suggestion_kind"))
    return Form(name=f"{form.name}_edit", title=f"Change this {KIND_NOUNS.get(kind, kind)}", intro="", fields=fields, submit_label="Save the change")
