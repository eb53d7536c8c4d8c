"""The database models; importing this package registers every table on ``db.metadata``."""
from app.models.catalog import Course, Module, Question
from app.models.credentials import Certificate, EvidenceFile, LedgerEntry, SigningKey, Track
from app.models.cohorts import Cohort, CohortCourse, CohortInstructor, CohortMember
from app.models.learning import Answer, Attempt, Enrolment, ModuleProgress
from app.models.people import Institution, InstitutionKind, Region, Role, User
from app.models.search import SearchDocument
from app.models.revisions import Revision, attach_triggers
from app.models.security import RateLimitCounter
from app.models.sessions import UserSession
from app.models.tokens import ApiToken, PasswordReset

__all__ = [
    "ApiToken", "Certificate", "EvidenceFile", "LedgerEntry", "Track", "Cohort", "CohortCourse", "CohortInstructor", "CohortMember",
    "Answer", "Attempt", "Course", "Enrolment", "Institution", "InstitutionKind", "Module",
    "ModuleProgress", "PasswordReset", "Question", "RateLimitCounter", "Region", "Revision", "Role", "SearchDocument",
    "SigningKey", "User", "UserSession",
]

attach_triggers()
