"""Assessment models, one module per part: the question bank, quizzes and their attempts,
assignments and rubrics, and the gradebook's weights and overrides."""

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
from .quizzes import Answer, Attempt, Quiz, QuizQuestion

__all__ = [
    "Answer",
    "Assignment",
    "AssignmentFile",
    "Attempt",
    "Choice",
    "GradeOverride",
    "GradebookSettings",
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
