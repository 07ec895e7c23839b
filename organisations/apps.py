from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "organisations"

    def ready(self) -> None:
        # Registers the schema extensions with drf-spectacular.
        from organisations import schema  # noqa: F401
