"""The survey tests' invitations, for the survey links' headers and logs."""

from tests.surveys.conftest import invite, invited_rep  # noqa: F401  (fixtures)
