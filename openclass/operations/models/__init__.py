from .applications import Application, ApplicationEvent, Call, PreferredSession
from .pay import (
    PayLine,
    PayMonth,
    PointEntry,
    PointRule,
    Rate,
    RateTable,
    SessionReport,
    SessionReportChange,
)
from .pool import AvailabilitySlot, InstructorDocument, InstructorProfile
from .surveys import SurveyReceipt, SurveyResponse

__all__ = [
    "Application",
    "ApplicationEvent",
    "AvailabilitySlot",
    "Call",
    "InstructorDocument",
    "InstructorProfile",
    "PayLine",
    "PayMonth",
    "PointEntry",
    "PointRule",
    "PreferredSession",
    "Rate",
    "RateTable",
    "SessionReport",
    "SessionReportChange",
    "SurveyReceipt",
    "SurveyResponse",
]
