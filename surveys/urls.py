from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from surveys import views

app_name = "surveys"

# The same survey pages, reached by an invitation link (token) or by a leader's login (own-*).
survey_pages = [
    ("", views.start, "start"),
    ("<int:number>/", views.page, "page"),
    ("answers/", views.save, "answers"),
    ("review/", views.review, "review"),
    ("thanks/", views.thanks, "thanks"),
    ("brand.css", views.brand_css, "brand-css"),
    ("logo/", views.brand_logo, "brand-logo"),
]

urlpatterns = [
    # An invitation link's pages send `Referrer-Policy: no-referrer` (security/middleware.py), so
    # browsers send `Origin: null` with their form posts, which Django's CSRF check refuses. They
    # need no CSRF check: the token in the address is the only credential they read (never the
    # session), and a forger who knew it could post without any browser's help.
    *(path(f"s/<str:token>/{route}", csrf_exempt(view), name=name) for route, view, name in survey_pages),
    *(
        path(f"self-assessment/<int:response_id>/{route}", view, name=f"own-{name}")
        for route, view, name in survey_pages
    ),
    path("self-assessment/<int:response_id>/results/", views.results, name="own-results"),
    path("self-assessment/<int:response_id>/results.pdf", views.results_pdf, name="own-results-pdf"),
    path("self-assessment/<int:response_id>/answers-given/", views.summary, name="own-summary"),
    path("start/", views.sign_up, name="sign-up"),
    path("start/sent/", views.sign_up_sent, name="sign-up-sent"),
    path("start/confirm/<str:token>/", views.sign_up_confirm, name="sign-up-confirm"),
    path("assessments/<int:assessment_id>/invitations/", views.invitations, name="invitations"),
    path("assessments/<int:assessment_id>/invitations/invite/", views.invite, name="invite"),
    path("assessments/<int:assessment_id>/invitations/list/", views.invite_list, name="invite-list"),
    path("invitations/<int:invitation_id>/resend/", views.resend, name="resend"),
    path("invitations/<int:invitation_id>/revoke/", views.revoke, name="revoke"),
]
