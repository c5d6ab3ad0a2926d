"""The rules of the operations area, one module per topic, as plain functions views, tasks and
the demo call: ``workflow`` (the course-application state table and its commands, F-05 a–f),
``pool`` (instructor profiles, their review, suggestions, F-06), ``pay`` (confirming sessions,
instructor pay and students' points, F-05 g–h), ``closing`` (the anonymous survey and the
recordings' fate, F-05 i–j) and ``exports`` (the pay workbooks). Who may see and do what is
``operations.access``; what other areas read is ``operations.selectors``."""
