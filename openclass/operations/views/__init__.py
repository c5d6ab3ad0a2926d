"""Pages of the operations area, one module per part: ``applications`` (the course-application
workflow, its survey and recordings), ``pool`` (the instructor pool) and ``pay`` (confirming
sessions, statements and the payroll). Thin: who may see what is ``operations.access``, what
may happen is ``operations.services``; a refusal becomes a response through
``core.views.perform``."""
