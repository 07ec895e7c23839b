"""Queue work through the outbox, hand it to the broker, and sweep up what the broker missed.

Every queued side effect goes through `enqueue`: the row commits with the caller's change, so the
work can never be lost (a broker that is down) nor orphaned (a rolled-back change queues nothing).
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from celery import current_app, current_task
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from organisations import sql
from outbox.models import OutboxMessage, OutboxState

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"
NOT_DONE = (OutboxState.PENDING, OutboxState.DISPATCHED)
# Rows per INSERT of enqueue_many, and per claim of dispatch_many.
BATCH_SIZE = 500
# Up to this many messages queued together are published by the request that queued them; more are
# published by a worker (one task names them all), since each publish costs a round trip to the broker.
PUBLISH_IN_REQUEST = 20

FuncT = TypeVar("FuncT", bound=Callable[..., Any])


def enqueue(task: Any, *args: Any, about: str = "", about_id: int | None = None) -> OutboxMessage:
    """Store `task(*args)` to be run once, in the caller's transaction; publish it after commit.

    `task` is a Celery task (or its dotted name); the arguments must be JSON values. Publishing
    never raises: a broker that is down leaves the message pending for `sweep`."""
    name = task if isinstance(task, str) else task.name
    message = OutboxMessage.objects.create(task=name, args=list(args), about=about, about_id=about_id)
    transaction.on_commit(functools.partial(dispatch, message.pk), robust=True)
    return message


def enqueue_many(
    task: Any, arguments: Sequence[Sequence[Any]], *, about: str = "", about_ids: Sequence[int | None] | None = None
) -> list[OutboxMessage]:
    """Store `task(*args)` once for each entry of `arguments`, in one insert and in the caller's
    transaction; after commit, publish them (a few) or hand them to a worker (many): see `hand_over_many`.

    `about_ids`, when given, names the row each message is for (one per entry). As with `enqueue`,
    nothing raises after commit: messages the broker does not take stay pending for `sweep`."""
    name = task if isinstance(task, str) else task.name
    ids = about_ids if about_ids is not None else [None] * len(arguments)
    rows = zip(arguments, ids, strict=True)  # one about_id per message, or a ValueError
    messages = sql.insert_many(
        [OutboxMessage(task=name, args=list(args), about=about, about_id=pk) for args, pk in rows],
        batch_size=BATCH_SIZE,
    )
    if messages:
        transaction.on_commit(functools.partial(hand_over_many, [m.pk for m in messages]), robust=True)
    return messages


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def _record_failure(message_id: int, error: BaseException) -> None:
    OutboxMessage.objects.filter(pk=message_id).update(last_error=f"{type(error).__name__}: {error}"[:2000])


@contextlib.contextmanager
def _broker() -> Iterator[Any]:
    """A broker connection that tries once, for OUTBOX_PUBLISH_TIMEOUT seconds at most (Celery's own
    retries for about six seconds); None in eager mode, where nothing is published."""
    if _eager():
        yield None
        return
    timeout = settings.OUTBOX_PUBLISH_TIMEOUT
    connection = current_app.connection_for_write(
        transport_options={
            "max_retries": 0,
            "connect_retries_timeout": timeout,
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
        }
    )
    try:
        yield connection
    finally:
        connection.release()


def _publish(message: OutboxMessage, broker: Any) -> bool:
    """Hand one message to Celery over `broker` (in eager mode: run it here). True once handed over.

    One attempt, no retry: a broker that is down costs at most OUTBOX_PUBLISH_TIMEOUT seconds, then
    the message stays pending."""
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1)
    try:
        task = import_string(message.task)
        options = {} if broker is None else {"connection": broker}
        task.apply_async(args=message.args, task_id=message.celery_task_id, retry=False, **options)
    except Exception as error:
        logger.warning("Outbox message %s (%s) was not dispatched: %s", message.pk, message.task, error)
        _record_failure(message.pk, error)
        return False
    # In eager mode the task may already have marked itself done: only a row not done moves on.
    OutboxMessage.objects.filter(pk=message.pk, state__in=NOT_DONE).update(
        state=OutboxState.DISPATCHED, dispatched_at=timezone.now(), last_error=""
    )
    return True


def dispatch(message_id: int) -> bool:
    """Publish one pending message now (run after the commit that stored it); True if handed over."""
    if _eager():
        # No broker and no sweep: the task runs in this process, outside any lock; its failure is
        # recorded on the message, never raised to the request.
        message = OutboxMessage.objects.filter(pk=message_id, state=OutboxState.PENDING).first()
        return message is not None and _publish(message, None)
    with transaction.atomic():
        # The lock keeps the sweep from publishing the same message at the same moment.
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, state=OutboxState.PENDING)
            .first()
        )
        if message is None:
            return False
        with _broker() as broker:
            return _publish(message, broker)


def _publish_many(messages: list[OutboxMessage], broker: Any) -> list[int]:
    """Hand each message to Celery over one `broker` connection; the ids handed over.

    The attempt is counted on every message at once. With a broker, the first refusal ends the
    batch: that error is recorded on the rest, which stay pending for the sweep. In eager mode
    each task runs here and a failing one does not stop the others (its error is recorded)."""
    ids = [m.pk for m in messages]
    OutboxMessage.objects.filter(pk__in=ids).update(attempts=F("attempts") + 1)
    handed: list[int] = []
    failed: dict[str, list[int]] = {}
    for position, message in enumerate(messages):
        try:
            task = import_string(message.task)
            options = {} if broker is None else {"connection": broker}
            task.apply_async(args=message.args, task_id=message.celery_task_id, retry=False, **options)
        except Exception as error:
            logger.warning("Outbox message %s (%s) was not dispatched: %s", message.pk, message.task, error)
            error_text = f"{type(error).__name__}: {error}"[:2000]
            if broker is None:
                failed.setdefault(error_text, []).append(message.pk)
                continue
            failed.setdefault(error_text, []).extend(m.pk for m in messages[position:])
            break
        handed.append(message.pk)
    for error_text, pks in failed.items():
        OutboxMessage.objects.filter(pk__in=pks).update(last_error=error_text)
    if handed:
        # In eager mode a task may already have marked itself done: only rows not done move on.
        OutboxMessage.objects.filter(pk__in=handed, state__in=NOT_DONE).update(
            state=OutboxState.DISPATCHED, dispatched_at=timezone.now(), last_error=""
        )
    return handed


def dispatch_many(message_ids: Sequence[int]) -> list[int]:
    """Publish many pending messages now, a batch at a time, each batch claimed with one query and
    handed over on one broker connection (run after the commit that stored them); the ids handed over.

    The same rules as `dispatch`: never raises, and what the broker did not take stays pending."""
    handed: list[int] = []
    ids = list(message_ids)
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        if _eager():
            messages = list(OutboxMessage.objects.filter(pk__in=chunk, state=OutboxState.PENDING).order_by("id"))
            handed += _publish_many(messages, None)
            continue
        with transaction.atomic():
            # Locked as `dispatch` locks one: the sweep skips them while they are handed over.
            messages = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk__in=chunk, state=OutboxState.PENDING)
                .order_by("id")
            )
            if not messages:
                continue
            with _broker() as broker:
                done = _publish_many(messages, broker)
        handed += done
        if len(done) < len(messages):
            break  # the broker refused: the rest are left to the sweep
    return handed


def hand_over_many(message_ids: list[int]) -> None:
    """After the commit that stored them: publish a few messages here, or hand many to a worker as one
    task that publishes them (`dispatch_many`). Never raises: if the broker does not take that task,
    the error is recorded on every message and all stay pending for the sweep."""
    if len(message_ids) <= PUBLISH_IN_REQUEST:
        dispatch_many(message_ids)
        return
    from outbox.tasks import dispatch_outbox_task

    try:
        with _broker() as broker:
            options = {} if broker is None else {"connection": broker}
            dispatch_outbox_task.apply_async(args=[message_ids], retry=False, **options)
    except Exception as error:
        logger.warning("%s outbox messages were not handed to a worker: %s", len(message_ids), error)
        OutboxMessage.objects.filter(pk__in=message_ids, state=OutboxState.PENDING).update(
            attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
        )


def sweep(*, now: Any = None, limit: int = 500) -> list[int]:
    """Publish every message still pending OUTBOX_SWEEP_AFTER seconds after it was stored, each once,
    and again any message handed over OUTBOX_REDISPATCH_AFTER seconds ago and still not done (a
    broker that lost it, say Redis restarted without persistence); the task's `once` guard keeps a
    late second delivery from doing the work twice.

    Rows another sweep (or an after-commit dispatch) holds are skipped; the first message the broker
    refuses ends the run (the rest wait for the next one). Done messages older than OUTBOX_KEEP_DAYS
    are deleted. Returns the ids handed over."""
    now = now or timezone.now()
    handed: list[int] = []
    eager = _eager()
    due = OutboxMessage.objects.filter(
        Q(state=OutboxState.PENDING, created_at__lte=now - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER))
        | Q(
            state=OutboxState.DISPATCHED,
            dispatched_at__lte=now - timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER),
        )
    ).order_by("id")
    # Claimed with row locks another sweep skips. In eager mode each task runs here instead, outside
    # any transaction (no broker, so no other sweep to race).
    with contextlib.nullcontext() if eager else transaction.atomic(), _broker() as broker:
        for message in list((due if eager else due.select_for_update(skip_locked=True))[:limit]):
            if _publish(message, broker):
                handed.append(message.pk)
            elif not eager:
                break
    OutboxMessage.objects.filter(
        state=OutboxState.DONE, done_at__lt=now - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    ).delete()
    return handed


def message_id_of(task_id: str | None) -> int | None:
    """The outbox message a Celery task id stands for, if it was published from the outbox."""
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return None
    number = task_id.removeprefix(TASK_ID_PREFIX)
    return int(number) if number.isdigit() else None


def once(func: FuncT) -> FuncT:
    """Make a task skip an outbox message that is already done, and mark it done when it returns.

    Under `@shared_task`: a message published twice (the broker took it but the row could not be
    marked, and the sweep sent it again) is done once. A task that raises stays not done, so a
    retry runs it again. Called directly (not from the outbox), the task simply runs."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        request = getattr(current_task, "request", None)
        message_id = message_id_of(getattr(request, "id", None))
        if message_id is not None and not OutboxMessage.objects.filter(pk=message_id, state__in=NOT_DONE).exists():
            logger.info("Outbox message %s is already done (or gone); skipped", message_id)
            return None
        result = func(*args, **kwargs)
        if message_id is not None:
            OutboxMessage.objects.filter(pk=message_id).update(
                state=OutboxState.DONE, done_at=timezone.now(), args=[], last_error=""
            )
        return result

    return run  # type: ignore[return-value]


def waiting(about: str) -> Exists:
    """For a queryset's `annotate`: the row (`about` names its kind) has work still in the outbox."""
    return Exists(OutboxMessage.objects.filter(about=about, about_id=OuterRef("pk"), state__in=NOT_DONE))


def queued_about(about: str, ids: Any) -> set[int]:
    """Of the given rows (`about` names their kind), those with work still waiting in the outbox."""
    rows = OutboxMessage.objects.filter(about=about, about_id__in=list(ids), state__in=NOT_DONE)
    return {pk for pk in rows.values_list("about_id", flat=True) if pk is not None}
