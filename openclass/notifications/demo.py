"""The demo city's class message: 1학년 1반's homeroom teacher wrote to the class and its
parents, so a student's and a parent's home show a teacher's message."""

from __future__ import annotations

from openclass.accounts.models import Organisation, TeachingAssignment
from openclass.core.registry import DemoOptions

from . import services
from .models import Kind, Notification

AFTER = ("accounts",)
TEXT = "내일 안전한 생활 시간에는 실내화와 필기도구를 챙겨 오세요. 궁금한 점은 언제든 알려 주세요."


def build_demo(options: DemoOptions) -> list[str]:
    homeroom = (
        TeachingAssignment.objects.filter(
            is_homeroom=True,
            teacher__username="hanbit-t01",
            klass__kind=Organisation.Kind.CLASS,
        )
        .select_related("teacher", "klass")
        .first()
    )
    if homeroom is None:
        return []
    reached = services.send_class_message(homeroom.teacher, homeroom.klass, TEXT, with_parents=True)
    return [f"A class message from {homeroom.teacher.username}: {reached} people"]


def demo_exists() -> bool:
    return Notification.objects.filter(kind=Kind.MESSAGE).exists()
