"""django-axes' handler with two limits (AXES_HANDLER).

Failures are recorded per (username, address), as axes does. A sign-in is refused when its
(username, address) pair has AXES_FAILURE_LIMIT recent failures, or when its address has
AXES_ADDRESS_FAILURE_LIMIT recent failures across every username (one password sprayed over many
usernames). The username alone is never locked, so nobody can lock a known user out everywhere:
from another address they still sign in. A successful sign-in clears its own pair's failures only,
so an attacker with an account of their own cannot wipe their address's count by signing in.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


class PairAndAddressHandler(AxesDatabaseHandler):
    """Expects AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]."""

    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        pair, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            # Reported as reaching the pair's limit: axes compares one number with one limit.
            return max(pair, get_failure_limit(request, credentials))
        return pair

    def reset_user_attempts(self, request: Any, credentials: dict | None = None) -> int:
        pair = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair.delete()
        return count
