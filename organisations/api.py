"""The organisations API: sign-in tokens, organisations and their members. Thin: validate, call a service."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate
from django.db.models import OuterRef, QuerySet, Subquery
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from organisations import custody, services
from organisations.audit_api import require_firm_admin
from organisations.errors import InvalidInput
from organisations.exceptions import LockedOut, lockout_message
from organisations.filters import MembershipFilter, OrganisationFilter
from organisations.models import Firm, Membership, Organisation
from organisations.permissions import MANAGE, READ, require_role, visible_object
from organisations.serializers import (
    MemberAddSerializer,
    MemberRoleSerializer,
    MembershipSerializer,
    OrganisationCreateSerializer,
    OrganisationEraseSerializer,
    OrganisationSerializer,
    OrganisationUpdateSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)


class InvalidCredentials(AuthenticationFailed):
    default_detail = "The username or password is not right."
    default_code = "invalid_credentials"


class TokenView(APIView):
    """Exchange a username and password for an API token (POST), or revoke yours (DELETE)."""

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
        auth=[],
        summary="Get an API token",
        description="Repeated failures lock the (username, address) pair out for a while: 429 with a message.",
    )
    def post(self, request: Request) -> Response:
        given = TokenRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        # django-axes watches authenticate(); it needs Django's request, where its middleware looks.
        user = authenticate(request._request, **given.validated_data)
        if user is None:
            if getattr(request._request, "axes_locked_out", False):
                raise LockedOut(lockout_message(get_cool_off(request._request)))
            raise InvalidCredentials()
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None}, summary="Revoke your API token")
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


def _with_role(queryset: QuerySet[Organisation], user: Any) -> QuerySet[Organisation]:
    mine = Membership.objects.filter(organisation=OuterRef("pk"), user=user).values("role")[:1]
    return queryset.annotate(role=Subquery(mine))


def _creating_firm(user: Any, firm_id: int | None) -> Firm:
    """The firm a new organisation goes into: the one named, or the caller's only firm."""
    firms = Firm.objects.visible_to(user)
    if firm_id is not None:
        return visible_object(Firm.objects.all(), user, firm_id, name="firm")
    mine = list(firms[:2])
    if not mine:
        raise PermissionDenied("Only members of a firm can create client organisations.")
    if len(mine) > 1:
        raise InvalidInput("You are a member of several firms; say which one in `firm`.", field="firm")
    return mine[0]


class OrganisationList(generics.ListAPIView):
    """The caller's organisations (GET); a firm member creates a client organisation in their firm (POST)."""

    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter

    def get_queryset(self) -> QuerySet[Organisation]:
        if getattr(self, "swagger_fake_view", False):
            return Organisation.objects.none()
        return _with_role(Organisation.objects.visible_to(self.request.user), self.request.user).order_by("name", "id")

    @extend_schema(
        request=OrganisationCreateSerializer,
        responses={201: OrganisationSerializer},
        description="A member of a firm creates a client organisation in it (`firm`, or their only firm); "
        "every member of the firm runs it. Someone in no firm gets 403.",
    )
    def post(self, request: Request) -> Response:
        given = OrganisationCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        firm = _creating_firm(request.user, data.pop("firm", None))
        organisation = services.create_organisation(firm=firm, **data, created_by=request.user)
        created = _with_role(Organisation.objects.filter(pk=organisation.pk), request.user).get()
        return Response(OrganisationSerializer(created).data, status=status.HTTP_201_CREATED)


class OrganisationDetail(generics.RetrieveAPIView):
    """One organisation (GET, every member); its consultants change its name, industry or size band (PATCH)."""

    serializer_class = OrganisationSerializer
    queryset = Organisation.objects.all()

    def get_object(self) -> Organisation:
        queryset = _with_role(Organisation.objects.all(), self.request.user)
        return visible_object(queryset, self.request.user, self.kwargs["id"], name="organisation")

    @extend_schema(
        request=OrganisationUpdateSerializer,
        responses={200: OrganisationSerializer},
        description="Changes the fields given; an empty industry or size band clears it.",
    )
    def patch(self, request: Request, id: int) -> Response:
        organisation = self.get_object()
        require_role(request.user, organisation, MANAGE, action="edit the organisation")
        given = OrganisationUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.update_organisation(organisation=organisation, **given.validated_data, changed_by=request.user)
        changed = _with_role(Organisation.objects.filter(pk=organisation.pk), request.user).get()
        return Response(OrganisationSerializer(changed).data)

    @extend_schema(
        request=OrganisationEraseSerializer,
        responses={204: None},
        summary="Delete an organisation and all of its data (GDPR art. 17)",
        description="For the firm's admins. The body names the organisation exactly (`confirm_name`); any other "
        "name is a 400 and nothing is deleted. Every row of the organisation goes, and its stored files (report "
        "PDFs) once the deletion commits; the firm's audit log keeps an `organisation.deleted` event.",
    )
    def delete(self, request: Request, id: int) -> Response:
        organisation = self.get_object()
        require_firm_admin(request.user, organisation, action="delete an organisation")
        given = OrganisationEraseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        custody.erase_organisation(
            organisation=organisation, confirm_name=given.validated_data["confirm_name"], erased_by=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberList(generics.ListAPIView):
    """An organisation's members (GET); a consultant adds a person by email with a role (POST)."""

    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter

    def organisation(self) -> Organisation:
        return visible_object(
            Organisation.objects.all(), self.request.user, self.kwargs["organisation_id"], name="organisation"
        )

    def get_queryset(self) -> QuerySet[Membership]:
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return Membership.objects.filter(organisation=self.organisation()).select_related("user").order_by("id")

    @extend_schema(request=MemberAddSerializer, responses={201: MembershipSerializer})
    def post(self, request: Request, organisation_id: int) -> Response:
        organisation = self.organisation()
        require_role(request.user, organisation, MANAGE, action="add members")
        given = MemberAddSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        membership = services.add_member(organisation=organisation, **given.validated_data)
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


class MemberDetail(APIView):
    """One member: read (GET), change role (PATCH), remove (DELETE); changes are for consultants."""

    def membership(self, request: Request, organisation_id: int, id: int) -> Membership:
        organisation = visible_object(Organisation.objects.all(), request.user, organisation_id, name="organisation")
        membership = visible_object(
            Membership.objects.filter(organisation=organisation).select_related("user"),
            request.user,
            id,
            name="member",
        )
        return membership

    @extend_schema(responses={200: MembershipSerializer})
    def get(self, request: Request, organisation_id: int, id: int) -> Response:
        membership = self.membership(request, organisation_id, id)
        require_role(request.user, membership.organisation, READ, action="see members")
        return Response(MembershipSerializer(membership).data)

    @extend_schema(request=MemberRoleSerializer, responses={200: MembershipSerializer})
    def patch(self, request: Request, organisation_id: int, id: int) -> Response:
        membership = self.membership(request, organisation_id, id)
        require_role(request.user, membership.organisation, MANAGE, action="change roles")
        given = MemberRoleSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        changed = services.change_role(
            membership=membership, role=given.validated_data["role"], changed_by=request.user
        )
        return Response(MembershipSerializer(changed).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, organisation_id: int, id: int) -> Response:
        membership = self.membership(request, organisation_id, id)
        require_role(request.user, membership.organisation, MANAGE, action="remove members")
        services.remove_member(membership=membership, removed_by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
