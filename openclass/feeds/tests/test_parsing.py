"""Reading feeds and OAI-PMH pages (``feeds.services``): the documented columns of CSV and JSON,
what makes a feed bad (and the message that says where), OAI-PMH records, deleted headers,
tokens and errors, and XML that defusedxml refuses."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import translation

from openclass.feeds import services
from openclass.feeds.services import FetchFailed

from .fixtures import oai_page, oai_record

CSV_FEED = (
    "\ufeffid,title,description,url,tags,area,grade_band,audience,published\r\n"
    'c1,간호사가 되려면,"간호학과, 자격",https://jinro.example.org/1,"진로, 보건",'
    "진로교육,고등,학생,2025-03-02\r\n"
    "c2,진로 탐색 활동,,https://jinro.example.org/2,진로;탐색,,middle,parent,"
    "2025-03-03T09:00:00+09:00\r\n"
)


def failure(call, *args) -> str:
    with translation.override("en"), pytest.raises(FetchFailed) as caught:
        call(*args)
    return str(caught.value)


def test_csv_feed_with_the_documented_columns() -> None:
    first, second = services.parse_csv(CSV_FEED.encode())
    assert first.identifier == "c1"
    assert first.title == "간호사가 되려면"
    assert first.description == "간호학과, 자격"
    assert first.tags == ("진로", "보건")
    assert (first.area, first.grade_band, first.audience) == ("진로교육", "high", "student")
    assert first.published_at is not None and first.published_at.date() == datetime.date(2025, 3, 2)
    assert second.tags == ("진로", "탐색")
    assert (second.grade_band, second.audience) == ("middle", "parent")
    seoul = datetime.timezone(datetime.timedelta(hours=9))
    assert second.published_at == datetime.datetime(2025, 3, 3, 9, 0, tzinfo=seoul)


def test_json_feed_as_a_list_or_under_entries() -> None:
    rows = [
        {
            "id": 7,
            "title": "독도의 역사",
            "url": "https://ocw.example.org/7",
            "tags": ["독도", "역사"],
        },
        {"id": "8", "title": "교통안전", "url": "http://ocw.example.org/8", "published": "2024"},
    ]
    for document in (rows, {"entries": rows}, {"items": rows}):
        first, second = services.parse_json(json.dumps(document).encode())
        assert (first.identifier, first.tags) == ("7", ("독도", "역사"))
        assert second.published_at is not None and second.published_at.year == 2024


def test_the_format_is_told_by_type_then_ending_then_content() -> None:
    assert services.feed_format("https://x.org/a.csv", "application/json", b"id") == "json"
    assert services.feed_format("https://x.org/a.json", "text/csv; charset=utf-8", b"[") == "csv"
    assert services.feed_format("https://x.org/a.json", "text/plain", b"id") == "json"
    assert services.feed_format("https://x.org/a.csv", "", b"[") == "csv"
    assert services.feed_format("https://x.org/feed", "", b" \n[{}]") == "json"
    assert services.feed_format("https://x.org/feed", "", b"id,title,url") == "csv"


@pytest.mark.parametrize(
    ("feed", "says"),
    [
        ("id,title\r\nx,y\r\n", "no url column"),
        (
            "id,title,url\r\na,제목,https://a.org/\r\nb,,https://a.org/b\r\n",
            "Row 3: title is missing",
        ),
        ("id,title,url\r\na,제목,javascript:alert(1)\r\n", "javascript:alert(1) is not an http(s)"),
        (
            "id,title,url\r\na,제목,https://a.org/\r\na,둘,https://a.org/2\r\n",
            "identifier a appears",
        ),
        ("id,title,url,published\r\na,제목,https://a.org/,어제\r\n", "Row 2: 어제 is not a date"),
        (
            "id,title,url,audience\r\na,제목,https://a.org/,everyone\r\n",
            "unknown audience everyone",
        ),
        (
            "id,title,url,grade_band\r\na,제목,https://a.org/,college\r\n",
            "unknown grade band college",
        ),
    ],
)
def test_a_bad_csv_feed_says_what_and_where(feed: str, says: str) -> None:
    assert says in failure(services.parse_csv, feed.encode())


def test_a_feed_that_is_not_utf8_is_refused() -> None:
    assert "not UTF-8" in failure(services.parse_csv, "id,title,url\r\n가,나,다".encode("euc-kr"))


@pytest.mark.parametrize(
    ("feed", "says"),
    [
        (b"[{", "cannot be read (line 1"),
        (b'{"data": []}', "not a list of entries"),
        (b"[1]", "Entry 1 is not an object"),
        (b'[{"id": "a", "title": ["x"], "url": "https://a.org/"}]', "Entry 1: a value is not text"),
        (b'[{"id": "a", "title": "t", "url": "ftp://a.org/"}]', "ftp://a.org/ is not an http(s)"),
        (b'[{"id": "a", "title": "t"}]', "Entry 1: url is missing"),
    ],
)
def test_a_bad_json_feed_says_what_and_where(feed: bytes, says: str) -> None:
    assert says in failure(services.parse_json, feed)


def test_an_oai_page_with_records_a_deleted_header_and_a_token() -> None:
    page = oai_page(
        [
            oai_record(
                "oai:x:1",
                "진로 탐색의 첫걸음",
                "https://jinro.example.org/1",
                subjects=("진로", "탐색"),
                description="첫 문단",
                kind="동영상 강의",
            ),
            oai_record("oai:x:2", deleted=True),
            oai_record("oai:x:3", "", "https://jinro.example.org/3"),  # no title: passed over
            oai_record("oai:x:4", "링크 없음", ""),  # no http(s) address: passed over
        ],
        token="page-2",
    )
    harvest = services.parse_oai_page(page)
    (entry,) = harvest.entries
    assert entry.identifier == "oai:x:1"
    assert entry.title == "진로 탐색의 첫걸음"
    assert entry.url == "https://jinro.example.org/1"  # not the urn: the first http(s) one
    assert entry.tags == ("진로", "탐색", "동영상 강의")
    assert entry.description == "첫 문단"
    assert entry.published_at is not None and entry.published_at.date() == datetime.date(2025, 3, 1)
    assert harvest.deleted == {"oai:x:2"}
    assert harvest.token == "page-2"


def test_the_last_oai_page_has_an_empty_token_and_no_records_match_is_empty() -> None:
    last = services.parse_oai_page(oai_page([oai_record("a", "t", "https://a.org/")], token=""))
    assert last.token is None and len(last.entries) == 1
    empty = services.parse_oai_page(oai_page([], error="noRecordsMatch"))
    assert empty.entries == [] and empty.token is None


def test_oai_errors_and_other_xml_are_failures() -> None:
    assert "badArgument" in failure(services.parse_oai_page, oai_page([], error="badArgument"))
    assert "not OAI-PMH" in failure(services.parse_oai_page, b"<rss><channel/></rss>")
    assert "not well-formed" in failure(services.parse_oai_page, b"<OAI-PMH><ListRecords>")


def test_xml_with_entities_is_refused_unread() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">&lol2;</OAI-PMH>'
    )
    external = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">&e;</OAI-PMH>'
    )
    for page in (bomb, external):
        assert "not well-formed" in failure(services.parse_oai_page, page)


def test_only_web_addresses() -> None:
    assert services.is_web_address("https://a.org/feed.csv")
    assert services.is_web_address("http://127.0.0.1:8000/catalogs/demo/oai")
    for address in (
        "ftp://a.org/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://",
        "a.org",
    ):
        assert not services.is_web_address(address)
