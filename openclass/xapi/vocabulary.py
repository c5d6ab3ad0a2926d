"""The verbs and activity types openclass's own statements use: ADL's and cmi5's where they have
one (so an outside LRS, the national hub or a dashboard built for cmi5 reads them), Activity
Streams' for joining and leaving, and openclass's own, under the installation's address, only for
what no published vocabulary names."""

from __future__ import annotations

from dataclasses import dataclass

ADL = "http://adlnet.gov/expapi/verbs/"
OPENCLASS_VERB = "https://w3id.org/xapi/openclass/verbs/"
ACTIVITY_STREAMS = "http://activitystrea.ms/schema/1.0/"
ADL_ACTIVITY = "http://adlnet.gov/expapi/activities/"
CMI5_ACTIVITY = "https://w3id.org/xapi/cmi5/activitytype/"
VIDEO_PROFILE = "https://w3id.org/xapi/video/"


@dataclass(frozen=True)
class Verb:
    id: str
    display_ko: str
    display_en: str

    def as_json(self) -> dict:
        return {"id": self.id, "display": {"ko-KR": self.display_ko, "en-US": self.display_en}}


VERBS: dict[str, Verb] = {
    "launched": Verb(ADL + "launched", "시작함", "launched"),
    "initialized": Verb(ADL + "initialized", "초기화함", "initialized"),
    "progressed": Verb(ADL + "progressed", "진행함", "progressed"),
    "completed": Verb(ADL + "completed", "완료함", "completed"),
    "attempted": Verb(ADL + "attempted", "응시함", "attempted"),
    "answered": Verb(ADL + "answered", "답함", "answered"),
    "scored": Verb(ADL + "scored", "점수를 받음", "scored"),
    "passed": Verb(ADL + "passed", "통과함", "passed"),
    "failed": Verb(ADL + "failed", "통과하지 못함", "failed"),
    "attended": Verb(ADL + "attended", "출석함", "attended"),
    "terminated": Verb(ADL + "terminated", "종료함", "terminated"),
    "voided": Verb(ADL + "voided", "무효로 함", "voided"),
    "joined": Verb(ACTIVITY_STREAMS + "join", "참여함", "joined"),
    "left": Verb(ACTIVITY_STREAMS + "leave", "나감", "left"),
    "submitted": Verb(ACTIVITY_STREAMS + "submit", "제출함", "submitted"),
    "graded": Verb("http://id.tincanapi.com/verb/graded", "채점됨", "graded"),
    # An attendance mark of absent (or excused): no published verb says "was not there", and
    # "attended" must never be said of someone who was not.
    "absent": Verb(OPENCLASS_VERB + "absent", "결석함", "was absent"),
}

#: Activity types by the kind of openclass object an activity is.
ACTIVITY_TYPES: dict[str, str] = {
    "course": ADL_ACTIVITY + "course",
    "lesson": ADL_ACTIVITY + "lesson",
    "video": "https://w3id.org/xapi/video/activity-type/video",
    "quiz": ADL_ACTIVITY + "assessment",
    "question": ADL_ACTIVITY + "cmi.interaction",
    "assignment": ADL_ACTIVITY + "assessment",
    "live": ADL_ACTIVITY + "meeting",
    "session": ADL_ACTIVITY + "meeting",
    "tool": "http://id.tincanapi.com/activitytype/resource",
    "class": "http://id.tincanapi.com/activitytype/group",
    "school": "http://id.tincanapi.com/activitytype/school",
}

#: Result extensions of openclass's own (watched intervals and minutes present).
EXTENSION_WATCHED = VIDEO_PROFILE + "extensions/played-segments"
EXTENSION_PROGRESS = VIDEO_PROFILE + "extensions/progress"
EXTENSION_MINUTES = "https://w3id.org/xapi/openclass/extensions/minutes-present"
EXTENSION_ATTENDANCE = "https://w3id.org/xapi/openclass/extensions/attendance-status"
