from django.urls import path

from surveys import views

app_name = "surveys"

# The same survey pages, reached by an invitation link (token) or by a leader's login (own-*).
survey_pages = [
    ("", views.start, "start"),
    ("<int:number>/", views.page, "page"),
    ("answers/", views.save, "answers"),
    ("review/", views.review, "review"),
    ("thanks/", views.thanks, "thanks"),
]

urlpatterns = [
    *(path(f"s/<str:token>/{route}", view, name=name) for route, view, name in survey_pages),
    *(
        path(f"self-assessment/<int:response_id>/{route}", view, name=f"own-{name}")
        for route, view, name in survey_pages
    ),
    path("self-assessment/<int:response_id>/results/", views.results, name="own-results"),
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
