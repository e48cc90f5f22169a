"""A nomination to the regional panel as Wokingham's DCS fills in the card: the form's values."""

from __future__ import annotations

GOOD = {
    "authority": "wokingham",
    "nominee_name": "Sam Example",
    "nominee_email": "sam.example@wokingham.example",
    "job_title": "Head of Quality Assurance",
    "service_area": "Children's social care",
    "covers": "both",
    "areas": "send,fostering",
    "agreed": "true",
}
