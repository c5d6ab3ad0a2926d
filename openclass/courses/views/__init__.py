"""The pages of courses, one module per part: the catalog and a course's page (``courses``),
authoring its sections and lessons (``content``), enrolment (``enrolments``), studying a lesson
(``lessons``) and the timeline with its attendance (``attendance``).

Thin: a view finds the course through what the viewer may see (``lookup``), asks
``courses.access`` and ``accounts.capabilities`` who the viewer is, and runs a command of
``courses.services`` through ``core.views.perform``.
"""

# Kept importable here while ``assessments.views.gradebook`` still reaches for it; other areas
# should fetch through ``courses.access.visible_courses`` themselves.
from .lookup import visible_course_or_404

__all__ = ["visible_course_or_404"]
