from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite
from drf_spectacular.views import SpectacularAPIView

from assessment.views import home
from security.views import ApiDocsView

# The admin site asks staff for their two-factor code too (django-otp's admin sign-in form).
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("admin/", admin.site.urls),
    # The API: each app contributes its endpoints under /api/v1/. The survey's come first: each
    # autosaved answer is one of its requests, and no other app's address starts as they do.
    path("api/v1/", include("surveys.api_urls")),
    path("api/v1/", include("organisations.api_urls")),
    path("api/v1/", include("assessment.api_urls")),
    path("api/v1/", include("reports.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI, its script served by the same address (`?script`): no inline code (security/views.py).
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    # Web pages. The home page lists assessments, so it lives in assessment/ (organisations/ stays
    # below assessment/).
    path("", home, name="home"),
    path("", include("organisations.urls")),
    path("", include("surveys.urls")),
    path("", include("assessment.urls")),
    path("reports/", include("reports.urls")),
]

handler404 = "organisations.exceptions.api_not_found"
handler500 = "organisations.exceptions.api_server_error"
