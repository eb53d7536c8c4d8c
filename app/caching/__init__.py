"""What a worker keeps in memory between requests, and when it stops using it: the one place for caching.

Read services and views are written as if nothing were cached; what is kept is declared here:

- a read function decorated ``@kept_for_curriculum`` is kept until the curriculum changes (the
  curriculum's reads in app.services.curriculum, the course groups of the catalog);
- one decorated ``@kept_for_learner`` (first argument: the learner) until that learner's data or
  the curriculum changes (the dashboard's and the catalog's own pieces, the progress API);
  ``@kept_while(stamp)`` names its own stamp (a cohort's progress report: every member's);
- a view returns ``kept_page(varies_by, render, own=...)`` for a page that is the same for every
  reader in the same state but for a few pieces of their own; templates show those pieces with
  ``own(name)``, curriculum-only pieces with ``kept_each`` and code-only pieces with
  ``kept_static``.

Every cached thing is stamped with revisions the database keeps and bumps by triggers in the
transaction that changes the data (app.models.revisions); a request reads them once, with the
signed-in user's row. See app.caching.kept for why that never serves stale data, and
docs/architecture.md for the whole picture.
"""
from app.caching.kept import (CURRICULUM_REVISION, curriculum_revision, forget_all, kept_for_curriculum,
                              kept_for_learner, kept_while, note_curriculum_revision)
from app.caching.pages import kept_page, kept_pieces, register

__all__ = [
    "CURRICULUM_REVISION", "curriculum_revision", "forget_all", "kept_for_curriculum", "kept_for_learner", "kept_page",
    "kept_pieces", "kept_while", "note_curriculum_revision", "register",
]
