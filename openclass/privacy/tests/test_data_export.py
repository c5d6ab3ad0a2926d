"""Download my data (issue 15, item 3, step 2): each person's ZIP of JSON and files, built from
every area's registered exporter; a parent's download of a child under 14; the refusals; and the
access-log row every download writes."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from openclass.accounts.models import Organisation
from openclass.assessments.models import Submission, SubmissionFile, SubmissionVersion
from openclass.core import registry
from openclass.privacy.access import under_fourteen
from openclass.privacy.archive import safe_path
from openclass.privacy.models import AccessRecord

URL = "privacy:data_export"


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _part(archive: zipfile.ZipFile, name: str):
    return json.loads(archive.read(f"{name}.json"))


@pytest.fixture
def handed_in(homework):
    """north's student_a1 handed in a file for the homework, and was graded."""
    student = homework.north.student_a1
    now = timezone.now()
    submission = Submission.objects.create(
        assignment=homework.assignment, student=student, submitted_at=now
    )
    version = SubmissionVersion.objects.create(
        submission=submission, number=1, text="제 보고서입니다", submitted_at=now
    )
    file = SubmissionFile(version=version, name="../보고서.txt")
    file.file.save("report.txt", ContentFile("독도는 우리 땅".encode()))
    return homework


def test_a_student_downloads_their_own_data_with_their_files(client, handed_in) -> None:
    student = handed_in.north.student_a1
    client.force_login(student)
    archive = _zip(client.post(reverse(URL)))
    names = set(archive.namelist())
    assert {"README.txt", "manifest.json", "accounts.profile.json"} <= names
    profile = _part(archive, "accounts.profile")
    assert (profile["username"], profile["name"]) == (student.username, student.name)
    assert [p["username"] for p in profile["parents"]] == [handed_in.north.parent_a1.username]
    learning = _part(archive, "courses.learning")
    assert [e["course"] for e in learning["enrolments"]] == [handed_in.courses.class_course.title]
    work = _part(archive, "assessments.work")
    (submission,) = work["submissions"]
    (version,) = submission["versions"]
    assert version["text"] == "제 보고서입니다"
    (path,) = version["files"]
    stored = f"files/assessments.work/{safe_path(path)}"
    assert archive.read(stored).decode() == "독도는 우리 땅"
    assert ".." not in stored
    manifest = json.loads(archive.read("manifest.json"))
    (entry,) = manifest["files"]
    assert entry["path"] == stored
    assert entry["sha256"] == hashlib.sha256("독도는 우리 땅".encode()).hexdigest()
    # the download itself is in the access log, and in the next archive
    record = AccessRecord.objects.get()
    assert (record.what, record.actor_id, record.student_ids()) == (
        AccessRecord.What.DATA_EXPORT,
        student.pk,
        [student.pk],
    )
    again = _zip(client.post(reverse(URL)))
    assert [r["what"] for r in _part(again, "privacy.access_log")] == ["내 정보 내려받기"] * 2


def test_a_teacher_gets_their_profile_and_courses_no_students_work(client, handed_in) -> None:
    teacher = handed_in.north.homeroom_a
    client.force_login(teacher)
    archive = _zip(client.post(reverse(URL)))
    assert "assessments.work.json" not in archive.namelist()
    courses = _part(archive, "courses.teaching")
    assert handed_in.courses.class_course.title in [c["title"] for c in courses]
    assert _part(archive, "accounts.profile")["classes_taught"][0]["homeroom"] is True


def test_a_parent_downloads_their_child_under_14(client, handed_in) -> None:
    north = handed_in.north
    client.force_login(north.parent_a1)
    archive = _zip(client.post(reverse(URL), {"student": north.student_a1.pk}))
    assert _part(archive, "accounts.profile")["username"] == north.student_a1.username
    assert "assessments.work.json" in archive.namelist()
    record = AccessRecord.objects.get()
    assert (record.actor_id, record.student_ids()) == (north.parent_a1.pk, [north.student_a1.pk])
    page = client.get(reverse("privacy:my_data")).content.decode()
    assert f'name="student" value="{north.student_a1.pk}"' in page


def test_a_parent_cannot_download_a_child_not_theirs(client, city) -> None:
    client.force_login(city.north.parent_a1)
    for other in (city.north.student_a2, city.south.student_a1, city.north.homeroom_a):
        assert client.post(reverse(URL), {"student": other.pk}).status_code == 404
    assert client.post(reverse(URL), {"student": "²"}).status_code == 404
    assert not AccessRecord.objects.exists()


def test_a_parent_cannot_download_a_child_of_14_or_over(client, city) -> None:
    north = city.north
    Organisation.objects.filter(pk=north.school.pk).update(
        school_level=Organisation.SchoolLevel.HIGH
    )
    client.force_login(north.parent_a1)
    assert client.post(reverse(URL), {"student": north.student_a1.pk}).status_code == 403
    assert not AccessRecord.objects.exists()
    page = client.get(reverse("privacy:my_data")).content.decode()
    assert f'value="{north.student_a1.pk}"' not in page


def test_a_student_cannot_download_anothers_data(client, city) -> None:
    client.force_login(city.north.student_a1)
    response = client.post(reverse(URL), {"student": city.north.student_a2.pk})
    assert response.status_code == 403
    assert not AccessRecord.objects.exists()


def test_the_download_is_a_post(client, city) -> None:
    client.force_login(city.north.student_a1)
    assert client.get(reverse(URL)).status_code == 405
    client.logout()
    assert client.post(reverse(URL)).status_code == 302  # to the login page


def test_under_fourteen_goes_by_school_level_and_grade(city) -> None:
    student = city.north.student_a1  # elementary, grade 3
    assert under_fourteen(student)
    school, grade = city.north.school, city.north.class_a.parent
    school.school_level = Organisation.SchoolLevel.MIDDLE
    school.save()
    for number, expected in ((1, True), (2, False), (3, False)):
        Organisation.objects.filter(pk=grade.pk).update(number=number)
        student.organisation.parent.refresh_from_db()
        student.organisation.parent.parent.refresh_from_db()
        assert under_fourteen(student) is expected, number
    assert not under_fourteen(city.north.parent_a1)


def test_archive_paths_stay_inside_the_archive() -> None:
    assert safe_path("../../etc/passwd") == "etc/passwd"
    assert safe_path("/abs\\back/..\\x:y") == "abs/back/x_y"
    assert safe_path("..") == "file"


def test_every_area_registers_its_part() -> None:
    names = {entry.name for entry in registry.exporters()}
    assert {
        "accounts.profile",
        "courses.learning",
        "courses.teaching",
        "assessments.work",
        "operations.points",
        "operations.instructor",
        "privacy.access_log",
    } <= names
