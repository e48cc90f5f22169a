"""A calendar invitation as iCalendar (RFC 5545, with RFC 5546's METHOD), built with `icalendar`.

REQUEST adds the event or, with the same UID and a higher SEQUENCE, updates it in place; CANCEL
removes it. Timed events are in the programme's zone, with its VTIMEZONE included so every client
reads the same hours; all-day events are dates (DTEND the day after the last, as the standard has
it). The payload comes from programme/calendar/invitations.py.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Peer Challenge Assistant//peer challenge programme//EN"


def invitation(payload: dict[str, Any], zone: ZoneInfo, stamp: datetime) -> str:
    """The .ics text for one version of one person's event."""
    method = str(payload["method"])
    calendar = _calendar(method)
    calendar.add_component(_event(payload, method, zone, stamp))
    calendar.add_missing_timezones()
    return str(calendar.to_ical().decode("utf-8"))


def calendar_file(events: list[dict[str, Any]], zone: ZoneInfo, stamp: datetime) -> str:
    """A person's dates as one file to open or import (METHOD:PUBLISH), with their invitations' UIDs."""
    calendar = _calendar("PUBLISH")
    for payload in events:
        calendar.add_component(_event({**payload, "organizer": ""}, "PUBLISH", zone, stamp))
    calendar.add_missing_timezones()
    return str(calendar.to_ical().decode("utf-8"))


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    return calendar


def _event(payload: dict[str, Any], method: str, zone: ZoneInfo, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"{payload['uid']}@peer-challenge-assistant")
    event.add("sequence", int(payload["sequence"]))
    event.add("dtstamp", stamp)
    event.add("summary", str(payload.get("summary") or ""))
    if payload.get("description"):
        event.add("description", str(payload["description"]))
    if payload.get("location"):
        event.add("location", str(payload["location"]))
    if payload.get("on"):
        first, last = date.fromisoformat(str(payload["on"])), date.fromisoformat(str(payload.get("until") or payload["on"]))
        if payload.get("starts") and payload.get("ends"):
            event.add("dtstart", datetime.combine(first, time.fromisoformat(str(payload["starts"])), tzinfo=zone))
            event.add("dtend", datetime.combine(last, time.fromisoformat(str(payload["ends"])), tzinfo=zone))
        else:
            event.add("dtstart", first)
            event.add("dtend", last + timedelta(days=1))
            event.add("transp", "TRANSPARENT")  # a deadline or a window: it does not make anyone busy
    if payload.get("organizer"):
        organizer = vCalAddress(f"mailto:{payload['organizer']}")
        organizer.params["cn"] = vText("Peer Challenge Assistant")
        event.add("organizer", organizer)
    if payload.get("attendee"):
        attendee = vCalAddress(f"mailto:{payload['attendee']}")
        if payload.get("person_name"):
            attendee.params["cn"] = vText(str(payload["person_name"]))
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    return event
