import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("organisations", "0004_put_organisations_in_firms")]

    operations = [
        migrations.AlterField(
            model_name="organisation",
            name="firm",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="organisations", to="organisations.firm"
            ),
        ),
        migrations.RemoveConstraint(model_name="membership", name="membership_role_is_known"),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(("role__in", ("leader", "viewer"))), name="membership_role_is_client_side"
            ),
        ),
    ]
