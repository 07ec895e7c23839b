"""Each assessment's live invitations and submitted responses, kept by database triggers.

The triggers run for every write however it is made (one row, a bulk insert, a cascade), so the counts
cannot drift from the rows they count; `tests/assessment/test_assessment_counts.py` checks them against
the grouped counts on SQLite and PostgreSQL. On SQLite, a later migration that rebuilds one of the three
tables drops its triggers: such a migration must create them again (`triggers_sql` below), and that test
fails until it does.
"""

import django.db.models.deletion
from django.db import migrations, models

COUNTED = (
    # (table, column of the count, condition on a row that is counted, columns whose change may move it)
    ("surveys_invitation", "live_invitations", "{row}.revoked_at IS NULL", ("revoked_at", "assessment_id")),
    ("assessment_response", "submitted_responses", "{row}.submitted_at IS NOT NULL", ("submitted_at", "assessment_id")),
)
COUNTS = "assessment_assessmentcounts"


def _postgresql() -> list[str]:
    statements = [
        f"""CREATE FUNCTION waypoint_counts_row() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO {COUNTS} (assessment_id, live_invitations, submitted_responses) VALUES (NEW.id, 0, 0);
          RETURN NULL;
        END $$""",
        "CREATE TRIGGER waypoint_counts_row AFTER INSERT ON assessment_assessment "
        "FOR EACH ROW EXECUTE FUNCTION waypoint_counts_row()",
    ]
    for table, column, condition, moved_by in COUNTED:
        function = f"waypoint_count_{column}"
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in moved_by)
        statements += [
            f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP <> 'INSERT' AND {condition.format(row="OLD")} THEN
                UPDATE {COUNTS} SET {column} = {column} - 1 WHERE assessment_id = OLD.assessment_id;
              END IF;
              IF TG_OP <> 'DELETE' AND {condition.format(row="NEW")} THEN
                UPDATE {COUNTS} SET {column} = {column} + 1 WHERE assessment_id = NEW.assessment_id;
              END IF;
              RETURN NULL;
            END $$""",
            f"CREATE TRIGGER {function}_insert_delete AFTER INSERT OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            f"CREATE TRIGGER {function}_update AFTER UPDATE ON {table} "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {function}()",
        ]
    return statements


def triggers_sql(vendor: str) -> list[str]:
    """The statements that create the triggers on this database."""
    if vendor == "postgresql":
        return _postgresql()
    statements = [
        f"CREATE TRIGGER waypoint_counts_row AFTER INSERT ON assessment_assessment BEGIN "
        f"INSERT INTO {COUNTS} (assessment_id, live_invitations, submitted_responses) VALUES (NEW.id, 0, 0); END"
    ]
    for table, column, condition, moved_by in COUNTED:
        name = f"waypoint_count_{column}"
        minus = f"UPDATE {COUNTS} SET {column} = {column} - 1 WHERE assessment_id = OLD.assessment_id"
        plus = f"UPDATE {COUNTS} SET {column} = {column} + 1 WHERE assessment_id = NEW.assessment_id"
        new, old = condition.format(row="NEW"), condition.format(row="OLD")
        statements += [
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} WHEN {new} BEGIN {plus}; END",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} WHEN {old} BEGIN {minus}; END",
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(moved_by)} ON {table} BEGIN "
            f"{minus} AND {old}; {plus} AND {new}; END",
        ]
    return statements


def _drop_sql(vendor: str) -> list[str]:
    names = ["waypoint_counts_row"]
    for _, column, _, _ in COUNTED:
        name = f"waypoint_count_{column}"
        names += (
            [f"{name}_insert_delete", f"{name}_update"]
            if vendor == "postgresql"
            else [
                f"{name}_insert",
                f"{name}_delete",
                f"{name}_update",
            ]
        )
    if vendor != "postgresql":
        return [f"DROP TRIGGER IF EXISTS {n}" for n in names]
    tables = {"waypoint_counts_row": "assessment_assessment"}
    for table, column, _, _ in COUNTED:
        tables |= {f"waypoint_count_{column}_insert_delete": table, f"waypoint_count_{column}_update": table}
    return [f"DROP TRIGGER IF EXISTS {n} ON {tables[n]}" for n in names] + [
        "DROP FUNCTION IF EXISTS waypoint_counts_row()",
        *(f"DROP FUNCTION IF EXISTS waypoint_count_{column}()" for _, column, _, _ in COUNTED),
    ]


def create_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in triggers_sql(vendor):
        schema_editor.execute(statement, params=None)
    # The counts of the assessments that exist already.
    schema_editor.execute(
        f"INSERT INTO {COUNTS} (assessment_id, live_invitations, submitted_responses) "
        "SELECT a.id, "
        "(SELECT COUNT(*) FROM surveys_invitation i WHERE i.assessment_id = a.id AND i.revoked_at IS NULL), "
        "(SELECT COUNT(*) FROM assessment_response r WHERE r.assessment_id = a.id AND r.submitted_at IS NOT NULL) "
        "FROM assessment_assessment a",
        params=None,
    )


def drop_triggers(apps, schema_editor) -> None:
    for statement in _drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0009_rubric_drafts"),
        ("surveys", "0002_gdpr_erasable_invitation_email"),
    ]

    operations = [
        migrations.CreateModel(
            name="AssessmentCounts",
            fields=[
                (
                    "assessment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="counts",
                        serialize=False,
                        to="assessment.assessment",
                    ),
                ),
                ("live_invitations", models.IntegerField(default=0, help_text="Invitations not revoked")),
                (
                    "submitted_responses",
                    models.IntegerField(default=0, help_text="Responses submitted (late ones too)"),
                ),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
