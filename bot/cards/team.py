"""The team card: an authority's delegates and participants, with remove buttons and an add form."""

from __future__ import annotations

from typing import Any

from bot.cards.elements import card, execute, heading, paragraph, subheading
from programme.people.roles import TEAM_ROLES
from programme.people.team import Team


def team_card(
    team: Team,
    *,
    message: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> dict[str, Any]:
    errors = errors or {}
    values = values or {}
    body: list[dict[str, Any]] = [heading(f"Team: {team.authority_name}")]
    if message:
        body.append(paragraph(message, attention=bool(errors)))
    body.append(subheading("Delegates and participants"))
    if not team.members:
        body.append(paragraph("Nobody yet.", subtle=True))
    for member in team.members:
        body.append(
            {
                "type": "ColumnSet",
                "columns": [
                    {
                        "type": "Column",
                        "width": "stretch",
                        "items": [paragraph(f"{member.name} ({member.role.noun})"), paragraph(member.email, subtle=True)],
                    },
                    {
                        "type": "Column",
                        "width": "auto",
                        "items": [
                            {
                                "type": "ActionSet",
                                "actions": [
                                    execute(
                                        "Remove",
                                        "team.remove",
                                        {"authority": team.authority_code, "person_id": member.person_id, "role": member.role.value},
                                    )
                                ],
                            }
                        ],
                    },
                ],
            }
        )
    body.append(subheading("Add someone"))
    body += _input("name", "Full name", values, errors, placeholder="e.g. Sam Example")
    body += _input("email", "Work email", values, errors, placeholder="e.g. sam.example@council.example", style="Email")
    body.append(
        {
            "type": "Input.ChoiceSet",
            "id": "role",
            "label": "Role",
            "isRequired": True,
            "errorMessage": "Choose delegate or participant.",
            "value": values.get("role", TEAM_ROLES[1].value),
            "choices": [{"title": role.label, "value": role.value} for role in TEAM_ROLES],
        }
    )
    if errors.get("role"):
        body.append(paragraph(errors["role"], attention=True))
    return card(body, [execute("Add to team", "team.add", {"authority": team.authority_code}, style="positive")])


def _input(name: str, label: str, values: dict[str, Any], errors: dict[str, Any], *, placeholder: str, style: str = "Text") -> list[dict[str, Any]]:
    element = {
        "type": "Input.Text",
        "id": name,
        "label": label,
        "isRequired": True,
        "errorMessage": f"Enter the {label.lower()}.",
        "placeholder": placeholder,
        "style": style,
        "value": values.get(name, ""),
    }
    result = [element]
    if errors.get(name):
        result.append(paragraph(errors[name], attention=True))
    return result
