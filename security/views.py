"""The API's Swagger UI page under the site's Content-Security-Policy."""

from __future__ import annotations

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularSwaggerSplitView


@method_decorator(csp_update({"img-src": ["data:"]}), name="dispatch")
class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served as a file (`?script`), not inline, and our own
    stylesheet instead of the inline <style> of drf-spectacular's template. Swagger UI's own
    stylesheet draws its icons as data: images, so this page alone also allows `img-src data:`
    (an image cannot run code); scripts and styles stay 'self' only."""

    template_name = "security/swagger_ui.html"
