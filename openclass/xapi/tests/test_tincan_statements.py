"""The Statements resource against a real client library: TinCanPython (``tincan``, pinned) talks
to openclass served by uvicorn (``core.tests.live_server``) — with an LRS client's Basic
credentials the office would register, and with a student's OAuth2 token of the login hub —
saving statements one by one and in a batch, reading one back, querying by agent and verb,
following ``more`` links, voiding, and what it is refused.

TinCanPython 1.0.0 reads a statement's ``authority`` as an Agent only: the anonymous Group of two
that an OAuth-written statement carries (part three §4) is read as JSON instead."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from tincan import (
    Activity,
    ActivityDefinition,
    Agent,
    AgentAccount,
    LanguageMap,
    RemoteLRS,
    Statement,
    StatementRef,
    Verb,
)
from tincan.http_request import HTTPRequest

from openclass.core.tests.live_server import STUDENT, LiveServer

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"

SEED = f"""
import json, secrets as random
from datetime import timedelta
from django.utils import timezone
from oauth2_provider.models import AccessToken, set_token_value
from tincan.http_request import HTTPRequest

from openclass.core.tests.live_server import seed
seed(with_course=False)
from openclass.accounts.models import User
from openclass.hub.models import Site
from openclass.xapi import auth, services
from openclass.xapi.models import Client
secrets = {{}}
for key, scopes in (
    ("tool", ["statements/write", "statements/read", "define"]),
    ("reader", ["statements/read"]),
):
    raw, hashed = auth.make_secret()
    Client.objects.create(name=key, key=key, secret_hash=hashed, scopes=scopes)
    secrets[key] = raw
student = User.objects.get(username={STUDENT.username!r})
site = Site.objects.create(
    name="content", redirect_uris="https://content.example.org/cb",
    client_type=Site.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Site.GRANT_AUTHORIZATION_CODE,
    client_secret="tincan-test-secret-0123456789",
    allowed_scopes="openid statements/write statements/read",
)
raw = random.token_urlsafe(30)
token = AccessToken(user=student, application=site, scope="statements/write statements/read",
                    expires=timezone.now() + timedelta(hours=1))
set_token_value(token, raw)
token.save()
services.record(User.objects.exclude(pk=student.pk).filter(role=student.role).first(),
                "launched", services.Activity("lesson", 1))
print(json.dumps({{"secrets": secrets, "student": str(services.actor_key(student)),
                   "token": raw}}))
"""


@dataclass
class Lrs:
    server: LiveServer
    secrets: dict[str, str]
    student_key: str
    student_token: str

    def remote(self, key: str = "tool", password: str | None = None) -> RemoteLRS:
        return RemoteLRS(
            endpoint=f"{self.server.url}/xapi/",
            version="1.0.3",
            username=key,
            password=password or self.secrets[key],
        )

    def as_student(self) -> RemoteLRS:
        return RemoteLRS(
            endpoint=f"{self.server.url}/xapi/",
            version="1.0.3",
            auth=f"Bearer {self.student_token}",
        )

    @property
    def student(self) -> Agent:
        return Agent(account=AgentAccount(home_page=self.server.url, name=self.student_key))


@pytest.fixture(scope="module")
def lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lrs]:
    server = LiveServer(tmp_path_factory.mktemp("tincan-statements"))
    server.env["OPENCLASS_SITE_URL"] = server.url
    server.migrate()
    seeded = json.loads(server.shell(SEED))
    server.start()
    try:
        yield Lrs(server, seeded["secrets"], seeded["student"], seeded["token"])
    finally:
        server.stop()


def learner(name: str) -> Agent:
    return Agent(mbox=f"mailto:{name}@example.org")


def lesson(name: str) -> Activity:
    return Activity(
        id=f"https://content.example.org/lessons/{name}",
        definition=ActivityDefinition(name=LanguageMap({"en-US": name, "ko-KR": f"{name} 차시"})),
    )


def made(actor: Agent, verb: str, target: Activity | StatementRef) -> Statement:
    return Statement(
        actor=actor,
        verb=Verb(id=verb, display=LanguageMap({"en-US": verb.rsplit("/", 1)[-1]})),
        object=target,
    )


def raw_query(remote: RemoteLRS, **params: object) -> list[dict[str, Any]]:
    """A statements query through TinCanPython's own transport, its answer read as JSON."""
    response = remote._send_request(
        HTTPRequest(method="GET", resource="statements", query_params=params)
    )
    assert response.success, (response.response.status, response.data)
    statements: list[dict[str, Any]] = json.loads(response.data)["statements"]
    return statements


def test_about_names_1_0_3(lrs: Lrs) -> None:
    response = lrs.remote().about()
    assert response.success
    assert "1.0.3" in response.content.version


def test_a_statement_saved_is_read_back_the_same(lrs: Lrs) -> None:
    remote = lrs.remote()
    sent = made(learner("kim"), COMPLETED, lesson("crossing"))
    saved = remote.save_statement(sent)
    assert saved.success, saved.data
    assert saved.content.id is not None
    read = remote.retrieve_statement(saved.content.id)
    assert read.success, read.data
    statement = read.content
    assert statement.verb.id == COMPLETED
    assert statement.actor.mbox == "mailto:kim@example.org"
    assert statement.object.id == lesson("crossing").id
    assert statement.object.definition.name["ko-KR"] == "crossing 차시"
    assert statement.stored is not None and statement.authority is not None


def test_a_batch_is_saved_and_queried_by_agent_and_verb(lrs: Lrs) -> None:
    remote = lrs.remote()
    lee, park = learner(f"lee-{uuid.uuid4().hex[:6]}"), learner(f"park-{uuid.uuid4().hex[:6]}")
    batch = [
        made(lee, ATTEMPTED, lesson("quiz")),
        made(lee, COMPLETED, lesson("quiz")),
        made(park, COMPLETED, lesson("quiz")),
    ]
    saved = remote.save_statements(batch)
    assert saved.success, saved.data
    ids = [str(statement.id) for statement in saved.content]
    assert len(set(ids)) == 3
    by_agent = remote.query_statements({"agent": lee})
    assert by_agent.success, by_agent.data
    assert {str(s.id) for s in by_agent.content.statements} == set(ids[:2])
    by_both = remote.query_statements({"agent": lee, "verb": Verb(id=COMPLETED)})
    assert [str(s.id) for s in by_both.content.statements] == [ids[1]]


def test_more_links_page_through_every_statement_once(lrs: Lrs) -> None:
    remote = lrs.remote()
    walker = learner(f"walker-{uuid.uuid4().hex[:6]}")
    saved = remote.save_statements([made(walker, ATTEMPTED, lesson(f"s{n}")) for n in range(7)])
    assert saved.success, saved.data
    wanted = {str(statement.id) for statement in saved.content}
    page = remote.query_statements({"agent": walker, "limit": 3})
    assert page.success, page.data
    seen = [str(s.id) for s in page.content.statements]
    pages = 1
    while page.content.more:
        page = remote.more_statements(page.content)
        assert page.success, page.data
        seen += [str(s.id) for s in page.content.statements]
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7 and set(seen) == wanted


def test_a_voided_statement_is_read_only_as_voided(lrs: Lrs) -> None:
    remote = lrs.remote()
    mistake = remote.save_statement(made(learner("choi"), COMPLETED, lesson("wrong")))
    assert mistake.success
    target = str(mistake.content.id)
    voiding = remote.save_statement(
        made(learner("choi"), VOIDED, StatementRef(id=mistake.content.id))
    )
    assert voiding.success, voiding.data
    assert not remote.retrieve_statement(target).success
    voided = remote.retrieve_voided_statement(target)
    assert voided.success and str(voided.content.id) == target
    listed = remote.query_statements({"agent": learner("choi")})
    assert [str(s.id) for s in listed.content.statements] == [str(voiding.content.id)]


def test_a_conflicting_statement_is_refused(lrs: Lrs) -> None:
    remote = lrs.remote()
    first = made(learner("han"), COMPLETED, lesson("once"))
    first.id = uuid.uuid4()
    assert remote.save_statement(first).success
    other = made(learner("han"), ATTEMPTED, lesson("once"))
    other.id = first.id
    refused = remote.save_statement(other)
    assert not refused.success and refused.response.status == 409


def test_wrong_credentials_and_a_missing_scope_are_refused(lrs: Lrs) -> None:
    wrong = lrs.remote(password="not-the-secret").save_statement(
        made(learner("x"), COMPLETED, lesson("x"))
    )
    assert not wrong.success and wrong.response.status == 401
    reader = lrs.remote("reader")
    written = reader.save_statement(made(learner("x"), COMPLETED, lesson("x")))
    assert not written.success and written.response.status == 403
    assert reader.query_statements({"limit": 1}).success


def test_a_students_token_writes_and_reads_only_their_own(lrs: Lrs) -> None:
    student = lrs.as_student()
    own = student.save_statement(made(lrs.student, COMPLETED, lesson("own")))
    assert own.success, own.data
    about_another = student.save_statement(made(learner("other"), COMPLETED, lesson("own")))
    assert not about_another.success and about_another.response.status == 403
    # What a token stores carries the site and the student as its authority: an anonymous Group
    # of two (part three §4), which TinCanPython's Statement cannot read (its authority is an
    # Agent): the page is asked through its own transport and read as JSON.
    statements = raw_query(student, limit=0)
    assert {s["actor"]["account"]["name"] for s in statements} == {lrs.student_key}
    assert statements[0]["authority"]["objectType"] == "Group"
    seen = raw_query(lrs.remote("reader"), agent=lrs.student.to_json())
    assert [s["id"] for s in seen] == [str(own.content.id)]
