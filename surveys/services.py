"""The respondent's journey: invitations, reminders, the respondent's session, the leader's sign-up.

Every interface (survey pages, API, management command, Celery task) calls these. Answers are
saved and responses submitted by assessment.services, the same functions the API uses.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assessment import services as assessment_services
from assessment.models import Assessment, AssessmentState, Response, RubricVersion
from assessment.queries import load_rubric
from organisations import branding, sql
from organisations import services as organisation_services
from organisations import tokens as org_tokens
from organisations.errors import Gone, InvalidInput, NotFound, StateConflict, Unprocessable
from organisations.exceptions import UnprocessableFields
from organisations.models import Organisation, SignUp
from organisations.text import one_line, require_single_line
from outbox import services as outbox
from surveys import tokens
from surveys.models import Invitation
from surveys.queries import group_minutes

# What the outbox calls an invitation's queued email (outbox.services.queued_about).
INVITATION_EMAIL = "surveys.invitation"
DEFAULT_RUBRIC_KEY = "sales-transformation"
DEFAULT_RUBRIC_FILE = Path(settings.BASE_DIR) / "assessment" / "rubrics" / "sales-transformation.yaml"
LEADER_GROUP = "sales-leadership"
MAX_LIST_ROWS = 2000
# Rows per INSERT or UPDATE when a list is stored (the database may ask for fewer).
LIST_BATCH_SIZE = 500
EMAIL_HEADERS = {"email", "e-mail", "email address", "e-mail address"}
# A sign-up's emailed link works this long; after that the form is filled in again.
SIGN_UP_TTL_HOURS = 48


class InvitationExpired(Gone):
    code = "invitation_expired"


class InvitationRevoked(Gone):
    code = "invitation_revoked"


class AssessmentClosed(StateConflict):
    code = "assessment_closed"


class InvalidInvitationList(UnprocessableFields):
    """A pasted or uploaded list has problems; `errors` names each one by its line (API: fields.csv)."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        count = len(errors)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the list; nobody was invited.", fields={"csv": errors}
        )


# --- invitations --------------------------------------------------------------------------


def invitation_link(invitation: Invitation) -> str:
    """The absolute link of an invitation, as emails carry it."""
    path = reverse("surveys:start", kwargs={"token": tokens.token_for(invitation.secret)})
    return settings.SITE_URL + path


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"{email or 'An empty value'!r} is not a valid email address.", field="email") from None
    return email


def _group_key(assessment: Assessment, group: str) -> str:
    """A respondent group of the assessment, given by key or by name (as a list may spell it)."""
    wanted = (group or "").strip().lower()
    for g in assessment.rubric_version.respondent_groups:
        if g["key"] in assessment.respondent_groups and wanted in (g["key"].lower(), g["name"].lower()):
            return g["key"]
    names = ", ".join(
        g["key"] for g in assessment.rubric_version.respondent_groups if g["key"] in assessment.respondent_groups
    )
    raise Unprocessable(
        f"{group or 'An empty value'!r} is not a respondent group of this assessment; use one of: {names}.",
        field="group",
    )


def _require_open(assessment: Assessment) -> None:
    if assessment.state != AssessmentState.OPEN:
        raise StateConflict(f"Invitations are sent only while an assessment is open; this one is {assessment.state}.")


def _new_credentials() -> dict[str, Any]:
    secret = tokens.new_secret()
    return {
        "secret": secret,
        "digest": tokens.digest_of(tokens.token_for(secret)),
        "expires_at": timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
    }


def _queue_email(invitation_id: int, kind: str) -> None:
    """Through the outbox: stored with the invitation, sent after commit or by the sweep, never lost."""
    from surveys.tasks import send_invitation_email_task

    outbox.enqueue(send_invitation_email_task, invitation_id, kind, about=INVITATION_EMAIL, about_id=invitation_id)


def _queue_emails(invitation_ids: list[int], kind: str) -> None:
    """Many invitations' emails through the outbox in one insert, as `_queue_email` queues one."""
    from surveys.tasks import send_invitation_email_task

    outbox.enqueue_many(
        send_invitation_email_task,
        [(pk, kind) for pk in invitation_ids],
        about=INVITATION_EMAIL,
        about_ids=invitation_ids,
    )


@transaction.atomic
def invite(*, assessment: Assessment, email: str, group: str, name: str = "", invited_by: Any = None) -> Invitation:
    """Invite one respondent to an open assessment; the email goes out after commit.

    An email already invited is refused (resend instead), unless that invitation was revoked:
    then it is renewed with a new link, and the revoked link stays dead.
    """
    _require_open(assessment)
    email = _clean_email(email)
    group = _group_key(assessment, group)
    name = require_single_line((name or "").strip(), field="name", label="The name")
    if len(name) > 200:
        raise InvalidInput("A name is limited to 200 characters.", field="name")
    existing = Invitation.objects.select_for_update().filter(assessment=assessment, email=email).first()
    if existing is not None and existing.revoked_at is None:
        raise StateConflict(
            f"{email} is already invited to this assessment; resend the invitation instead.", field="email"
        )
    if existing is not None:
        if existing.response_id is not None and group != existing.group:
            raise StateConflict(f"{email} already started answering as {existing.group}.", field="group")
        for key, value in _new_credentials().items():
            setattr(existing, key, value)
        existing.revoked_at = None
        existing.name, existing.group, existing.reminder_count = name or existing.name, group, 0
        existing.save()
        invitation = existing
    else:
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    assessment=assessment,
                    email=email,
                    name=name,
                    group=group,
                    invited_by=invited_by if getattr(invited_by, "is_authenticated", False) else None,
                    **_new_credentials(),
                )
        except IntegrityError:
            raise StateConflict(f"{email} is already invited to this assessment.", field="email") from None
    _queue_email(invitation.pk, "invitation")
    return invitation


@dataclass(frozen=True)
class InvitationBatch:
    """The outcome of a list: who was invited, and who already was (left as they were)."""

    created: tuple[Invitation, ...]
    already_invited: tuple[str, ...]


def _read_list(text: str) -> list[tuple[int, list[str]]]:
    """The list's non-blank rows with their line numbers; comma, semicolon or tab separated."""
    text = text.lstrip("\ufeff")
    sample = "\n".join(text.splitlines()[:20])
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    reader = csv.reader(io.StringIO(text), dialect)
    for row in reader:
        cells = [cell.strip() for cell in row]
        if any(cells):
            rows.append((reader.line_num, cells))
    return rows


@transaction.atomic
def invite_many(*, assessment: Assessment, csv_text: str, invited_by: Any = None) -> InvitationBatch:
    """Invite everyone on a list (CSV: email, name, respondent group), all or nobody.

    Every problem is reported with its line number and nothing is stored; emails already
    invited are left as they were and listed, so uploading the same list twice is harmless.
    """
    _require_open(assessment)
    try:
        rows = _read_list(csv_text or "")
    except csv.Error as error:
        raise InvalidInvitationList([f"The list could not be read as CSV: {error}."]) from None
    if rows and rows[0][1][0].lower() in EMAIL_HEADERS:
        rows = rows[1:]
    if not rows:
        raise InvalidInvitationList(["The list is empty: give one line per person: email, name, respondent group."])
    if len(rows) > MAX_LIST_ROWS:
        raise InvalidInvitationList([f"The list has {len(rows)} lines; send at most {MAX_LIST_ROWS} at a time."])
    errors: list[str] = []
    first_line: dict[str, int] = {}
    planned: list[tuple[str, str, str]] = []
    for line, cells in rows:
        email, name, group = [*cells, "", "", ""][:3]
        if len(cells) > 3 and any(cells[3:]):
            errors.append(f"Line {line}: expected 3 columns (email, name, respondent group), found {len(cells)}.")
            continue
        try:
            email = _clean_email(email)
            group = _group_key(assessment, group)
            if len(name) > 200:
                raise InvalidInput("A name is limited to 200 characters.", field="name")
            require_single_line(name, field="name", label="The name")
        except InvalidInput as error:
            errors.append(f"Line {line}: {error.message}")
            continue
        if email in first_line:
            errors.append(f"Line {line}: {email} is already on line {first_line[email]}.")
            continue
        first_line[email] = line
        planned.append((email, name, group))
    if errors:
        raise InvalidInvitationList(errors)
    # One lookup of the list's addresses already invited to the assessment, locked as `invite` locks one.
    existing = {
        invitation.email: invitation
        for invitation in Invitation.objects.select_for_update()
        .filter(assessment=assessment, email__in=list(first_line))
        .order_by()
    }
    already = [email for email in first_line if email in existing and existing[email].revoked_at is None]
    left_as_they_were = set(already)
    planned = [row for row in planned if row[0] not in left_as_they_were]
    created = _invite_planned(assessment=assessment, planned=planned, existing=existing, invited_by=invited_by)
    return InvitationBatch(created=tuple(created), already_invited=tuple(already))


def _invite_planned(
    *,
    assessment: Assessment,
    planned: list[tuple[str, str, str]],
    existing: dict[str, Invitation],
    invited_by: Any,
) -> list[Invitation]:
    """Store a checked list's invitations (new ones in one insert per batch, revoked ones renewed in
    one update per batch) and queue their emails in one insert; the invitations in the list's order.

    A revoked invitation is renewed as `invite` renews it: a new link, the revoked one stays dead."""
    inviter = invited_by if getattr(invited_by, "is_authenticated", False) else None
    now = timezone.now()
    expires_at = now + timedelta(days=settings.INVITATION_TTL_DAYS)
    invitations: list[Invitation] = []
    new: list[Invitation] = []
    renewed: list[Invitation] = []
    for email, name, group in planned:
        secret = tokens.new_secret()
        credentials = {"secret": secret, "digest": tokens.digest_of(tokens.token_for(secret)), "expires_at": expires_at}
        revoked = existing.get(email)
        if revoked is None:
            invitation = Invitation(
                assessment=assessment, email=email, name=name, group=group, invited_by=inviter, **credentials
            )
            new.append(invitation)
        else:
            if revoked.response_id is not None and group != revoked.group:
                raise StateConflict(f"{email} already started answering as {revoked.group}.", field="group")
            for key, value in credentials.items():
                setattr(revoked, key, value)
            revoked.revoked_at = None
            revoked.name, revoked.group, revoked.reminder_count = name or revoked.name, group, 0
            invitation = revoked
            renewed.append(invitation)
        invitations.append(invitation)
    if renewed:
        fields = ["secret", "digest", "expires_at", "revoked_at", "name", "group", "reminder_count"]
        Invitation.objects.bulk_update(renewed, fields, batch_size=LIST_BATCH_SIZE)
    if new:
        try:
            with transaction.atomic():
                sql.insert_many(new, batch_size=LIST_BATCH_SIZE)
        except IntegrityError:
            # Someone invited one of them between the lookup and the insert.
            raise StateConflict(
                "Some of these people were invited to this assessment at the same moment; nobody on the list "
                "was invited. Send the list again.",
                field="csv",
            ) from None
    _queue_emails([invitation.pk for invitation in invitations], "invitation")
    return invitations


@transaction.atomic
def resend_invitation(*, invitation: Invitation) -> Invitation:
    """Send the same link again, its expiry renewed; refused once revoked or submitted."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("assessment", "response")
        .get(pk=invitation.pk)
    )
    if invitation.revoked_at is not None:
        raise StateConflict("This invitation was revoked; invite the person again to send a new link.")
    if invitation.is_submitted:
        raise StateConflict("This respondent has already submitted their answers.")
    _require_open(invitation.assessment)
    invitation.expires_at = max(invitation.expires_at, timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS))
    invitation.save(update_fields=["expires_at"])
    _queue_email(invitation.pk, "invitation")
    return invitation


@transaction.atomic
def revoke_invitation(*, invitation: Invitation) -> Invitation:
    """Make the link stop working at once; answers already given stay uncounted unless submitted."""
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related("response").get(pk=invitation.pk)
    if invitation.is_submitted:
        raise StateConflict("This respondent has already submitted; a submitted response cannot be withdrawn.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


EMAIL_SUBJECTS = {
    "invitation": "{organisation}: your views on how we sell",
    "reminder": "Reminder: {organisation} would still like your views",
}


def send_invitation_email(*, invitation: Invitation, kind: str) -> bool:
    """Send an invitation or a reminder now and record the outcome on the invitation.

    Nothing is sent (False) when the invitation was revoked or answered since it was queued.
    A failure is recorded in `email_error` and raised again, so the task retries.
    """
    if kind not in EMAIL_SUBJECTS:
        raise InvalidInput(f"{kind!r} is not an email kind.", field="kind")
    invitation = Invitation.objects.select_related("assessment__organisation__firm", "response").get(pk=invitation.pk)
    if invitation.revoked_at is not None or invitation.is_submitted or invitation.is_expired():
        return False
    # Headers and lines of the email from single-line values only: a name stored before single-line
    # fields refused line breaks would otherwise stop the email (BadHeaderError) or forge a line.
    organisation = one_line(invitation.assessment.organisation.name)
    group_names = {g["key"]: g["name"] for g in invitation.assessment.rubric_version.respondent_groups}
    context = {
        "invitation": invitation,
        "name": one_line(invitation.name),
        "organisation": organisation,
        "group_name": one_line(group_names.get(invitation.group, invitation.group)),
        "link": invitation_link(invitation),
        "reminder": kind == "reminder",
        "minutes": group_minutes(load_rubric(invitation.assessment.rubric_version), invitation.group),
        "signature": branding.signature(invitation.assessment.organisation.firm, invitation.assessment.organisation),
    }
    message = EmailMessage(
        subject=one_line(EMAIL_SUBJECTS[kind].format(organisation=organisation)),
        body=render_to_string("surveys/email/invitation.txt", context),
        from_email=branding.from_address(invitation.assessment.organisation.firm),
        to=[invitation.email],
    )
    try:
        message.send()
    except Exception as error:
        Invitation.objects.filter(pk=invitation.pk).update(email_error=f"{type(error).__name__}: {error}"[:1000])
        raise
    Invitation.objects.filter(pk=invitation.pk).update(
        emails_sent=F("emails_sent") + 1, last_emailed_at=timezone.now(), email_error=""
    )
    return True


@transaction.atomic
def send_reminders(*, now: datetime | None = None) -> list[int]:
    """Queue a reminder to every invitation of an open assessment not yet submitted.

    Only those whose last email or reminder is REMINDER_INTERVAL_DAYS old, at most REMINDER_MAX
    times each; claiming them here (not when the email goes) makes a second run harmless.
    """
    now = now or timezone.now()
    due = (
        Invitation.objects.pending()
        .unexpired(now)
        .filter(assessment__state=AssessmentState.OPEN, reminder_count__lt=settings.REMINDER_MAX)
        .annotate(last_contact=Coalesce("reminded_at", "last_emailed_at", "created_at"))
        .filter(last_contact__lte=now - timedelta(days=settings.REMINDER_INTERVAL_DAYS))
    )
    ids = list(
        Invitation.objects.select_for_update(skip_locked=True)
        .filter(pk__in=list(due.values_list("pk", flat=True)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Invitation.objects.filter(pk__in=ids).update(reminder_count=F("reminder_count") + 1, reminded_at=now)
    for pk in ids:
        _queue_email(pk, "reminder")
    return ids


# --- the respondent's session --------------------------------------------------------------


# What saving an answer reads with the invitation: no organisation, none of the JSON of the
# rubric version or the assessment's closing scores (the rubric itself is cached per process).
ANSWERING_FIELDS = {
    Invitation: ("id", "assessment", "group", "response", "expires_at", "revoked_at"),
    Assessment: ("id", "state", "respondent_groups", "rubric_version"),
    RubricVersion: ("id", "checksum", "imported_at"),
    Response: ("id", "assessment", "group", "submitted_at", "late"),
}


@functools.cache
def _answering_lookup() -> tuple[str, list[sql.ModelRows[Any]]]:
    """The one SELECT behind every answer save, written once per process.

    The ORM took longer to build this query than the database took to run it.
    """
    rows = [sql.ModelRows(model, names) for model, names in ANSWERING_FIELDS.items()]
    invitation, assessment, version, response = rows
    c = sql.column
    statement = (
        f"SELECT {invitation.select('i')}, {assessment.select('a')}, {version.select('v')}, {response.select('r')} "
        f"FROM {sql.table(Invitation)} i "
        f"JOIN {sql.table(Assessment)} a ON {c(Assessment, 'id', 'a')} = {c(Invitation, 'assessment', 'i')} "
        f"JOIN {sql.table(RubricVersion)} v ON {c(RubricVersion, 'id', 'v')} = {c(Assessment, 'rubric_version', 'a')} "
        f"LEFT JOIN {sql.table(Response)} r ON {c(Response, 'id', 'r')} = {c(Invitation, 'response', 'i')} "
        f"WHERE {c(Invitation, 'digest', 'i')} = %s"
    )
    return statement, rows


def _invitation_for_answering(digest: str) -> Invitation | None:
    """The invitation with the assessment, rubric version and response that saving answers reads."""
    statement, parts = _answering_lookup()
    with connection.cursor() as cursor:
        cursor.execute(statement, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    invitation, assessment, version, response = sql.build_each(parts, row)
    assessment.rubric_version = version
    invitation.assessment = assessment
    if invitation.response_id is not None:
        invitation.response = response
    return invitation


def find_invitation(*, token: str, answering: bool = False) -> Invitation:
    """The invitation a link opens, or why it cannot be used: unknown, revoked or expired.

    One query, with the assessment, its rubric version and the response. `answering` loads
    only the columns that saving answers and submitting need (see ANSWERING_FIELDS).
    """
    if not tokens.looks_like_a_token(token):
        raise NotFound("This link is not a valid invitation.")
    digest = tokens.digest_of(token)
    if answering:
        invitation = _invitation_for_answering(digest)
    else:
        query = Invitation.objects.select_related(
            "assessment__organisation__firm", "assessment__rubric_version", "response"
        )
        invitation = query.filter(digest=digest).first()
    if invitation is None:
        raise NotFound("This link is not a valid invitation.")
    if invitation.revoked_at is not None:
        raise InvitationRevoked("This invitation has been withdrawn by the people who sent it.")
    if invitation.is_expired():
        raise InvitationExpired("This invitation has expired.")
    if invitation.response is not None:
        # The response's assessment is the invitation's: saving an answer reads it from there.
        invitation.response.assessment = invitation.assessment
    return invitation


def begin_response(*, invitation: Invitation) -> Response:
    """The invitation's response, started at the first answer; the same one on any device after.

    The response has no user: the respondent stays anonymous. After the assessment closed, a
    response already started can still be finished (it is then marked late); a new one cannot.
    """
    if invitation.response is not None:
        # Once set, an invitation's response never changes: no lock needed on every answer.
        return invitation.response
    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("assessment", "response")
            .get(pk=invitation.pk)
        )
        if locked.response is None:
            if locked.assessment.state == AssessmentState.CLOSED:
                raise AssessmentClosed("This assessment has closed; it no longer takes new responses.")
            locked.response = assessment_services.start_response(assessment=locked.assessment, group=locked.group)
            locked.save(update_fields=["response"])
    invitation.response = locked.response
    return locked.response


# --- the sales leader's self-assessment ------------------------------------------------------


@dataclass(frozen=True)
class SelfAssessment:
    user: Any
    organisation: Organisation
    assessment: Assessment
    response: Response


def default_rubric_version() -> RubricVersion:
    """The latest imported built-in version of the default rubric (version 2 once its file is imported);
    when none is stored, every shipped rubric file is imported first, as `import_built_in_rubrics` does."""
    version = RubricVersion.objects.latest_built_in(DEFAULT_RUBRIC_KEY)
    if version is None:
        version = assessment_services.import_built_in_rubrics()[DEFAULT_RUBRIC_KEY]
    return version


class SignUpExpired(Gone):
    code = "sign_up_expired"


class SignUpUsed(Gone):
    code = "sign_up_used"


def _sign_up_details(
    *, name: str, email: str, password: str, company: str, team_groups: Sequence[str]
) -> tuple[str, dict[str, Any]]:
    """The form's values checked (the password against the validators), the same for every address."""
    email = _clean_email(email)
    name = require_single_line((name or "").strip(), field="name", label="Your name")
    company = require_single_line((company or "").strip(), field="company", label="The company's name")
    if not name or len(name) > 150:
        raise InvalidInput("Give your name (up to 150 characters).", field="name")
    if not company or len(company) > 200:
        raise InvalidInput("Give your company's name (up to 200 characters).", field="company")
    known = [g["key"] for g in default_rubric_version().respondent_groups]
    unknown = sorted(set(team_groups) - set(known))
    if unknown:
        raise InvalidInput(f"{unknown[0]!r} is not a respondent group of the rubric.", field="team_groups")
    first, _, last = name.partition(" ")
    details = {"first_name": first[:150], "last_name": last.strip()[:150], "company": company}
    user = get_user_model()(username=email, email=email, first_name=details["first_name"])
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), field="password") from None
    return email, {**details, "team_groups": list(team_groups)}


def _has_account(email: str) -> bool:
    User = get_user_model()
    return User.objects.filter(email__iexact=email).exists() or User.objects.filter(username__iexact=email).exists()


def _queue_sign_up_email(sign_up_id: int | None, email: str, token: str) -> None:
    """Through the outbox, sent after commit; a broker's or mail server's failure is logged, never
    shown (the page must not differ)."""
    from surveys.tasks import send_sign_up_email_task

    outbox.enqueue(send_sign_up_email_task, sign_up_id, email, token)


@transaction.atomic
def start_sign_up(
    *, name: str, email: str, password: str, company: str, team_groups: Sequence[str] = ()
) -> SignUp | None:
    """Take a self-assessment sign-up and email the address, saying nothing here about whether it
    has an account.

    A new address gets a single-use link that creates everything (confirm_sign_up); the password is
    kept only as a hash until then. An address that has an account gets an email saying someone tried
    to start with it and how to sign in, and nothing is stored (None)."""
    email, details = _sign_up_details(
        name=name, email=email, password=password, company=company, team_groups=team_groups
    )
    if _has_account(email):
        _queue_sign_up_email(None, email, "")
        return None
    token = org_tokens.new_token()
    sign_up = SignUp.objects.create(
        email=email,
        details={**details, "password": make_password(password)},
        digest=org_tokens.digest_of(token),
        expires_at=timezone.now() + timedelta(hours=SIGN_UP_TTL_HOURS),
    )
    _queue_sign_up_email(sign_up.pk, email, token)
    return sign_up


def sign_up_link(token: str) -> str:
    return settings.SITE_URL + reverse("surveys:sign-up-confirm", kwargs={"token": token})


def send_sign_up_email(*, sign_up_id: int | None, email: str, token: str) -> bool:
    """The confirmation link of a sign-up, or (no sign-up) the note to an address that has an account."""
    if sign_up_id is None:
        context = {
            "login": settings.SITE_URL + reverse("login"),
            "reset": settings.SITE_URL + reverse("password_reset"),
        }
        subject, template = "Someone tried to start a Waypoint self-assessment with your address", "existing"
    else:
        sign_up = SignUp.objects.filter(pk=sign_up_id, confirmed_at__isnull=True).first()
        if sign_up is None or sign_up.digest != org_tokens.digest_of(token):
            return False
        company = one_line(sign_up.details.get("company", ""))
        context = {"link": sign_up_link(token), "sign_up": sign_up, "company": company}
        subject, template = "Confirm your email to start your sales self-assessment", "confirm"
    EmailMessage(
        subject=subject, body=render_to_string(f"surveys/email/sign_up_{template}.txt", context), to=[email]
    ).send()
    return True


@transaction.atomic
def confirm_sign_up(*, token: str) -> SelfAssessment:
    """Open a sign-up's emailed link: create the account (with the password given at sign-up), the
    firm with the leader as its admin, the organisation and the open self-assessment. Once only."""
    found = (
        SignUp.objects.select_for_update().filter(digest=org_tokens.digest_of(token)).first()
        if org_tokens.looks_like_a_token(token)
        else None
    )
    if found is None:
        raise NotFound("This link is not a valid sign-up link.")
    if found.confirmed_at is not None:
        raise SignUpUsed("This sign-up link has already been used; sign in with your email and password.")
    if found.expires_at <= timezone.now():
        raise SignUpExpired("This sign-up link has expired; start again to get a new one.")
    if _has_account(found.email):
        # Another sign-up of the same address was confirmed first.
        raise SignUpUsed("This sign-up link has already been used; sign in with your email and password.")
    details = found.details
    user = get_user_model()(
        username=found.email,
        email=found.email,
        # A sign-up stored before names were single-line fields is confirmed with its names on one line.
        first_name=one_line(details.get("first_name", "")),
        last_name=one_line(details.get("last_name", "")),
        password=details["password"],
    )
    user.save()
    found.confirmed_at = timezone.now()
    found.details = {k: v for k, v in details.items() if k != "password"}
    found.save(update_fields=["confirmed_at", "details"])
    company = one_line(details["company"])
    return _start_self_assessment(user=user, company=company, team_groups=details.get("team_groups", []))


@transaction.atomic
def sign_up_leader(
    *, name: str, email: str, password: str, company: str, team_groups: Sequence[str] = ()
) -> SelfAssessment:
    """Create the leader's account and start their self-assessment at once (commands and tests; the
    public form goes through start_sign_up and the emailed confirmation instead)."""
    email, details = _sign_up_details(
        name=name, email=email, password=password, company=company, team_groups=team_groups
    )
    if _has_account(email):
        raise StateConflict("An account with this email already exists; sign in instead.", field="email")
    User = get_user_model()
    user = User(username=email, email=email, first_name=details["first_name"], last_name=details["last_name"])
    user.set_password(password)
    user.save()
    return _start_self_assessment(user=user, company=details["company"], team_groups=team_groups)


def _start_self_assessment(*, user: Any, company: str, team_groups: Sequence[str]) -> SelfAssessment:
    """A firm for the leader's company with them as its admin, the company as the firm's organisation,
    and their self-assessment, opened at once with their own response started.

    The assessment uses the default rubric with the sales leadership group (plus the groups of
    a team they will invite)."""
    firm = organisation_services.create_firm(name=company, created_by=user)
    organisation = organisation_services.create_organisation(firm=firm, name=company, created_by=user)
    version = default_rubric_version()
    known = [g["key"] for g in version.respondent_groups]
    lead = LEADER_GROUP if LEADER_GROUP in known else known[0]
    groups = [lead, *(g for g in known if g in set(team_groups) and g != lead)]
    assessment = assessment_services.create_assessment(
        organisation=organisation,
        period=f"FY{timezone.now().year}",
        title="Sales leader self-assessment",
        rubric_version=version,
        respondent_groups=groups,
        created_by=user,
    )
    assessment_services.open_assessment(assessment=assessment)
    response = assessment_services.start_response(assessment=assessment, group=lead, user=user)
    return SelfAssessment(user=user, organisation=organisation, assessment=assessment, response=response)
