"""Every model, so that Alembic and tests see the whole schema."""

from storage.audit import AuditEntry
from storage.base import Base
from storage.bot_state import BotStateRecord
from storage.calendar import Cycle, Group, GroupMember, NoteAgreement, SelfAssessment
from storage.conversations import ConversationReferenceRecord
from storage.feedback import Feedback
from storage.form_submissions import FormSubmission
from storage.handled_activities import HandledActivity
from storage.held_codes import HeldCode
from storage.moderation import Assignment, Enquiry, EnquiryEvent, PanelAvailability
from storage.outbox import OutboxMessage
from storage.panel import Nomination
from storage.people import Authority, Person, RoleAssignment
from storage.support import SupportItem, SupportMatch

__all__ = [
    "Assignment",
    "AuditEntry",
    "Authority",
    "Base",
    "BotStateRecord",
    "ConversationReferenceRecord",
    "Cycle",
    "Enquiry",
    "EnquiryEvent",
    "Feedback",
    "FormSubmission",
    "Group",
    "GroupMember",
    "HandledActivity",
    "HeldCode",
    "Nomination",
    "NoteAgreement",
    "OutboxMessage",
    "PanelAvailability",
    "Person",
    "RoleAssignment",
    "SelfAssessment",
    "SupportItem",
    "SupportMatch",
]
