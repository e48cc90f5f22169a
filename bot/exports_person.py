"""A subject access export as files: JSON for machines, HTML for people (programme/people/subject_access.py)."""

from __future__ import annotations

import html
import json

from programme.people.subject_access import WITHHELD, SubjectAccess

TITLES = {
    "audit_entries": "Audit entries by or about them", "conversation_references": "Conversations with the assistant",
    "enquiries": "Moderation enquiries they made or are the contact for", "feedback": "Feedback they gave",
    "form_submissions": "Forms they submitted", "held_codes": "Codes sent to their address",
    "nominations": "Nominations to the panel, made by them or of them", "outbox": "Notifications sent to them",
    "panel_availability": "Their availability as a panel member", "self_assessments": "Self-assessments they sent or received",
    "support_items": "Asks, offers and suggestions they recorded or are the contact for",
    "assignments": "Moderation assignments they hold, offered or recorded", "enquiry_events": "Enquiry changes they made",
    "note_agreements": "Notes of the day they sent or agreed", "role_assignments": "Their roles in the programme",
    "support_matches": "Matches they confirmed",
}


def file_names(export: SubjectAccess) -> tuple[str, str]:
    stem = f"person-{export.person_id}-{export.made_at:%Y-%m-%d}"
    return f"{stem}.json", f"{stem}.html"


def json_bytes(export: SubjectAccess) -> bytes:
    return json.dumps(export.as_json(), indent=2, ensure_ascii=False, default=str).encode("utf-8")


def html_bytes(export: SubjectAccess) -> bytes:
    e = html.escape
    parts = [
        "<!doctype html><html lang='en-GB'><head><meta charset='utf-8'>",
        f"<title>What the Peer Challenge Assistant holds about {e(export.name)}</title>",
        "<style>body{font-family:Segoe UI,Arial,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin-bottom:2em}"
        "th,td{border:1px solid #999;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#eee}</style></head><body>",
        f"<h1>What the Peer Challenge Assistant holds about {e(export.name)}</h1>",
        f"<p>{e(export.email)}, made {e(export.made_at.strftime('%d %B %Y %H:%M'))} UTC: {export.count} records. "
        "Left out, because they hold other people's data: " + "; ".join(e(why) for why in WITHHELD.values()) + ".</p>",
        "<h2>The person</h2><table>" + "".join(f"<tr><th>{e(k)}</th><td>{e(_text(v))}</td></tr>" for k, v in export.person.items()) + "</table>",
    ]
    for table, rows in export.records.items():
        columns = list(rows[0])
        parts.append(f"<h2>{e(TITLES.get(table, table.replace('_', ' ').capitalize()))} ({len(rows)})</h2><table><tr>"
                     + "".join(f"<th>{e(c)}</th>" for c in columns) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{e(_text(row.get(c)))}</td>" for c in columns) + "</tr>" for row in rows]
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts).encode("utf-8")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
