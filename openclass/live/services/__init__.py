"""The rules of live classes, one module per job. Views, the classroom socket, the Janus event
endpoint and the tasks are thin and call these; other areas call ``recordings`` (and read
``live.selectors``).

- ``rooms`` — a session's room and its participants; starting (the host's command, or the
  timetable) and ending a class.
- ``placement`` — opening a room on a healthy Janus server, again elsewhere when it died.
- ``entry`` — a classroom page comes in: counted, and welcomed with the room's state.
- ``tickets`` — the one-time permission to join Janus as one feed with one token.
- ``janus_events`` — what Janus's event handler reports: stays begin and end.
- ``attendance`` — from stays to attendance marks, and the host's confirmation.
- ``chat`` — chat, raised hands and reactions.
- ``polls`` — polls and quick quizzes.
- ``moderation`` — the host's controls: mute, remove, lock, spotlight, screen sharing,
  the waiting room.
- ``breakouts`` — groups (모둠 활동방).
- ``recordings`` — recording a class, then sharing or deleting the recording.

Who may do what is ``live.access``; who is online, ``live.presence``; telling a room's pages,
``live.broadcast``.
"""
