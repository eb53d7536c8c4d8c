"""The database models; importing this package registers every table on ``db.metadata``."""
from app.models.people import Institution, InstitutionKind, Region, Role, User
from app.models.security import RateLimitCounter

__all__ = ["Institution", "InstitutionKind", "Region", "RateLimitCounter", "Role", "User"]
