"""Forwarding statements to outside LRSs (the national hub, a district's LRS): the outbox.

``enqueue`` writes one ``Delivery`` per statement and active destination whose filters (verbs,
schools) it passes, in the transaction that stores the statement."""

from __future__ import annotations

from collections.abc import Sequence

from .models import Delivery, Destination, Statement


def enqueue(statements: Sequence[Statement]) -> int:
    destinations = list(Destination.objects.filter(is_active=True).prefetch_related("schools"))
    if not destinations or not statements:
        return 0
    deliveries = []
    for destination in destinations:
        verbs = set(destination.verbs)
        schools = {school.pk for school in destination.schools.all()}
        for statement in statements:
            if verbs and statement.verb not in verbs:
                continue
            if schools and statement.school_id not in schools:
                continue
            deliveries.append(Delivery(destination=destination, statement=statement))
    Delivery.objects.bulk_create(deliveries)
    return len(deliveries)
