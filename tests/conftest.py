"""The cast: an organisation with a consultant, a leader and a viewer, and an outsider elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from assessment import services
from assessment.models import Assessment, RubricVersion
from organisations.models import Organisation, Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

DEFAULT_RUBRIC = Path(settings.BASE_DIR) / "assessment" / "rubrics" / "sales-transformation.yaml"


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Passwords hashed with a fast hasher in every test: the production one (PBKDF2, a million rounds)
    takes about a second per person created, by design. What a password check decides is the same."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def media_of_this_process(tmp_path_factory):
    """Files the tests store (logos, reports' PDFs) go to a folder of this process's own: not into the
    checkout's media/ that `make run` serves, nor one another xdist worker writes to at the same time.
    Tests that look at the stored files give themselves an empty folder (`media_root` fixtures)."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Each test starts with no request counted against any rate limit (organisations/throttles.py)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def default_rubric(db) -> RubricVersion:
    """The default sales rubric, imported (an identical import returns the stored version)."""
    return services.import_rubric(document=DEFAULT_RUBRIC.read_text()).version


@pytest.fixture
def organisation(db) -> Organisation:
    return OrganisationFactory(name="Northwind Traders")


@pytest.fixture
def consultant(organisation):
    return MembershipFactory(organisation=organisation, role=Role.CONSULTANT, user__username="consultant").user


@pytest.fixture
def leader(organisation):
    return MembershipFactory(organisation=organisation, role=Role.LEADER, user__username="leader").user


@pytest.fixture
def viewer(organisation):
    return MembershipFactory(organisation=organisation, role=Role.VIEWER, user__username="viewer").user


@pytest.fixture
def other_organisation(db) -> Organisation:
    return OrganisationFactory(name="Contoso Rivals")


@pytest.fixture
def outsider(other_organisation):
    """A consultant of another organisation, who must never see ours."""
    return MembershipFactory(organisation=other_organisation, role=Role.CONSULTANT, user__username="outsider").user


@pytest.fixture
def draft_assessment(organisation, default_rubric, consultant) -> Assessment:
    return services.create_assessment(
        organisation=organisation,
        period="FY2026",
        rubric_version=default_rubric,
        targets={"sales-process": 4, "technology": 3},
        created_by=consultant,
    )


@pytest.fixture
def open_assessment(draft_assessment) -> Assessment:
    return services.open_assessment(assessment=draft_assessment)


@pytest.fixture
def user_factory(db):
    return UserFactory


# --- integration and browser tests --------------------------------------------------------
# They run wherever their services are reachable; `make test` skips them where not, and
# .ci/run sets WAYPOINT_REQUIRE_INTEGRATION=1 so that a missing service fails instead.
# Under pytest-xdist (`make test`: -n 2 --dist loadgroup) their modules are dealt out in turn to one
# group per worker, the integration modules first so that the two longest (a worker killed mid-render,
# the broker stopped and started) start on different workers. Each group runs on one worker, one test
# after another, before that worker takes its share of the other tests, so the longest tests start
# first and the others fill in around them. Side by side they do not collide: each worker has its own
# test database, live server and Chromium; the outbox test starts a broker of its own on a free port,
# the report worker test holds a lock on the shared test broker and clears only its own queue, and the
# throttle test counts for an address of its own.

BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = "/usr/bin/chromium"
SERVICES = ("tests/integration/", "tests/browser/")


def _broker_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _browser_available() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return os.access(CHROMIUM, os.X_OK)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    required = os.environ.get("WAYPOINT_REQUIRE_INTEGRATION") == "1"
    checks = {"integration": _broker_reachable, "browser": _browser_available}
    available: dict[str, bool] = {}
    for item in items:
        for marker, check in checks.items():
            if marker not in item.keywords:
                continue
            if not item.nodeid.startswith(SERVICES):
                raise pytest.UsageError(f"{item.nodeid}: {marker} tests live in {' or '.join(SERVICES)}")
            if marker not in available:
                available[marker] = check()
            if not available[marker]:
                reason = f"{marker} test: its service is not reachable here"
                if required:
                    raise pytest.UsageError(f"{item.nodeid}: {reason}, and .ci/run requires it")
                item.add_marker(pytest.mark.skip(reason=reason))


def services_groups(nodeids: list[str], workers: int) -> dict[str, str]:
    """The group of each integration or browser test's module: the modules dealt out in turn to
    `workers` groups, integration modules first, each module whole (its tests share a browser)."""
    modules = {nodeid.split("::", 1)[0] for nodeid in nodeids if nodeid.startswith(SERVICES)}
    dealt = sorted(modules, key=lambda module: (not module.startswith(SERVICES[0]), module))
    return {module: f"services-{n % max(1, workers)}" for n, module in enumerate(dealt)}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` with the groups above. pytest-xdist's own reads `xdist_group` marks into test
    ids, which pytest 9 no longer lets a plugin rename: every test would be scheduled on its own."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ServicesGroupScheduling(LoadGroupScheduling):
        groups: dict[str, str] | None = None  # known once every worker has collected

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                self.groups = services_groups(self.collection or [], self.numnodes)
            return self.groups.get(nodeid.split("::", 1)[0], nodeid)

    return ServicesGroupScheduling(config, log)


# --- two-factor sign-in -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def force_login_gives_the_second_factor(monkeypatch):
    """`client.force_login(user)` means signed in completely: with the code too, for those who give one
    (tests/two_factor.py; `unverified_force_login` for a session that has not given it)."""
    from django.test import Client

    from tests.two_factor import verified_force_login

    monkeypatch.setattr(Client, "force_login", verified_force_login)
