"""The outbox: queued work is stored with the change that asks for it, then handed to the broker.

`services.enqueue` writes a row inside the caller's transaction; after commit it is published to
Celery, and a broker that is down leaves it pending for the sweep (`tasks.sweep_outbox_task`,
on beat) instead of failing the request. `services.once` makes a task skip a message it has
already done, so a message published twice is still done once.
"""
