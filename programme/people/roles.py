"""The roles people hold in the programme."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    DCS = "dcs"
    DELEGATE = "delegate"
    PARTICIPANT = "participant"
    FACILITATOR = "facilitator"
    PANEL_MEMBER = "panel_member"
    COORDINATOR = "coordinator"
    MODERATION_COORDINATOR = "moderation_coordinator"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def noun(self) -> str:
        """The role in a sentence: "a delegate for Kent"."""
        return self.value.replace("_", " ")


LABELS = {
    Role.DCS: "Director of Children's Services",
    Role.DELEGATE: "Delegate of the DCS",
    Role.PARTICIPANT: "Participant",
    Role.FACILITATOR: "Facilitator",
    Role.PANEL_MEMBER: "Panel member",
    Role.COORDINATOR: "Coordinator",
    Role.MODERATION_COORDINATOR: "Moderation coordinator",
}

# Roles held for one authority; the others are held for a group (facilitator) or the region.
AUTHORITY_ROLES = frozenset({Role.DCS, Role.DELEGATE, Role.PARTICIPANT, Role.PANEL_MEMBER})
REGIONAL_ROLES = frozenset({Role.COORDINATOR, Role.MODERATION_COORDINATOR})
# The roles a DCS (or a coordinator) may add and remove from the assistant.
TEAM_ROLES = (Role.DELEGATE, Role.PARTICIPANT)


def authority_scope(code: str) -> str:
    return f"authority:{code}"


def group_scope(cycle: str, key: str) -> str:
    return f"group:{cycle}/{key}"


REGION_SCOPE = "region"
