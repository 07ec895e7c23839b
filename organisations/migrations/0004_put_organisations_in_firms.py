"""Every existing organisation goes into a firm.

Organisations that share a consultant form one firm, whose consultants become its admins (they
managed everything before); the largest such firm takes the deployment's configured firm name
and colour. An organisation with no consultant (a self-assessment) gets a firm of its own named
after it, with its leaders as admins. Consultant memberships then leave the organisations, and
rubrics imported through the API (not shipped in assessment/rubrics/) go to the one firm whose
assessments use them, or stay unowned (readable, changeable by nobody).
"""

from pathlib import Path

from django.conf import settings
from django.db import migrations

SHIPPED = Path(__file__).resolve().parent.parent.parent / "assessment" / "rubrics"


def _components(consultants_of):
    """Organisation ids grouped so that two organisations sharing a consultant share a group."""
    parent = {org: org for org in consultants_of}

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_org_of = {}
    for org, users in consultants_of.items():
        for user in users:
            if user in first_org_of:
                parent[root(org)] = root(first_org_of[user])
            else:
                first_org_of[user] = org
    groups = {}
    for org in consultants_of:
        groups.setdefault(root(org), []).append(org)
    return list(groups.values())


def forwards(apps, schema_editor):
    Organisation = apps.get_model("organisations", "Organisation")
    Membership = apps.get_model("organisations", "Membership")
    Firm = apps.get_model("organisations", "Firm")
    FirmMembership = apps.get_model("organisations", "FirmMembership")
    consultants_of = {org: set() for org in Organisation.objects.values_list("pk", flat=True)}
    for org, user in Membership.objects.filter(role="consultant").values_list("organisation_id", "user_id"):
        consultants_of[org].add(user)
    managed = {org: users for org, users in consultants_of.items() if users}
    groups = sorted(_components(managed), key=len, reverse=True) if managed else []
    names = dict(Organisation.objects.values_list("pk", "name"))
    colour = getattr(settings, "WAYPOINT_FIRM_COLOUR", "#1d3557")
    for index, orgs in enumerate(groups):
        name = getattr(settings, "WAYPOINT_FIRM_NAME", "Waypoint Advisory") if index == 0 else names[min(orgs)]
        firm = Firm.objects.create(name=name[:200], colour=colour)
        Organisation.objects.filter(pk__in=orgs).update(firm=firm)
        for user in sorted(set().union(*(managed[o] for o in orgs))):
            FirmMembership.objects.create(firm=firm, user_id=user, role="admin")
    for org in [o for o, users in consultants_of.items() if not users]:
        firm = Firm.objects.create(name=names[org][:200], colour=colour)
        Organisation.objects.filter(pk=org).update(firm=firm)
        for user in Membership.objects.filter(organisation_id=org, role="leader").values_list("user_id", flat=True):
            FirmMembership.objects.get_or_create(firm=firm, user_id=user, defaults={"role": "admin"})
    Membership.objects.filter(role="consultant").delete()

    Rubric = apps.get_model("assessment", "Rubric")
    Assessment = apps.get_model("assessment", "Assessment")
    shipped = {path.stem for path in SHIPPED.glob("*.yaml")}
    for rubric in Rubric.objects.exclude(key__in=shipped):
        firms = set(
            Assessment.objects.filter(rubric_version__rubric=rubric).values_list("organisation__firm_id", flat=True)
        )
        if len(firms) == 1:
            rubric.firm_id = firms.pop()
            rubric.save(update_fields=["firm"])


def backwards(apps, schema_editor):
    Organisation = apps.get_model("organisations", "Organisation")
    Membership = apps.get_model("organisations", "Membership")
    FirmMembership = apps.get_model("organisations", "FirmMembership")
    for organisation in Organisation.objects.all():
        for user in FirmMembership.objects.filter(firm_id=organisation.firm_id).values_list("user_id", flat=True):
            Membership.objects.update_or_create(
                organisation=organisation, user_id=user, defaults={"role": "consultant"}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0003_firms"),
        ("assessment", "0005_rubric_owner_and_snapshots"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
