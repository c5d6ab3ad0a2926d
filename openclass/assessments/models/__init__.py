"""Assessment models, one module per part: the question bank, quizzes and their attempts,
assignments and rubrics, the gradebook's weights and overrides, and grades from outside tools."""

from .assignments import (
    Assignment,
    AssignmentFile,
    Rubric,
    RubricCriterion,
    RubricLevel,
    RubricScore,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from .bank import Choice, Question
from .gradebook import GradebookSettings, GradeOverride
from .outside import OutsideItem, OutsideScore
from .quizzes import Answer, Attempt, Quiz, QuizQuestion

__all__ = [
    "Answer",
    "Assignment",
    "AssignmentFile",
    "Attempt",
    "Choice",
    "GradeOverride",
    "GradebookSettings",
    "OutsideItem",
    "OutsideScore",
    "Question",
    "Quiz",
    "QuizQuestion",
    "Rubric",
    "RubricCriterion",
    "RubricLevel",
    "RubricScore",
    "Submission",
    "SubmissionFile",
    "SubmissionVersion",
]
