"""``|minutes_seconds``: lengths of time as people say them (12분 34초, not 754초)."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import translation

from openclass.web.templatetags.durations import minutes_seconds


def test_seconds_read_as_minutes_and_seconds_in_korean() -> None:
    with translation.override("ko"):
        assert minutes_seconds(754) == "12분 34초"
        assert minutes_seconds(754.4) == "12분 34초"
        assert minutes_seconds(3725) == "1시간 2분 5초"
        assert minutes_seconds(600) == "10분"
        assert minutes_seconds(40) == "40초"
        assert minutes_seconds(0) == "0초"
        assert minutes_seconds("90") == "1분 30초"
        assert minutes_seconds(None) == ""
        assert minutes_seconds("soon") == ""
        template = Template("{% load durations %}{{ t|minutes_seconds }}")
        assert template.render(Context({"t": 754})) == "12분 34초"


def test_and_in_english() -> None:
    with translation.override("en"):
        assert minutes_seconds(754) == "12 min 34 s"
        assert minutes_seconds(3600) == "1 h"
