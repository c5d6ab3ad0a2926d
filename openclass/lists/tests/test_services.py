"""The rules of saved lists: making, saving (only what the user may open), ordering, notes,
sharing with classes and by link, copying (leaving out what the copier may not open), and the
items a viewer sees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openclass.accounts.tests.fixtures import City
from openclass.core.registry import SearchSource
from openclass.lists import access, selectors, services
from openclass.lists.models import SavedItem, SavedList

from .fixtures import ORGANISATIONS, PEOPLE, registered_sources


@pytest.fixture(autouse=True)
def sources() -> Iterator[dict[str, SearchSource]]:
    with registered_sources() as registered:
        yield registered


def _teacher_list(city: City) -> SavedList:
    """North's homeroom teacher's list: her two students of class A and their school."""
    north = city.north
    saved = services.create_list(north.homeroom_a, "3-1 자료", "우리 반", "진로")
    services.save_item(north.homeroom_a, saved, PEOPLE, north.student_a1.pk)
    services.save_item(north.homeroom_a, saved, PEOPLE, north.student_a2.pk)
    services.save_item(north.homeroom_a, saved, ORGANISATIONS, north.school.pk)
    return saved


def test_a_list_is_made_renamed_and_deleted(city: City) -> None:
    student = city.north.student_a1
    saved = services.create_list(student, "  독서  ", category="국어")
    assert (saved.owner, saved.name, saved.category) == (student, "독서", "국어")
    assert saved.link_token == ""
    services.update_list(student, saved, "독서 목록", "읽을 책")
    saved.refresh_from_db()
    assert (saved.name, saved.description, saved.category) == ("독서 목록", "읽을 책", "")
    with pytest.raises(ValidationError) as refused:
        services.update_list(student, saved, "   ")
    assert "name" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.update_list(city.north.student_a2, saved, "남의 목록")
    with pytest.raises(PermissionDenied):
        services.delete_list(city.north.homeroom_a, saved)
    services.delete_list(student, saved)
    assert not SavedList.objects.filter(pk=saved.pk).exists()


def test_saving_keeps_a_snapshot_at_the_end_of_the_list(city: City) -> None:
    north = city.north
    saved = _teacher_list(city)
    items = list(saved.items.order_by("position"))
    assert [(i.source, i.key, i.position) for i in items] == [
        (PEOPLE, north.student_a1.pk, 1),
        (PEOPLE, north.student_a2.pk, 2),
        (ORGANISATIONS, north.school.pk, 3),
    ]
    first = items[0]
    assert (first.kind, first.title, first.url) == (
        "person",
        f"{north.student_a1.name} 소개",
        f"/people/{north.student_a1.pk}/",
    )
    with pytest.raises(ValidationError) as twice:
        services.save_item(north.homeroom_a, saved, PEOPLE, north.student_a1.pk)
    assert twice.value.code == "duplicate"


def test_nobody_saves_what_they_may_not_open(city: City) -> None:
    north, south = city.north, city.south
    mine = services.create_list(north.student_a1, "친구들")
    # A student opens only themself among people: not a classmate, not another school's.
    for other in (north.student_a2, south.student_a1):
        with pytest.raises(ValidationError) as refused:
            services.save_item(north.student_a1, mine, PEOPLE, other.pk)
        assert refused.value.code == "not_found"
    # Nor what is not there, nor a source nobody registered.
    with pytest.raises(ValidationError):
        services.save_item(north.student_a1, mine, PEOPLE, 999_999_999)
    with pytest.raises(ValidationError):
        services.save_item(north.student_a1, mine, "nobody.registered", north.student_a1.pk)
    assert not mine.items.exists()
    services.save_item(north.student_a1, mine, PEOPLE, north.student_a1.pk)
    assert mine.items.count() == 1


def test_nobody_saves_into_someone_elses_list(city: City) -> None:
    north = city.north
    hers = services.create_list(north.homeroom_a, "교사 목록")
    with pytest.raises(PermissionDenied):
        services.save_item(north.student_a1, hers, PEOPLE, north.student_a1.pk)
    assert not hers.items.exists()


def test_saving_into_a_new_list_makes_both_or_neither(city: City) -> None:
    student = city.north.student_a1
    item = services.save_to_new_list(student, "새 목록", PEOPLE, student.pk)
    assert item.saved_list.name == "새 목록"
    with pytest.raises(ValidationError):
        services.save_to_new_list(student, "또 다른 목록", PEOPLE, city.north.student_a2.pk)
    assert list(SavedList.objects.filter(owner=student).values_list("name", flat=True)) == [
        "새 목록"
    ]


def test_reordering_takes_a_full_order_of_the_lists_items(city: City) -> None:
    teacher = city.north.homeroom_a
    saved = _teacher_list(city)
    a, b, c = saved.items.order_by("position").values_list("pk", flat=True)
    services.reorder(teacher, saved, [c, a, b])
    assert list(saved.items.order_by("position").values_list("pk", flat=True)) == [c, a, b]
    other = services.create_list(teacher, "다른 목록")
    foreign = services.save_item(teacher, other, PEOPLE, teacher.pk)
    for order in ([c, a], [c, a, b, b], [c, a, foreign.pk], [a, b, c, foreign.pk]):
        with pytest.raises(ValidationError):
            services.reorder(teacher, saved, order)
    assert list(saved.items.order_by("position").values_list("pk", flat=True)) == [c, a, b]
    # Someone else's list: refused, even with the right order.
    with pytest.raises(PermissionDenied):
        services.reorder(city.north.admin, saved, [a, b, c])
    services.move_item(teacher, SavedItem.objects.get(pk=b), "up")
    assert list(saved.items.order_by("position").values_list("pk", flat=True)) == [c, b, a]
    services.move_item(teacher, SavedItem.objects.get(pk=c), "up")  # the first stays first
    services.move_item(teacher, SavedItem.objects.get(pk=c), "down")
    assert list(saved.items.order_by("position").values_list("pk", flat=True)) == [b, c, a]
    sideways: Any = "sideways"  # (what a tampered form sends)
    with pytest.raises(ValidationError):
        services.move_item(teacher, SavedItem.objects.get(pk=c), sideways)


def test_notes_are_written_by_the_owner_only(city: City) -> None:
    saved = _teacher_list(city)
    item = saved.items.first()
    assert item is not None
    services.annotate(city.north.homeroom_a, item, "  발표 순서 1번 ")
    item.refresh_from_db()
    assert item.note == "발표 순서 1번"
    with pytest.raises(PermissionDenied):
        services.annotate(city.north.student_a1, item, "낙서")
    with pytest.raises(PermissionDenied):
        services.remove_item(city.north.student_a1, item)
    services.remove_item(city.north.homeroom_a, item)
    assert saved.items.count() == 2


def test_a_list_is_shared_only_with_classes_one_teaches_or_administers(city: City) -> None:
    north, south = city.north, city.south
    saved = _teacher_list(city)
    services.share_with_classes(north.homeroom_a, saved, [north.class_a])
    assert list(saved.shared_with.all()) == [north.class_a]
    # Not a class she does not teach, of her school or another.
    for klass in (north.class_b, south.class_a):
        with pytest.raises(PermissionDenied):
            services.share_with_classes(north.homeroom_a, saved, [north.class_a, klass])
    assert list(saved.shared_with.all()) == [north.class_a]
    # A student keeps lists but shares none with a class, not even their own.
    own = services.create_list(north.student_a1, "내 목록")
    with pytest.raises(PermissionDenied):
        services.share_with_classes(north.student_a1, own, [north.class_a])
    # A school admin shares with any class of the school, not another school's.
    admins = services.create_list(north.admin, "학교 목록")
    services.share_with_classes(north.admin, admins, [north.class_a, north.class_b])
    with pytest.raises(PermissionDenied):
        services.share_with_classes(north.admin, admins, [south.class_a])
    # Only the owner shares, and taking a class off is always allowed.
    with pytest.raises(PermissionDenied):
        services.share_with_classes(north.admin, saved, [north.class_a])
    services.share_with_classes(north.homeroom_a, saved, [])
    assert not saved.shared_with.exists()


def test_the_link_is_turned_on_renewed_and_off(city: City) -> None:
    student = city.north.student_a1
    saved = services.create_list(student, "링크 목록")
    services.share_by_link(student, saved, "on")
    first = saved.link_token
    assert len(first) >= 32
    services.share_by_link(student, saved, "on")
    assert saved.link_token == first  # on again keeps the link
    services.share_by_link(student, saved, "renew")
    assert saved.link_token not in ("", first)
    services.share_by_link(student, saved, "off")
    saved.refresh_from_db()
    assert saved.link_token == ""
    with pytest.raises(PermissionDenied):
        services.share_by_link(city.north.student_a2, saved, "on")
    bad: Any = "public"
    with pytest.raises(ValidationError):
        services.share_by_link(student, saved, bad)


def test_who_opens_a_list(city: City) -> None:
    north, south = city.north, city.south
    saved = _teacher_list(city)
    services.share_with_classes(north.homeroom_a, saved, [north.class_a])
    opens = {
        who.username
        for who in (
            north.homeroom_a,
            north.student_a1,
            north.student_a2,
            north.parent_a1,
            north.admin,
            north.subject_teacher,
            north.student_b1,
            south.student_a1,
            south.admin,
            city.office_admin,
            city.instructor,
        )
        if access.visible_lists(who).filter(pk=saved.pk).exists()
    }
    assert opens == {
        north.homeroom_a.username,
        north.student_a1.username,
        north.student_a2.username,
        north.parent_a1.username,
        north.admin.username,
    }


def test_a_viewer_sees_and_counts_only_the_items_they_may_open(city: City) -> None:
    north = city.north
    saved = _teacher_list(city)
    services.share_with_classes(north.homeroom_a, saved, [north.class_a])
    # The student opens herself and the school's page, not her classmate.
    shown = selectors.shown_items(north.student_a1, saved)
    assert [s.item.key for s in shown] == [north.student_a1.pk, north.school.pk]
    assert all(s.available for s in shown)
    assert selectors.visible_counts(north.student_a1, [saved]) == {saved.pk: 2}
    assert selectors.visible_counts(north.homeroom_a, [saved]) == {saved.pk: 3}
    # Her teacher, the owner, sees every item; one whose object is gone is greyed, not hidden.
    gone = north.student_a2
    gone.delete()
    shown = selectors.shown_items(north.homeroom_a, saved)
    assert [(s.item.title, s.available) for s in shown] == [
        (f"{north.student_a1.name} 소개", True),
        (f"{gone.name} 소개", False),
        (f"{north.school.full_name} 안내", True),
    ]


def test_a_copy_leaves_out_what_the_copier_may_not_open(city: City) -> None:
    north = city.north
    saved = _teacher_list(city)
    item = saved.items.get(key=north.school.pk, source=ORGANISATIONS)
    services.annotate(north.homeroom_a, item, "학교 누리집")
    services.share_with_classes(north.homeroom_a, saved, [north.class_a])
    copied = services.copy_list(north.student_a1, saved)
    assert copied.left_out == 1
    copy = copied.saved_list
    assert (copy.owner, copy.name, copy.category) == (north.student_a1, "3-1 자료", "진로")
    assert not copy.shared_with.exists() and copy.link_token == ""
    assert [(i.key, i.note, i.position) for i in copy.items.order_by("position")] == [
        (north.student_a1.pk, "", 1),
        (north.school.pk, "학교 누리집", 2),
    ]


def test_a_list_is_copied_only_by_who_may_open_it(city: City) -> None:
    north = city.north
    saved = _teacher_list(city)
    with pytest.raises(PermissionDenied):
        services.copy_list(north.student_b1, saved)
    with pytest.raises(PermissionDenied):
        services.copy_list(north.student_b1, saved, token="not-the-token")
    services.share_by_link(north.homeroom_a, saved, "on")
    copied = services.copy_list(north.student_b1, saved, token=saved.link_token)
    # By link too, only what the copier may open: the school's page.
    assert [i.key for i in copied.saved_list.items.all()] == [north.school.pk]
    assert copied.left_out == 2
