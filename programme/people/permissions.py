"""Who may do what, decided per record."""

from __future__ import annotations

from programme.people.profile import Profile
from programme.people.roles import Role


def can_manage_team(profile: Profile, authority_code: str) -> bool:
    return profile.is_coordinator or profile.holds_for(authority_code, Role.DCS)

