"""The admin pages for the taxonomy open, with a topic's elements edited inline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openclass.catalog.models import Topic

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["topic", "contentelement", "audiencetag"])
def test_changelists_open(admin_client, model: str) -> None:
    response = admin_client.get(reverse(f"admin:catalog_{model}_changelist"))
    assert response.status_code == 200


def test_topic_change_page_shows_its_elements(admin_client) -> None:
    topic = Topic.objects.get(code="human-rights")
    response = admin_client.get(reverse("admin:catalog_topic_change", args=[topic.pk]))
    assert response.status_code == 200
    assert "폭력예방" in response.content.decode()


def test_topic_search_finds_a_topic_by_its_element(admin_client) -> None:
    response = admin_client.get(reverse("admin:catalog_topic_changelist"), {"q": "해양교육"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [
        Topic.objects.get(code="environment-sustainability")
    ]
