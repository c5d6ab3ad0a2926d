"""Live-class pages and endpoints: the classroom, starting and ending a class, live attendance,
the recording's fate, and the endpoint Janus's event handler posts to. (Join tickets go over
the classroom socket.)

Thin: who may do what is ``live.access``, everything that happens is in ``live.services``, and
a refusal becomes a response through ``core.views.perform``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import AuthenticatedRequest
from openclass.core.csp import update_csp
from openclass.core.views import perform
from openclass.courses.models import Session

from . import access, broadcast
from .models import LiveRoom, Recording
from .services import attendance as live_attendance
from .services import chat, recordings, rooms
from .services.janus_events import handle_events

logger = logging.getLogger(__name__)


def _live_session_or_404(session_id: int) -> Session:
    session = rooms.live_session(session_id)
    if session is None:
        raise Http404
    return session


# Each reaction's picture (SVG files bundled in live/static/live/reactions/, so no emoji font is
# needed) and its name for screen readers; the socket still carries the emoji itself.
_REACTION_ICONS = {
    "👍": ("thumbs-up", gettext_lazy("Thumbs up")),
    "👏": ("clap", gettext_lazy("Clap")),
    "😀": ("smile", gettext_lazy("Laugh")),
    "😮": ("wow", gettext_lazy("Surprised")),
    "❤️": ("heart", gettext_lazy("Heart")),
    "❓": ("question", gettext_lazy("I have a question")),
}


def _reactions() -> list[dict]:
    return [
        {
            "emoji": emoji,
            "icon": static(f"live/reactions/{_REACTION_ICONS[emoji][0]}.svg"),
            "label": str(_REACTION_ICONS[emoji][1]),
        }
        for emoji in chat.REACTIONS
    ]


def _texts() -> dict:
    """What the classroom script says, translated here (the page passes it as JSON)."""
    return {
        "micOn": _("Microphone on"),
        "camOn": _("Camera on"),
        "joining": _("Joining the class…"),
        "joined": _("You are in the class."),
        "noTicket": _("The class did not answer in time. Try joining again."),
        "reconnecting": _("The connection dropped. Reconnecting…"),
        "waiting": _("You are in the waiting room. The teacher will let you in."),
        "admitted": _("The teacher let you in."),
        "denied": _("The teacher did not let you in."),
        "removed": _("The teacher has removed you from this class."),
        "mutedAudio": _(
            "The teacher muted your microphone. You can switch it on again when you need to speak."
        ),
        "mutedVideo": _("The teacher turned your camera off."),
        "noDevice": _("No camera or microphone could be used. You can still watch and listen."),
        "mute": _("Mute"),
        "cameraOff": _("Camera off"),
        "remove": pgettext("a participant", "Remove"),
        "spotlight": _("Spotlight"),
        "lowerHand": _("Lower hand"),
        "admit": _("Let in"),
        "deny": _("Turn away"),
        "teacher": _("Teacher"),
        "guest": _("Guest"),
        "you": _("you"),
        "good": _("Connection: good"),
        "fair": _("Connection: fair"),
        "poor": _("Connection: poor"),
        "page": _("Page %(page)s of %(pages)s"),
        "answered": _("Your answer is saved."),
        "answeredCount": _("%(answered)s answered"),
        "correct": _("Correct answer: %(choice)s"),
        "removeConfirm": _("Remove this person from the class?"),
        "screenOf": _("Screen of %(name)s"),
        "unlock": _("Unlock the room"),
        "lock": _("Lock the room"),
        "allowShare": _("Let students share their screen"),
        "ended": _("The teacher has ended the class. Thank you for taking part."),
        "inGroup": _("You are in %(name)s."),
        "groupChat": _("Only %(name)s sees this chat."),
        "visit": _("Visit"),
        "backToClass": pgettext("breakout rooms", "Back to the class"),
        "forbidShare": _("Stop students sharing their screen"),
        "camera": _("Camera"),
        "microphone": _("Microphone"),
        "micIsOff": _("Microphone off"),
        "cameraIsOff": _("Camera off"),
        "handIsUp": _("hand raised"),
        "delete": _("Delete"),
        "reacted": _("%(name)s: %(reaction)s"),
    }


def _janus_origins() -> list[str]:
    """The origins of the pool's public addresses (a path in a CSP source would match only
    that very path; an address on this site itself needs nothing: 'self' covers it)."""
    origins = set()
    for url in settings.JANUS_PUBLIC_URLS:
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


@login_required
def classroom(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    """The classroom page; who is refused learns it here, before any media is set up."""
    session = _live_session_or_404(session_id)
    if not has_capability(request.user, "live.join", session):
        raise PermissionDenied(_("This live class is not open to you."))
    room = rooms.main_room(session)
    participant = rooms.participant_for(request.user, room)
    config = {
        "socketPath": f"/ws/live/{room.pk}/",
        "role": participant.role,
        "userId": request.user.pk,
        "status": room.status,
        "icons": static("live/icons.svg"),
        "reactions": _reactions(),
    }
    response = render(
        request,
        "live/classroom.html",
        {
            "session": session,
            "course": session.course,
            "room": room,
            "participant": participant,
            "is_host": participant.is_host,
            "config": config,
            "texts": _texts(),
            "shared_recording": recordings.shared_into_course(room),
            "reactions": config["reactions"],
        },
    )
    # The browser signals to the Janus servers of the pool (media then flows peer to server).
    update_csp(response, {"connect-src": _janus_origins()})
    return response


@login_required
@require_POST
def start(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    session = _live_session_or_404(session_id)
    started = perform(request, rooms.start_class, request.user, session)
    if started:
        # Pages already open (students waiting for the teacher) may join now.
        broadcast.tell(started.value.pk, rooms.room_state(started.value))
    return redirect("live:classroom", session.pk)


@login_required
@require_POST
def end(request: AuthenticatedRequest, room_id: int) -> HttpResponse:
    room = get_object_or_404(LiveRoom.objects.select_related("session"), pk=room_id, parent=None)
    ended = perform(request, rooms.end_class, request.user, room)
    if not ended:
        return redirect("live:classroom", room.session_id)
    # Every page still in class hears it at once (and stops its media).
    broadcast.tell(room.pk, rooms.room_state(ended.value))
    messages.success(request, _("The live class has ended. Check and confirm the attendance."))
    return redirect("live:attendance", room.pk)


@login_required
def attendance(request: AuthenticatedRequest, room_id: int) -> HttpResponse:
    """The host's live attendance: who is here now and the mark each would get."""
    room = get_object_or_404(
        LiveRoom.objects.select_related("session__course"), pk=room_id, parent=None
    )
    access.require_host_of(
        request.user, room.session, _("Only the course's teachers see the class's attendance.")
    )
    template = (
        "live/_attendance.html" if request.headers.get("HX-Request") else "live/attendance.html"
    )
    return render(
        request,
        template,
        {
            "room": room,
            "session": room.session,
            "course": room.session.course,
            "marks": live_attendance.live_marks(room),
            "recording": Recording.objects.filter(room=room)
            .select_related("video", "lesson")
            .first(),
        },
    )


@login_required
@require_POST
def confirm(request: AuthenticatedRequest, room_id: int) -> HttpResponse:
    room = get_object_or_404(LiveRoom, pk=room_id, parent=None)
    if perform(request, live_attendance.confirm_attendance, request.user, room):
        messages.success(request, _("Attendance is confirmed."))
    return redirect("live:attendance", room.pk)


def _recording_of(request: AuthenticatedRequest, room_id: int) -> Recording:
    """The class's recording, for someone who may enter the class (others get a 404: they do
    not learn that it was recorded); whether they may act on it is the service's question."""
    recording = get_object_or_404(
        Recording.objects.select_related("room__session__course", "video", "lesson"),
        room_id=room_id,
    )
    if not has_capability(request.user, "live.join", recording.room.session):
        raise Http404
    return recording


@login_required
@require_POST
def share_recording(request: AuthenticatedRequest, room_id: int) -> HttpResponse:
    """The teacher shares the class's recording with the course."""
    if perform(request, recordings.share_recording, request.user, _recording_of(request, room_id)):
        messages.success(
            request,
            _(
                "The recording is a lesson of the course now; those who missed the class "
                "are asked to watch it."
            ),
        )
    return redirect("live:attendance", room_id)


@login_required
@require_POST
def delete_recording(request: AuthenticatedRequest, room_id: int) -> HttpResponse:
    """The teacher deletes the class's recording."""
    if perform(request, recordings.delete_recording, request.user, _recording_of(request, room_id)):
        messages.success(request, _("The recording is deleted."))
    return redirect("live:attendance", room_id)


def _janus_authorised(request: HttpRequest) -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        user, _sep, password = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return user == "janus" and hmac.compare_digest(password, settings.JANUS_EVENTS_PASSWORD)


@csrf_exempt
@require_POST
def janus_events(request: HttpRequest) -> HttpResponse:
    """Janus's sample event handler posts here: a JSON array of events (or one event)."""
    if not _janus_authorised(request):
        return HttpResponse(status=401, headers={"WWW-Authenticate": 'Basic realm="janus"'})
    try:
        payload = json.loads(request.body)
    except ValueError:
        return HttpResponse(status=400)
    events = payload if isinstance(payload, list) else [payload]
    handle_events([event for event in events if isinstance(event, dict)])
    return HttpResponse(status=204)
