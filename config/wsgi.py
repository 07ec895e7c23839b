import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Import every URLconf and view now, while the server process starts, rather than in the first
# request it serves: otherwise each new worker's first requests wait for those imports (close to a
# second), which respondents notice as a stall right after a deploy or a worker restart.
get_resolver().url_patterns  # noqa: B018
