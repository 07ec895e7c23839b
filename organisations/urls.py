from django.contrib.auth import views as auth_views
from django.urls import path

from organisations import two_factor_views, views
from organisations.throttles import limit_posts

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Two-factor sign-in (organisations/two_factor.py).
    path("account/two-factor/", two_factor_views.account, name="two-factor"),
    path("account/two-factor/verify/", two_factor_views.verify, name="two-factor-verify"),
    path("account/two-factor/enrol/", two_factor_views.enrol, name="two-factor-enrol"),
    path("account/two-factor/recovery-codes/", two_factor_views.recovery_codes, name="two-factor-recovery-codes"),
    path("account/two-factor/disable/", two_factor_views.disable, name="two-factor-disable"),
    path("organisations/<int:organisation_id>/export/", views.organisation_export, name="organisation-export"),
    path("organisations/<int:organisation_id>/delete/", views.organisation_delete, name="organisation-delete"),
    path("firms/<int:firm_id>/audit/", views.firm_audit, name="firm-audit"),
    # Django's password reset: its form answers the same whether or not the address has an account.
    # Each email asked for counts against the address's allowance (THROTTLE_PASSWORD_RESETS).
    path(
        "password-reset/",
        limit_posts("password-reset")(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("join/<str:token>/", views.member_invitation, name="member-invitation"),
    path("firms/", views.firms, name="firms"),
    path("firms/<int:firm_id>/", views.firm_page, name="firm"),
    path("firms/<int:firm_id>/settings/", views.firm_settings, name="firm-settings"),
    path("firms/<int:firm_id>/logo/", views.firm_logo, name="firm-logo"),
    path("firms/<int:firm_id>/invite/", views.firm_invite, name="firm-invite"),
    path("firms/<int:firm_id>/members/<int:member_id>/role/", views.firm_member_role, name="firm-member-role"),
    path("firms/<int:firm_id>/members/<int:member_id>/remove/", views.firm_member_remove, name="firm-member-remove"),
    path(
        "firms/<int:firm_id>/invitations/<int:invitation_id>/resend/",
        views.firm_invitation_resend,
        name="firm-invitation-resend",
    ),
    path(
        "firms/<int:firm_id>/invitations/<int:invitation_id>/withdraw/",
        views.firm_invitation_withdraw,
        name="firm-invitation-withdraw",
    ),
    path("organisations/<int:organisation_id>/invite/", views.organisation_invite, name="organisation-invite"),
    path(
        "organisations/<int:organisation_id>/invitations/<int:invitation_id>/resend/",
        views.organisation_invitation_resend,
        name="organisation-invitation-resend",
    ),
    path(
        "organisations/<int:organisation_id>/invitations/<int:invitation_id>/withdraw/",
        views.organisation_invitation_withdraw,
        name="organisation-invitation-withdraw",
    ),
]
