"""The demo's outside tool: the installation's own demo tool (``/demo-tool/``, ``demo_tool``)
registered city-wide by the office, as the office registers any tool, and one lesson of kind
``tool`` that launches it in the demo class course (1학년 1반 안전한 생활), with scores and
members granted so its quiz's scores land in the gradebook."""

from __future__ import annotations

from django.urls import reverse

from openclass.accounts.models import User
from openclass.core.registry import DemoOptions
from openclass.courses.models import Course, Lesson, Section

from . import demo_tool, services
from .models import ResourceLink, Tool

COURSE = "1학년 1반 안전한 생활"
SECTION = "3단원 생각하는 힘 기르기"
LESSON = "5차시 덧셈 퀴즈 (외부 도구)"


def demo_tool_registration() -> Tool | None:
    return Tool.objects.filter(name=demo_tool.NAME, city_wide=True).order_by("pk").first()


def demo_exists() -> bool:
    return demo_tool_registration() is not None


def _addresses(tool: Tool) -> None:
    base = demo_tool.site_url()
    tool.login_url = base + reverse("demo_tool:login")
    tool.launch_url = base + reverse("demo_tool:launch")
    tool.jwks_url = base + reverse("demo_tool:jwks")
    tool.redirect_uris = [tool.launch_url]


def build_demo(options: DemoOptions) -> list[str]:
    office_admin = User.objects.filter(role=User.Role.OFFICE_ADMIN, is_active=True).first()
    if office_admin is None:
        return ["Demo outside tool: no office admin in the demo city; nothing registered."]
    tool = demo_tool_registration()
    verb = "brought up to date"
    if tool is None:
        tool = Tool(
            name=demo_tool.NAME,
            description="openclass가 직접 띄우는 LTI 1.3 데모 도구: 계산 퀴즈와 점수 전송.",
            share_name=True,
            may_post_scores=True,
            may_read_members=True,
        )
        verb = "registered"
    _addresses(tool)
    tool = services.save_tool(office_admin, tool)
    lines = [
        f"Demo outside tool {verb}: {tool.name} at {tool.login_url} (client id {tool.client_id})."
    ]
    course = Course.objects.filter(title=COURSE).first()
    if course is None:
        return lines
    section, _created = Section.objects.get_or_create(
        course=course, title=SECTION, defaults={"position": course.sections.count() + 1}
    )
    if not section.lessons.filter(title=LESSON).exists():
        lesson = Lesson.objects.create(
            section=section, title=LESSON, kind=Lesson.Kind.TOOL, position=1, is_required=False
        )
        ResourceLink.objects.create(lesson=lesson, tool=tool, custom={"op": "add"})
        lines.append(f"Demo tool lesson added to {COURSE}: {LESSON}.")
    return lines
