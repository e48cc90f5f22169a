"""The moderation enquiry: its form, and the rules on days and report dates.

From "Support for validating and challenging self-assessment conclusions": universal moderation
verifies one key conclusion of a draft self-assessment, usually 2 to 4 days of one practitioner,
reported to the DCS before the self-assessment is finalised; a small package of improvement
support is up to 39 days, usually after the challenge day, its timing agreed in a discussion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from programme.dates import long_date
from programme.forms import Choice, Field, Form, Kind
from programme.panel.nomination import AREAS

UNIVERSAL = "universal"
SMALL_PACKAGE = "small_package"
SUPPORT = (
    Choice(UNIVERSAL, "Universal moderation (usually 2-4 days of one practitioner)"),
    Choice(SMALL_PACKAGE, "Small package of improvement support (up to 39 days)"),
)
SUPPORT_SHORT = {UNIVERSAL: "Universal moderation", SMALL_PACKAGE: "Small package of improvement support"}
WORK = (
    Choice("indicators", "Performance indicator validation"),
    Choice("benchmarking", "Benchmarking analysis"),
    Choice("focus_groups", "Staff, partner, service user or parent focus groups"),
    Choice("case_files", "Case file review"),
    Choice("previous_actions", "Review of actions from previous self-assessments"),
    Choice("annex_a", "Readiness of the Annex A return"),
    Choice("other", "Other"),
)
# The panel's areas of expertise, without "open": an enquiry names what it needs.
EXPERTISE = tuple(c for c in AREAS if c.value != "open")
UNIVERSAL_DAYS = (2, 4)
SMALL_PACKAGE_MAX_DAYS = 39


def enquiry_form(authorities: list[tuple[str, str]]) -> Form:
    return Form(
        name="enquiry",
        title="Ask for independent moderation",
        intro=(
            "Independent verification of one key conclusion of your draft self-assessment, by a "
            "practitioner from another authority, or a small package of improvement support. "
            "The moderation team will arrange a discussion to agree the package."
        ),
        submit_label="Send the enquiry",
        fields=(
            Field("authority", "Authority", Kind.CHOICE, choices=tuple(Choice(c, n) for c, n in authorities)),
            Field("support", "Kind of support", Kind.CHOICE, choices=SUPPORT),
            Field("conclusion", "Conclusion or area to verify", Kind.LONG_TEXT, max_length=2000,
                  help="The key conclusion of the self-assessment, in a sentence or two"),
            Field("work", "Kinds of work wanted", Kind.MULTI_CHOICE, choices=WORK),
            Field("expertise", "Expertise needed", Kind.MULTI_CHOICE, choices=EXPERTISE),
            Field("days", "Estimated days", Kind.NUMBER, minimum=0.5, maximum=365, help="For example 3"),
            Field("report_by", "Report needed by", Kind.DATE),
            Field("report_reason", "If the report is needed after your challenge date, why", Kind.LONG_TEXT,
                  required=False, max_length=1000),
            Field("contact_name", "Contact name", max_length=120),
            Field("contact_email", "Contact email", Kind.EMAIL),
        ),
    )


@dataclass(frozen=True)
class Assessment:
    errors: dict[str, str]
    warnings: tuple[str, ...]


def assess(support: str, days: float, report_by: date, reason: str, challenge_date: date | None, today: date) -> Assessment:
    """The programme's rules on a well-formed enquiry: errors refuse it, warnings go with it."""
    errors: dict[str, str] = {}
    warnings: list[str] = []
    if support == SMALL_PACKAGE and days > SMALL_PACKAGE_MAX_DAYS:
        errors["days"] = (
            f"A small package of improvement support is at most {SMALL_PACKAGE_MAX_DAYS} days. "
            "For more, ask the moderation team about the DfE-funded SLIP scheme, or reduce the estimate."
        )
    low, high = UNIVERSAL_DAYS
    if support == UNIVERSAL and not low <= days <= high:
        warnings.append(
            f"Universal moderation is usually {low} to {high} days of one practitioner; the estimate of "
            f"{days:g} days will be discussed with the moderation team."
        )
    if report_by < today:
        errors["report_by"] = f"The report date, {long_date(report_by)}, has passed: choose a date from today on."
    elif support == UNIVERSAL and challenge_date is not None and report_by >= challenge_date and not reason.strip():
        errors["report_reason"] = (
            f"Universal moderation reports before the self-assessment is finalised, so before your challenge "
            f"date ({long_date(challenge_date)}). Choose an earlier date, or say here why it is needed later."
        )
    if support == SMALL_PACKAGE:
        warnings.append("A small package usually follows the challenge day; its timing is agreed in the discussion.")
    return Assessment(errors, tuple(warnings))
