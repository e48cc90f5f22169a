"""Asks, offers and suggestions as cards: an authority's list, and the directory of support."""

from __future__ import annotations

from typing import Any

from bot.cards.elements import card, command_button, execute, facts, heading, paragraph, subheading
from bot.cards.paging import paged
from programme.support.directory import Directory
from programme.support.form import ASK, KIND_TITLES, OFFER, ROUTE_TITLES, THEME_TITLES
from programme.support.items import ItemView


def _item_facts(view: ItemView) -> dict[str, Any]:
    rows = [("Theme", THEME_TITLES.get(view.theme, view.theme)), ("Authority", view.authority_name),
            ("How", ROUTE_TITLES.get(view.route, view.route))]
    if view.contact:
        rows.append(("Contact", view.contact))
    if not view.is_active:
        rows.append(("Status", view.status))
    return facts(rows)


def items_card(views: list[ItemView], message: str | None = None, *, title: str = "Your authority's asks and offers") -> dict[str, Any]:
    body = [heading(title)]
    if message:
        body.append(paragraph(message))
    if not views:
        body.append(paragraph("None yet. Use `asks` or `offers` to record some.", subtle=True))
    for view in views[:40]:
        body.append(subheading(f"{KIND_TITLES.get(view.kind, view.kind)} {view.id}: {view.title}"))
        body.append(paragraph(view.description))
        body.append(_item_facts(view))
        if view.kind == ASK and view.is_active:
            if view.suggestions:
                body.append(paragraph("Offers that may help (a coordinator confirms a match before contacts are shared):", subtle=True))
                body.append(paragraph("\n".join(f"- {s.offer.title} ({s.offer.authority_name}): {s.reason}" for s in view.suggestions)))
            else:
                body.append(paragraph("No offer in the directory matches this yet.", subtle=True))
        if view.is_active:
            body.append({"type": "ActionSet", "actions": [
                execute(f"Change {view.id}", "support.edit", {"id": view.id}),
                execute(f"Withdraw {view.id}", "support.withdraw", {"id": view.id}, style="destructive"),
            ]})
    return card(body, [command_button("Record an ask", "asks"), command_button("Record an offer", "offers")])


OFFERS_PER_ENTRY = 10  # a theme with many offers is shown in parts, so that a page can end within it


def directory_card(d: Directory, message: str | None = None, *, page: int = 1, by_email: bool = False, command: str = "directory") -> dict[str, Any]:
    title = "Directory of support" + (f": {THEME_TITLES.get(d.theme, d.theme)}" if d.theme else "")
    body = [heading(title)]
    if message:
        body.append(paragraph(message))
    body.append(paragraph(
        f"Offers of good practice from the region, cycle {d.cycle}, by theme. Contacts are shared when the "
        "coordinators confirm a match. Filter with `directory theme=send`.", subtle=True))
    if not d.offers:
        body.append(paragraph("No offers yet.", subtle=True))
    entries = []
    for theme, views in d.by_theme(d.offers):
        for part in range(0, len(views), OFFERS_PER_ENTRY):
            entries.append([subheading(f"{theme}: {len(views)}" + (" (continued)" if part else "")), paragraph(
                "\n".join(f"- {v.title} ({v.authority_name}): {v.description[:300]}" for v in views[part:part + OFFERS_PER_ENTRY]))])
    shown = paged(entries, page=page, by_email=by_email, command=command, noun="parts of the directory")
    body += shown.body
    if d.for_coordinator:
        body.append(heading("For coordinators"))
        for theme, views in d.by_theme(d.asks):
            body.append(subheading(f"Asks, {theme}: {len(views)}"))
            body.append(paragraph("\n".join(f"- {v.title} ({v.authority_name})" for v in views)))
        body.append(subheading(f"Suggested matches: {len(d.suggestions)}"))
        for s in d.suggestions[:25]:
            body.append(paragraph(f"{s.ask.authority_name} asks '{s.ask.title}'; {s.offer.authority_name} offers '{s.offer.title}'. {s.reason}"))
            body.append({"type": "ActionSet", "actions": [
                execute(f"Confirm match {s.ask.id}-{s.offer.id}", "support.match", {"ask": s.ask.id, "offer": s.offer.id}, style="positive"),
            ]})
        body.append(subheading(f"Confirmed matches: {len(d.matches)}"))
        for m in d.matches[:25]:
            body.append(paragraph(f"- {m.ask.title} ({m.ask.authority_name}) with {m.offer.title} ({m.offer.authority_name}), by {m.confirmed_by}"))
    return card(body, shown.actions)


def saved_card(message: str, kind: str) -> dict[str, Any]:
    again = {ASK: ("Record another ask", "asks"), OFFER: ("Record another offer", "offers")}.get(kind, ("Record another suggestion", "plenary"))
    return card(
        [heading("Saved"), paragraph(message)],
        [command_button(*again), command_button("Our asks and offers", "my asks"), command_button("Directory", "directory")],
    )
