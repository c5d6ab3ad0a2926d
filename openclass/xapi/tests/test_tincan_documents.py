"""The document resources against a real client library: TinCanPython (``tincan``, pinned) talks
to openclass served by uvicorn (``core.tests.live_server``), with an LRS client's Basic
credentials the office would register — state saved, read, listed and deleted, activity and
agent profiles with their ETags, the Activities and Agents resources — and what it is refused.

TinCanPython 1.0.0 has no call of its own for the Activities and Agents resources: those are
asked through its own transport (``RemoteLRS._send_request`` with its ``HTTPRequest``, the way
its other calls are made), and the answers read with its ``Activity`` and ``AgentAccount``.
It never reads an answer's ETag either (it looks for an ``etag`` key in a list of header pairs):
the tests take it from the response and set it on the document, as its users do.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from tincan import (
    Activity,
    ActivityProfileDocument,
    Agent,
    AgentAccount,
    AgentProfileDocument,
    RemoteLRS,
    StateDocument,
)
from tincan.http_request import HTTPRequest

from openclass.core.tests.live_server import STUDENT, LiveServer

LESSON = "https://content.example.org/course/safety/lesson-1"
DEFINITION = {
    "name": {"ko-KR": "횡단보도 건너기", "en-US": "Crossing the road"},
    "type": "http://adlnet.gov/expapi/activities/lesson",
}

SEED = f"""
import json
from openclass.core.tests.live_server import seed
seed(with_course=False)
from openclass.accounts.models import User
from openclass.xapi import auth, services
from openclass.xapi.models import Activity, Client
secrets = {{}}
for key, scopes in (("player", ["state", "profile"]), ("reporter", ["statements/read"])):
    raw, hashed = auth.make_secret()
    Client.objects.create(name=key, key=key, secret_hash=hashed, scopes=scopes)
    secrets[key] = raw
Activity.objects.create(activity_id={LESSON!r}, definition={DEFINITION!r})
student = User.objects.get(username={STUDENT.username!r})
print(json.dumps({{"secrets": secrets, "student": str(services.actor_key(student))}}))
"""


@dataclass
class Lrs:
    server: LiveServer
    secrets: dict[str, str]
    student_key: str

    def remote(self, key: str = "player", password: str | None = None) -> RemoteLRS:
        return RemoteLRS(
            endpoint=f"{self.server.url}/xapi/",
            version="1.0.3",
            username=key,
            password=password or self.secrets[key],
        )

    @property
    def student(self) -> Agent:
        """The seeded student as every statement names them: an opaque account, no name."""
        return Agent(account=AgentAccount(home_page=self.server.url, name=self.student_key))


@pytest.fixture(scope="module")
def lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lrs]:
    server = LiveServer(tmp_path_factory.mktemp("tincan-documents"))
    server.env["OPENCLASS_SITE_URL"] = server.url
    server.migrate()
    seeded = json.loads(server.shell(SEED))
    server.start()
    try:
        yield Lrs(server, seeded["secrets"], seeded["student"])
    finally:
        server.stop()


def etag_of(response: Any) -> str:
    return response.response.getheader("ETag")


def test_state_saved_read_listed_and_deleted(lrs: Lrs) -> None:
    remote = lrs.remote()
    lesson = Activity(id=LESSON)
    started = datetime.now(UTC).replace(microsecond=0)
    time.sleep(1)  # "since" is exclusive, and Last-Modified counts whole seconds
    bookmark = StateDocument(
        id="bookmark",
        activity=lesson,
        agent=lrs.student,
        content=json.dumps({"seconds": 42}),
        content_type="application/json",
    )
    saved = remote.save_state(bookmark)
    assert saved.success, saved.data
    # TinCanPython sends a document as a str that http.client encodes as Latin-1: any type,
    # but ASCII (binary and Korean content are the HTTP tests').
    blob = StateDocument(
        id="drawing",
        activity=lesson,
        agent=lrs.student,
        content="<svg><title>crossing</title></svg>",
        content_type="image/svg+xml",
    )
    assert remote.save_state(blob).success

    got = remote.retrieve_state(lesson, lrs.student, "bookmark")
    assert got.success and got.response.status == 200
    assert json.loads(bytes(got.content.content)) == {"seconds": 42}
    assert got.response.getheader("Content-Type") == "application/json"
    assert etag_of(got).startswith('"') and len(etag_of(got)) == 42
    assert got.response.getheader("Last-Modified")
    drawing = remote.retrieve_state(lesson, lrs.student, "drawing")
    assert bytes(drawing.content.content) == b"<svg><title>crossing</title></svg>"
    assert drawing.response.getheader("Content-Type") == "image/svg+xml"

    ids = remote.retrieve_state_ids(lesson, lrs.student)
    assert ids.success and sorted(ids.content) == ["bookmark", "drawing"]
    since = remote.retrieve_state_ids(lesson, lrs.student, since=started.isoformat())
    assert sorted(since.content) == ["bookmark", "drawing"]
    later = remote.retrieve_state_ids(lesson, lrs.student, since=datetime.now(UTC).isoformat())
    assert later.content == []

    # The ETag it was given lets it write again. TinCanPython sends a state PUT twice: the first
    # writes, the repeat carries the ETag of what it just replaced and is refused (412).
    bookmark.content = json.dumps({"seconds": 60})
    bookmark.etag = etag_of(got)
    repeated = remote.save_state(bookmark)
    assert repeated.response.status == 412
    again = remote.retrieve_state(lesson, lrs.student, "bookmark")
    assert json.loads(bytes(again.content.content)) == {"seconds": 60}
    assert etag_of(again) != etag_of(got)
    # A stale ETag changes nothing.
    bookmark.content = json.dumps({"seconds": 99})
    stale = remote.save_state(bookmark)
    assert not stale.success and stale.response.status == 412
    assert bytes(remote.retrieve_state(lesson, lrs.student, "bookmark").content.content) == (
        bytes(again.content.content)
    )

    deleted = remote.delete_state(
        StateDocument(id="bookmark", activity=lesson, agent=lrs.student, etag=etag_of(again))
    )
    assert deleted.success, deleted.data
    assert remote.retrieve_state_ids(lesson, lrs.student).content == ["drawing"]
    assert remote.clear_state(lesson, lrs.student).success
    assert remote.retrieve_state_ids(lesson, lrs.student).content == []
    missing = remote.retrieve_state(lesson, lrs.student, "bookmark")
    assert missing.response.status == 404


def test_the_students_state_is_kept_as_theirs_and_never_names_them(lrs: Lrs) -> None:
    remote = lrs.remote()
    state = StateDocument(
        id="progress", activity=Activity(id=LESSON), agent=lrs.student, content="{}"
    )
    state.content_type = "application/json"
    assert remote.save_state(state).success
    owner = lrs.server.shell(
        "from openclass.xapi.models import Document; "
        "print(Document.objects.get(document_id='progress').user.username)"
    )
    assert owner == STUDENT.username


def test_activity_profile_saved_conflicting_and_replaced_with_its_etag(lrs: Lrs) -> None:
    remote = lrs.remote()
    lesson = Activity(id=LESSON)
    profile = ActivityProfileDocument(
        id="settings", activity=lesson, content='{"speed": 1}', content_type="application/json"
    )
    assert remote.save_activity_profile(profile).success
    got = remote.retrieve_activity_profile(lesson, "settings")
    assert json.loads(bytes(got.content.content)) == {"speed": 1}
    profile.content = '{"speed": 2}'
    blind = remote.save_activity_profile(profile)
    assert not blind.success and blind.response.status == 409
    assert "If-Match" in json.loads(blind.data)["error"]
    profile.etag = etag_of(got)
    assert remote.save_activity_profile(profile).success
    again = remote.retrieve_activity_profile(lesson, "settings")
    assert json.loads(bytes(again.content.content)) == {"speed": 2}
    assert remote.retrieve_activity_profile_ids(lesson).content == ["settings"]
    assert remote.delete_activity_profile(again.content).success
    assert remote.retrieve_activity_profile(lesson, "settings").response.status == 404


def test_agent_profile_saved_read_and_deleted(lrs: Lrs) -> None:
    remote = lrs.remote()
    profile = AgentProfileDocument(
        id="preferences",
        agent=lrs.student,
        content='{"captions": true}',
        content_type="application/json",
    )
    assert remote.save_agent_profile(profile).success
    got = remote.retrieve_agent_profile(lrs.student, "preferences")
    assert got.success and json.loads(bytes(got.content.content)) == {"captions": True}
    assert remote.retrieve_agent_profile_ids(lrs.student).content == ["preferences"]
    profile.content = '{"captions": false}'
    profile.etag = '"' + "0" * 40 + '"'
    assert remote.save_agent_profile(profile).response.status == 412
    profile.etag = etag_of(got)
    assert remote.save_agent_profile(profile).success
    latest = remote.retrieve_agent_profile(lrs.student, "preferences")
    assert json.loads(bytes(latest.content.content)) == {"captions": False}
    latest.content.etag = etag_of(latest)
    assert remote.delete_agent_profile(latest.content).success
    assert remote.retrieve_agent_profile_ids(lrs.student).content == []


def test_clients_that_read_the_same_etag_one_writes_the_others_are_refused(lrs: Lrs) -> None:
    """Four players save the profile they all read at once: the precondition is checked in the
    transaction that writes (SQLite: IMMEDIATE, the database's write lock taken at BEGIN)."""
    lesson = Activity(id=LESSON + "/race")
    first = ActivityProfileDocument(id="race", activity=lesson, content="0")
    first.content_type = "text/plain"
    assert lrs.remote().save_activity_profile(first).success
    etag = etag_of(lrs.remote().retrieve_activity_profile(lesson, "race"))
    start = threading.Barrier(4)
    statuses: list[int] = []

    def save(number: int) -> None:
        profile = ActivityProfileDocument(
            id="race", activity=lesson, content=str(number), content_type="text/plain", etag=etag
        )
        remote = lrs.remote()
        start.wait()
        statuses.append(remote.save_activity_profile(profile).response.status)

    players = [threading.Thread(target=save, args=(number,)) for number in range(1, 5)]
    for player in players:
        player.start()
    for player in players:
        player.join()
    assert sorted(statuses) == [204, 412, 412, 412]
    final = lrs.remote().retrieve_activity_profile(lesson, "race")
    assert bytes(final.content.content) in {b"1", b"2", b"3", b"4"}


def _ask(remote: RemoteLRS, resource: str, **params: str) -> Any:
    request = HTTPRequest(method="GET", resource=resource)
    request.query_params = params
    return remote._send_request(request)


def test_activities_answers_the_canonical_definition(lrs: Lrs) -> None:
    answer = _ask(lrs.remote(), "activities", activityId=LESSON)
    assert answer.success
    activity = Activity(json.loads(answer.data))
    assert activity.id == LESSON
    assert activity.definition.name["ko-KR"] == "횡단보도 건너기"
    unknown = json.loads(_ask(lrs.remote(), "activities", activityId=LESSON + "/x").data)
    assert unknown == {"objectType": "Activity", "id": LESSON + "/x"}


def test_agents_answers_a_person_with_only_the_opaque_account(lrs: Lrs) -> None:
    named = Agent(name="김하늘", account=lrs.student.account)
    answer = _ask(lrs.remote(), "agents", agent=named.to_json("1.0.3"))
    assert answer.success, answer.data
    person = json.loads(answer.data)
    assert person["objectType"] == "Person"
    assert set(person) == {"objectType", "account"}
    (account,) = person["account"]
    assert AgentAccount(account).name == lrs.student_key
    assert "김하늘" not in answer.data


def test_refusals_wrong_secret_and_missing_scope(lrs: Lrs) -> None:
    lesson = Activity(id=LESSON)
    wrong = lrs.remote(password="not-the-secret")
    assert wrong.retrieve_state_ids(lesson, lrs.student).response.status == 401
    reporter = lrs.remote("reporter")
    state = StateDocument(id="x", activity=lesson, agent=lrs.student, content="{}")
    assert reporter.save_state(state).response.status == 403
    assert reporter.retrieve_state_ids(lesson, lrs.student).response.status == 403
    profile = ActivityProfileDocument(id="p", activity=lesson, content="{}")
    assert reporter.save_activity_profile(profile).response.status == 403
    assert "x" not in lrs.remote().retrieve_state_ids(lesson, lrs.student).content
