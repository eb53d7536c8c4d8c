"""Pure computations behind instructors' reports: item analysis of a quiz and learning gain.

No Flask and no database: the report services load rows in a fixed number of queries, turn them
into the plain dataclasses below and call these functions. Results are unrounded floats; the
pages round them and translate the flag codes (see ``FLAG_CODES``).

- ``select_attempts`` / ``AttemptPolicy``: which attempt of each learner counts (selection.py)
- ``analyse_quiz``: facility, discrimination, option counts and flags per question, plus the
  quiz's mean, median, standard deviation and reliability (items.py)
- ``learning_gain`` / ``normalized_gain``: pretest/posttest scores and Hake's gain, per learner,
  per cohort and per question tag (gain.py)
- ``pearson``, ``upper_lower_index``, ``cronbach_alpha``: the statistics themselves (stats.py)
"""
from __future__ import annotations

from app.analysis.gain import CohortGain, FormAttempt, GainReport, LearnerGain, ScoreGain, learning_gain, normalized_gain
from app.analysis.items import (
    FLAG_CODES,
    AnswerRow,
    AttemptRow,
    Flag,
    ItemAnalysis,
    ItemStats,
    OptionStats,
    QuestionMeta,
    QuizStats,
    Thresholds,
    analyse_quiz,
)
from app.analysis.selection import AttemptPolicy, select_attempts
from app.analysis.stats import cronbach_alpha, group_size, pearson, upper_lower_index

__all__ = [
    "FLAG_CODES", "AnswerRow", "AttemptPolicy", "AttemptRow", "CohortGain", "Flag", "FormAttempt",
    "GainReport", "ItemAnalysis", "ItemStats", "LearnerGain", "OptionStats", "QuestionMeta",
    "QuizStats", "ScoreGain", "Thresholds", "analyse_quiz", "cronbach_alpha", "group_size",
    "learning_gain", "normalized_gain", "pearson", "select_attempts", "upper_lower_index",
]
