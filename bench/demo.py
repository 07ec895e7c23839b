"""The demo organisation the roadmap benches render: `seed_demo` on a fresh SQLite database."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def demo_roadmap_assessment(tmp: str) -> Any:
    """Acme Robotics' FY2026 assessment (three years of history), seeded into a database under `tmp`."""
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["MEDIA_ROOT"] = f"{tmp}/media"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from assessment.models import Assessment

    return Assessment.objects.select_related("organisation").get(organisation__name="Acme Robotics", period="FY2026")
