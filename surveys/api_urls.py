from django.urls import path

from surveys import api

urlpatterns = [
    # Respondents: the invitation token is the only credential.
    path("survey/<str:token>/", api.RespondentSurvey.as_view(), name="api-survey"),
    path("survey/<str:token>/answers/", api.RespondentAnswers.as_view(), name="api-survey-answers"),
    path("survey/<str:token>/submit/", api.RespondentSubmit.as_view(), name="api-survey-submit"),
    # Consultants and leaders.
    path("invitations/", api.InvitationList.as_view(), name="api-invitations"),
    path("invitations/upload/", api.InvitationUpload.as_view(), name="api-invitations-upload"),
    path("invitations/<int:id>/", api.InvitationDetail.as_view(), name="api-invitation"),
    path("invitations/<int:id>/resend/", api.InvitationResend.as_view(), name="api-invitation-resend"),
    path("invitations/<int:id>/revoke/", api.InvitationRevoke.as_view(), name="api-invitation-revoke"),
]
