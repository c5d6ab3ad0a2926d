from .applications import Application, ApplicationEvent, Call, PreferredSession
from .pool import AvailabilitySlot, InstructorDocument, InstructorProfile

__all__ = [
    "Application",
    "ApplicationEvent",
    "AvailabilitySlot",
    "Call",
    "InstructorDocument",
    "InstructorProfile",
    "PreferredSession",
]
