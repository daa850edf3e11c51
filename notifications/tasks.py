"""django-q2 entry points: load by id, hand over to the service."""

from notifications.delivery import delivery_send


def delivery_send_task(delivery_id: int) -> str:
    delivery = delivery_send(delivery_id=delivery_id)
    return delivery.status if delivery else "skipped"
