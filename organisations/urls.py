from django.contrib.auth import views as auth_views
from django.urls import path

from organisations import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("organisations/<int:organisation_id>/export/", views.organisation_export, name="organisation-export"),
    path("organisations/<int:organisation_id>/delete/", views.organisation_delete, name="organisation-delete"),
    path("firms/<int:firm_id>/audit/", views.firm_audit, name="firm-audit"),
]
