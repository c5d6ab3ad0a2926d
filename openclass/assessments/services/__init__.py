"""The rules of assessments, one module per topic, as plain functions views, tasks and other
areas call: ``bank`` (the question bank) and ``bank_xlsx`` (questions as a workbook),
``grading`` (automatic grading of one answer), ``quizzes``, ``assignments``, ``rubrics``,
``gradebook``, and ``todo`` (the home page's lists, read by other areas through
``assessments.selectors``). Who may see and do what is ``assessments.access``."""
