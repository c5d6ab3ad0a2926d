"""What other areas read of operations: a student's points (the home page shows them to the
student and to their parents). The public read API of ``operations``; the ledger itself is
kept by ``services.pay``."""

from __future__ import annotations

from openclass.accounts.models import User

from .services import pay


def points_balance(student: User) -> int:
    """A student's points: the sum of their ledger."""
    return pay.balance(student)
