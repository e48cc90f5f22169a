"""The people the tests sign in as in Teams: the example calendar's people (and one stranger), each
defined once, with a Teams user id and an Entra object id (`aadObjectId`) of their own.

A few people go by a second name in the tests that know them by their role there: `HARRIET` is the
`DCS`, `JO` and `SECOND_MODERATOR` are the `COORDINATOR` (the enquiry tests make Jo a moderation
coordinator as well), `KENT` is the `KENT_DCS`.

`roster_entry(user)` is how the Bot Connector stand-in's roster (`ConnectorStandIn.members`) lists
someone, as Teams' roster API answers.
"""

from __future__ import annotations


def _person(teams_id: str, number: int, email: str, name: str) -> dict:
    return {"id": teams_id, "aadObjectId": f"7d1c6a4e-0000-4000-8000-{number:012d}", "email": email, "name": name}


# Wokingham (Triad 1)
DCS = _person("29:dcs-wokingham", 101, "harriet.quillfeather@wokingham.example", "Harriet Quillfeather")
DELEGATE = _person("29:delegate-wokingham", 102, "leo.brandwick@wokingham.example", "Leo Brandwick")
# The other DCSs
EAST_SUSSEX = _person("29:dcs-east-sussex", 103, "owen.marchbank@east-sussex.example", "Owen Marchbank")
SURREY = _person("29:dcs-surrey", 104, "priya.castellane@surrey.example", "Priya Castellane")
KENT_DCS = _person("29:dcs-kent", 105, "grace.albury@kent.example", "Grace Albury")
# A participant for East Sussex
PARTICIPANT = _person("29:participant", 106, "maya.okafield@east-sussex.example", "Maya Okafield")
# The programme's people: a coordinator, a facilitator and Hampshire's moderation coordinator
COORDINATOR = _person("29:coordinator", 107, "jo.carverley@seslip.example", "Jo Carverley")
FACILITATOR = _person("29:facilitator", 108, "chris.lowthwaite@seslip.example", "Chris Lowthwaite")
MODERATOR = _person("29:moderator", 109, "robin.ashcombe@hampshire.example", "Robin Ashcombe")
# Panel members
MEMBER = _person("29:member", 110, "nina.oseiwood@kent.example", "Nina Oseiwood")
OTHER_MEMBER = _person("29:member-2", 111, "tom.radleigh@oxfordshire.example", "Tom Radleigh")
# Someone the calendar does not know
STRANGER = _person("29:stranger", 112, "pat.unknown@elsewhere.example", "Pat Unknown")

# The same people under the names some tests know them by.
HARRIET = DCS
JO = COORDINATOR
SECOND_MODERATOR = COORDINATOR  # Jo, given a moderation coordinator role by the enquiry tests
KENT = KENT_DCS

EVERYONE = (DCS, DELEGATE, EAST_SUSSEX, SURREY, KENT_DCS, PARTICIPANT, COORDINATOR, FACILITATOR, MODERATOR, MEMBER,
            OTHER_MEMBER, STRANGER)


def roster_entry(user: dict, *, principal_name: bool = False) -> dict:
    """The roster API's account of `user` (a TeamsChannelAccount as JSON); with `principal_name`,
    their userPrincipalName too."""
    entry = {key: user[key] for key in ("id", "name", "aadObjectId", "email")}
    if principal_name:
        entry["userPrincipalName"] = user["email"]
    return entry

assert len({p["id"] for p in EVERYONE}) == len({p["aadObjectId"] for p in EVERYONE}) == len({p["email"] for p in EVERYONE}) == len(EVERYONE)
