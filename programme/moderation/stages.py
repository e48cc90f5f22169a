"""The stages of a moderation enquiry and which moves between them are allowed; the statuses of its
assignments.

An enquiry goes forward one stage at a time. Two forward moves belong to other steps: a
practitioner is invited from the suggestions (package agreed -> practitioner invited), and only
the panel member's acceptance makes it "practitioner accepted". Skipping a stage or going back is
a coordinator's decision and needs a reason. The enquirer may withdraw until the report is delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from programme.errors import Invalid, NotAllowed


class Stage(StrEnum):
    RECEIVED = "received"
    DISCUSSION_ARRANGED = "discussion_arranged"
    PACKAGE_AGREED = "package_agreed"
    PRACTITIONER_INVITED = "practitioner_invited"
    PRACTITIONER_ACCEPTED = "practitioner_accepted"
    IN_PROGRESS = "in_progress"
    REPORT_DELIVERED = "report_delivered"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def position(self) -> int:
        return ORDER.index(self) if self in ORDER else len(ORDER)


ORDER = (
    Stage.RECEIVED,
    Stage.DISCUSSION_ARRANGED,
    Stage.PACKAGE_AGREED,
    Stage.PRACTITIONER_INVITED,
    Stage.PRACTITIONER_ACCEPTED,
    Stage.IN_PROGRESS,
    Stage.REPORT_DELIVERED,
    Stage.CLOSED,
)
LABELS = {
    Stage.RECEIVED: "Received",
    Stage.DISCUSSION_ARRANGED: "Discussion arranged",
    Stage.PACKAGE_AGREED: "Package agreed",
    Stage.PRACTITIONER_INVITED: "Practitioner invited",
    Stage.PRACTITIONER_ACCEPTED: "Practitioner accepted",
    Stage.IN_PROGRESS: "In progress",
    Stage.REPORT_DELIVERED: "Report delivered",
    Stage.CLOSED: "Closed",
    Stage.WITHDRAWN: "Withdrawn",
}
OPEN_STAGES = ORDER[:-1]
# Forward moves made by another step, never from the stage buttons.
BY_INVITATION = Stage.PRACTITIONER_INVITED
BY_ACCEPTANCE = Stage.PRACTITIONER_ACCEPTED


class AssignmentStatus(StrEnum):
    """A panel member's invitation to an enquiry's work, from the invitation to the work done."""

    INVITED = "invited"  # the discussion before acceptance is to come
    DISCUSSED = "discussed"  # the member may now accept
    ACCEPTED = "accepted"
    DECLINED = "declined"
    HANDED_BACK = "handed_back"  # to the coordinators, to find someone else
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return ASSIGNMENT_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self in OPEN_ASSIGNMENT


ASSIGNMENT_LABELS = {
    AssignmentStatus.INVITED: "Invited: discussion to come",
    AssignmentStatus.DISCUSSED: "Discussed: waiting for the practitioner's answer",
    AssignmentStatus.ACCEPTED: "Accepted",
    AssignmentStatus.DECLINED: "Declined",
    AssignmentStatus.HANDED_BACK: "Handed back",
    AssignmentStatus.COMPLETED: "Completed",
}
OPEN_ASSIGNMENT = (AssignmentStatus.INVITED, AssignmentStatus.DISCUSSED, AssignmentStatus.ACCEPTED)
DAYS_COUNTED = (AssignmentStatus.ACCEPTED, AssignmentStatus.COMPLETED)  # days agreed: the work was taken on


class Move(StrEnum):
    SAME = "same"  # already there: nothing to do (a repeated click)
    NEXT = "next"
    OVERRIDE = "override"  # a skip or a step back, with a reason
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Mover:
    coordinator: bool
    enquirer: bool  # DCS or delegate of the enquiring authority
    system: bool = False  # an invitation or a panel member's answer moving the enquiry


def parse_stage(value: str) -> Stage:
    wanted = " ".join(str(value).replace("-", " ").replace("_", " ").split()).lower()
    for stage in Stage:
        if wanted in (stage.value.replace("_", " "), stage.label.lower()):
            return stage
    raise Invalid({"stage": f"There is no stage '{str(value)[:40]}'; the stages are: {', '.join(s.label.lower() for s in Stage)}."})


def next_stage(current: Stage) -> Stage | None:
    if current not in ORDER or current == Stage.CLOSED:
        return None
    return ORDER[ORDER.index(current) + 1]


# What a stage needs before it is entered, and the step that records it: a package agreed has its
# days, scope and report date; a report delivered has its date. Later stages need them too.
NEEDS = (
    (Stage.PACKAGE_AGREED, ("agreed_days", "agreed_scope", "report_due"), "Record the agreed package"),
    (Stage.REPORT_DELIVERED, ("report_delivered_on",), "Report delivered"),
)


def missing_for(target: Stage, has: Callable[[str], bool]) -> str | None:
    """Why `target` cannot be entered yet (the step to take first), or None if it has what it needs."""
    if target == Stage.WITHDRAWN:
        return None
    for stage, fields, step in NEEDS:
        if target.position >= stage.position and not all(has(f) for f in fields):
            return (f"'{target.label}' needs what '{stage.label}' records first: use '{step}' on the enquiry, "
                    "then move it on from there.")
    return None


def check_move(current: Stage, target: Stage, mover: Mover, reason: str = "") -> Move:
    """What kind of move this is, or why it is refused."""
    if target == current:
        return Move.SAME
    if target == Stage.WITHDRAWN:
        if not (mover.enquirer or mover.coordinator):
            raise NotAllowed("Only the DCS or a delegate of the enquiring authority, or a coordinator, can withdraw an enquiry.")
        if current in (Stage.REPORT_DELIVERED, Stage.CLOSED):
            raise NotAllowed(f"The enquiry is {current.label.lower()}, so it can no longer be withdrawn.")
        return Move.WITHDRAW
    if mover.system:
        return Move.NEXT if target == next_stage(current) else Move.OVERRIDE
    if not mover.coordinator:
        raise NotAllowed("Only the moderation coordinators move an enquiry through its stages.")
    if target == next_stage(current) and current != Stage.WITHDRAWN:
        if target == BY_INVITATION:
            raise NotAllowed("An enquiry moves to 'practitioner invited' when you invite a panel member: use 'Find a practitioner'.")
        if target == BY_ACCEPTANCE:
            raise NotAllowed("Only the invited panel member can accept, after the discussion with them.")
        return Move.NEXT
    if not reason.strip():
        direction = "back" if target.position < current.position else "past a stage"
        raise Invalid({"reason": f"Moving from '{current.label}' to '{target.label}' goes {direction}: give a reason."})
    return Move.OVERRIDE
