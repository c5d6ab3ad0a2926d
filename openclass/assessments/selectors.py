"""What other areas read of assessments: a student's work still to do and a teacher's work still
to grade (the home page's panels). The public read API of ``assessments``; the lists themselves
are built in ``services.todo``, on the same rules as the quiz and assignment pages."""

from __future__ import annotations

from .services.todo import Todo, ToGrade, student_todo, to_grade

__all__ = ["ToGrade", "Todo", "student_todo", "to_grade"]
