from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"

    def ready(self) -> None:
        from assessment.exports import organisation_export_part
        from organisations.custody import register_export_part

        register_export_part(organisation_export_part)
