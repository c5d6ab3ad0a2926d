"""The pages of courses, one module per part: the catalog and a course's page (``courses``),
authoring its sections and lessons (``content``), enrolment (``enrolments``), studying a lesson
(``lessons``) and the timeline with its attendance (``attendance``).

Thin: a view finds the course through what the viewer may see (``lookup``), asks
``courses.access`` and ``accounts.capabilities`` who the viewer is, and runs a command of
``courses.services`` through ``core.views.perform``. Other areas do not import these modules.
"""
