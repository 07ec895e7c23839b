"""Factories for the cast of tests: organisations, people and the assessments they run."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from organisations.models import Firm, FirmMembership, FirmRole, Membership, Organisation, Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    password = factory.django.Password("correct horse battery staple")


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm

    name = factory.Sequence(lambda n: f"Firm {n} Partners")


class FirmMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FirmMembership

    user = factory.SubFactory(UserFactory)
    firm = factory.SubFactory(FirmFactory)
    role = FirmRole.CONSULTANT


class OrganisationFactory(factory.django.DjangoModelFactory):
    """A client organisation, in a firm of its own unless one is given."""

    class Meta:
        model = Organisation

    firm = factory.SubFactory(FirmFactory)
    name = factory.Sequence(lambda n: f"Client {n} Ltd")


class MembershipFactory(factory.django.DjangoModelFactory):
    """A person with a role towards an organisation: `consultant` makes them a consultant of its firm
    (a FirmMembership, returned as is); `leader` and `viewer` are client-side memberships."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.CONSULTANT

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs.get("role") == Role.CONSULTANT:
            membership, _ = FirmMembership.objects.get_or_create(
                user=kwargs["user"], firm=kwargs["organisation"].firm, defaults={"role": FirmRole.CONSULTANT}
            )
            return membership
        return super()._create(model_class, *args, **kwargs)


def rubric_document(**overrides) -> dict:
    """A small valid rubric document: two dimensions, a 1–5 scale, two groups.

    `process` holds criteria p1 (weight 2) and p2 (weight 1, reps only); `people` holds a
    sub-group `coaching` (c1, c2) and criterion q1. Pass top-level keys to override.
    """
    levels = {v: f"Level {v} looks like this." for v in range(1, 6)}
    document = {
        "key": "tiny",
        "version": 1,
        "name": "Tiny rubric",
        "coverage_threshold": 0.5,
        "scale": [
            {"value": v, "name": n} for v, n in enumerate(["Ad hoc", "Emerging", "Defined", "Managed", "Optimising"], 1)
        ],
        "respondent_groups": [{"key": "leaders", "name": "Leaders"}, {"key": "reps", "name": "Reps"}],
        "answer_sets": [
            {
                "key": "five",
                "not_applicable": "Don't know",
                "options": [{"key": str(v), "value": v, "label": f"Option {v}"} for v in range(1, 6)],
            },
            {"key": "note", "kind": "text", "options": []},
        ],
        "dimensions": [
            {
                "key": "process",
                "name": "Process",
                "weight": 2,
                "levels": dict(levels),
                "criteria": [
                    {"key": "p1", "text": "Stages have exit criteria.", "weight": 2, "answer_set": "five"},
                    {"key": "p2", "text": "Reps follow them.", "answer_set": "five", "audience": ["reps"]},
                    {"key": "p-note", "text": "Anything else?", "answer_set": "note"},
                ],
                "recommendations": [
                    {
                        "key": "r1",
                        "from_level": 1,
                        "title": "Write stages",
                        "effort": 1,
                        "impact": 4,
                        "horizon": "0-90d",
                    },
                    {
                        "key": "r2",
                        "from_level": 2,
                        "title": "Exit criteria",
                        "effort": 2,
                        "impact": 4,
                        "horizon": "0-90d",
                        "depends_on": ["r1"],
                    },
                    {
                        "key": "r3",
                        "from_level": 3,
                        "title": "Review data",
                        "effort": 4,
                        "impact": 2,
                        "horizon": "6-12m",
                    },
                ],
            },
            {
                "key": "people",
                "name": "People",
                "weight": 1,
                "levels": dict(levels),
                "groups": [
                    {
                        "key": "coaching",
                        "name": "Coaching",
                        "criteria": [
                            {"key": "c1", "text": "Managers coach weekly.", "answer_set": "five"},
                            {"key": "c2", "text": "Coaching is recorded.", "answer_set": "five"},
                        ],
                    }
                ],
                "criteria": [{"key": "q1", "text": "Ramp time is tracked.", "answer_set": "five"}],
                "recommendations": [
                    {
                        "key": "s1",
                        "from_level": 1,
                        "title": "Coach weekly",
                        "effort": 2,
                        "impact": 5,
                        "horizon": "3-6m",
                        "depends_on": ["r2"],
                    },
                ],
            },
        ],
    }
    document.update(overrides)
    return document


def _invitation_secret() -> str:
    from surveys.tokens import new_secret

    return new_secret()


def _invitation_digest(secret: str) -> str:
    from surveys.tokens import digest_of, token_for

    return digest_of(token_for(secret))


def _invitation_expiry():
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() + timedelta(days=30)


class InvitationFactory(factory.django.DjangoModelFactory):
    """An invitation row (no email sent); its link token is surveys.tokens.token_for(invitation.secret)."""

    class Meta:
        model = "surveys.Invitation"

    email = factory.Sequence(lambda n: f"respondent{n}@example.com")
    group = "reps"
    secret = factory.LazyFunction(_invitation_secret)
    digest = factory.LazyAttribute(lambda o: _invitation_digest(o.secret))
    expires_at = factory.LazyFunction(_invitation_expiry)


def consult_for(user, organisation, role: str = FirmRole.CONSULTANT) -> FirmMembership:
    """Make the user a member of the organisation's firm (so they consult for all its clients)."""
    membership, _ = FirmMembership.objects.get_or_create(user=user, firm=organisation.firm, defaults={"role": role})
    return membership
