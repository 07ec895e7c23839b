from django.apps import AppConfig


class SecurityConfig(AppConfig):
    """Response headers (Content-Security-Policy settings, Permissions-Policy, Referrer-Policy) and
    the redaction of secret tokens from every log line."""

    name = "security"

    def ready(self) -> None:
        from security import checks  # noqa: F401  (registers the deploy checks)
