"""The organisations API: sign-in tokens, organisations and their members. Thin: validate, call a service."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate
from django.db.models import Case, Exists, OuterRef, QuerySet, Subquery, Value, When
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, parsers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from organisations import custody, services, two_factor
from organisations.errors import InvalidInput, NotFound
from organisations.exceptions import LockedOut, lockout_message
from organisations.filters import MembershipFilter, OrganisationFilter
from organisations.models import Firm, FirmMembership, MemberInvitation, Membership, Organisation, Role
from organisations.parsers import JSONParser
from organisations.permissions import (
    FIRM_ADMIN,
    MANAGE,
    MAX_ID,
    READ,
    acting_firm,
    require_firm_admin,
    require_firm_role,
    require_role,
    visible_object,
)
from organisations.serializers import (
    FirmCreateSerializer,
    FirmInviteSerializer,
    FirmMemberSerializer,
    FirmRoleSerializer,
    FirmSerializer,
    FirmUpdateJsonSerializer,
    FirmUpdateSerializer,
    MemberAddSerializer,
    MemberInvitationSerializer,
    MemberRoleSerializer,
    MembershipSerializer,
    OrganisationCreateSerializer,
    OrganisationEraseSerializer,
    OrganisationSerializer,
    OrganisationUpdateSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from organisations.throttles import MemberInvitationThrottle


class InvalidCredentials(AuthenticationFailed):
    default_detail = "The username or password is not right."
    default_code = "invalid_credentials"


class OtpRequired(InvalidInput):
    code = "otp_required"


class OtpInvalid(AuthenticationFailed):
    default_code = "otp_invalid"


class OtpThrottled(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "otp_throttled"

    def __init__(self, detail: str, wait: int):
        super().__init__(detail)
        self.wait = wait  # DRF's handler sends it as Retry-After


class EnrolmentRequired(exceptions.PermissionDenied):
    default_code = "two_factor_enrolment_required"
    default_detail = (
        "Your role requires two-factor sign-in, and it is not set up yet: sign in on the web once to set up "
        "an authenticator app, then ask for a token with its code."
    )


class TokenView(APIView):
    """Exchange a username and password (and, for two-factor accounts, a code) for an API token (POST),
    or revoke yours (DELETE)."""

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
        auth=[],
        summary="Get an API token",
        description="Repeated failures lock the (username, address) pair out for a while: 429 with a message. "
        "Firm members (and anyone who set up two-factor sign-in) must also send `otp`: without it 400 "
        "`otp_required`; a wrong code 401 `otp_invalid`; after wrong codes the next try waits (429 "
        "`otp_throttled`, with Retry-After); a firm member who has not set up an authenticator yet gets 403 "
        "`two_factor_enrolment_required` (set it up on the web).",
    )
    def post(self, request: Request) -> Response:
        given = TokenRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        credentials = dict(given.validated_data)
        code = credentials.pop("otp", None)
        # django-axes watches authenticate(); it needs Django's request, where its middleware looks.
        user = authenticate(request._request, **credentials)
        if user is None:
            if getattr(request._request, "axes_locked_out", False):
                raise LockedOut(lockout_message(get_cool_off(request._request)))
            raise InvalidCredentials()
        if two_factor.must_verify(user):
            if two_factor.authenticator_of(user) is None:
                raise EnrolmentRequired()
            if not code:
                raise OtpRequired(
                    "This account signs in with two factors: send `otp`, the 6-digit code of your authenticator "
                    "app (or one of your recovery codes).",
                    field="otp",
                )
            try:
                two_factor.verify(user=user, code=code)
            except two_factor.TooManyWrongCodes as error:
                raise OtpThrottled(wait=error.retry_after, detail=error.message) from None
            except two_factor.WrongCode as error:
                raise OtpInvalid(error.message) from None
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None}, summary="Revoke your API token")
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


def _with_role(queryset: QuerySet[Organisation], user: Any) -> QuerySet[Organisation]:
    """Each organisation with the caller's role: consultant for its firm's members, else the client role."""
    in_firm = FirmMembership.objects.filter(firm=OuterRef("firm_id"), user=user)
    mine = Membership.objects.filter(organisation=OuterRef("pk"), user=user).values("role")[:1]
    return queryset.annotate(
        role=Case(When(Exists(in_firm), then=Value(Role.CONSULTANT.value)), default=Subquery(mine))
    )


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
        firm = acting_firm(request.user, data.pop("firm", None), action="create client organisations")
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

    # Invitations sent from one client address are limited (THROTTLE_MEMBER_INVITATIONS); reads are not.
    throttle_classes = [MemberInvitationThrottle]

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

    @extend_schema(
        request=MemberAddSerializer,
        responses={202: MemberInvitationSerializer},
        summary="Invite a person to the organisation",
        description="Emails a single-use invitation (leader or viewer); nothing is granted until it is accepted. "
        "The answer is the same whether or not the address has an account. Consultants join the firm instead.",
    )
    def post(self, request: Request, organisation_id: int) -> Response:
        organisation = self.organisation()
        require_role(request.user, organisation, MANAGE, action="invite members")
        given = MemberAddSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        invitation = services.invite_member(
            firm=organisation.firm, organisation=organisation, **given.validated_data, invited_by=request.user
        )
        return Response(MemberInvitationSerializer(invitation).data, status=status.HTTP_202_ACCEPTED)


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


# --- organisation invitations ----------------------------------------------------------------


def _managed_organisation(request: Request, organisation_id: int, *, action: str) -> Organisation:
    organisation = visible_object(
        Organisation.objects.select_related("firm"), request.user, organisation_id, name="organisation"
    )
    require_role(request.user, organisation, MANAGE, action=action)
    return organisation


def _organisation_invitation(request: Request, organisation_id: int, id: int, *, action: str) -> MemberInvitation:
    organisation = _managed_organisation(request, organisation_id, action=action)
    invitation = MemberInvitation.objects.filter(organisation=organisation, pk=id if 0 < id <= MAX_ID else 0).first()
    if invitation is None:
        raise NotFound(f"There is no invitation {id} in {organisation.name}.")
    return invitation


class OrganisationInvitationList(generics.ListAPIView):
    """An organisation's pending invitations (its firm's members only)."""

    serializer_class = MemberInvitationSerializer

    def get_queryset(self) -> QuerySet[MemberInvitation]:
        if getattr(self, "swagger_fake_view", False):
            return MemberInvitation.objects.none()
        organisation = _managed_organisation(self.request, self.kwargs["organisation_id"], action="see invitations")
        return MemberInvitation.objects.pending().filter(organisation=organisation).order_by("-created_at", "-id")


class OrganisationInvitationDetail(APIView):
    @extend_schema(request=None, responses={204: None}, summary="Withdraw an invitation to the organisation")
    def delete(self, request: Request, organisation_id: int, id: int) -> Response:
        invitation = _organisation_invitation(request, organisation_id, id, action="withdraw invitations")
        services.withdraw_member_invitation(invitation=invitation, withdrawn_by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganisationInvitationResend(APIView):
    throttle_classes = [MemberInvitationThrottle]

    @extend_schema(
        request=None,
        responses={202: MemberInvitationSerializer},
        summary="Resend an invitation to the organisation",
        description="A new link with a new expiry is emailed; the previous link stops working.",
    )
    def post(self, request: Request, organisation_id: int, id: int) -> Response:
        invitation = _organisation_invitation(request, organisation_id, id, action="resend invitations")
        resent = services.resend_member_invitation(invitation=invitation, resent_by=request.user)
        return Response(MemberInvitationSerializer(resent).data, status=status.HTTP_202_ACCEPTED)


# --- firms ------------------------------------------------------------------------------------


def _firms_with_role(queryset: QuerySet[Firm], user: Any) -> QuerySet[Firm]:
    mine = FirmMembership.objects.filter(firm=OuterRef("pk"), user=user).values("role")[:1]
    return queryset.annotate(role=Subquery(mine))


def _firm(request: Request, firm_id: int) -> Firm:
    return visible_object(_firms_with_role(Firm.objects.all(), request.user), request.user, firm_id, name="firm")


class FirmList(generics.ListAPIView):
    """The caller's firms with their role in each (GET); anyone signed in founds a firm (POST)."""

    serializer_class = FirmSerializer

    def get_queryset(self) -> QuerySet[Firm]:
        if getattr(self, "swagger_fake_view", False):
            return Firm.objects.none()
        return _firms_with_role(Firm.objects.visible_to(self.request.user), self.request.user).order_by("name", "id")

    @extend_schema(
        request=FirmCreateSerializer,
        responses={201: FirmSerializer},
        summary="Found a firm",
        description="The caller becomes its first admin; the colour defaults to the deployment's.",
    )
    def post(self, request: Request) -> Response:
        given = FirmCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        firm = services.create_firm(**given.validated_data, created_by=request.user)
        return Response(FirmSerializer(_firm(request, firm.pk)).data, status=status.HTTP_201_CREATED)


class FirmDetail(APIView):
    """One of the caller's firms (GET); its admins change its name, colour and logo (PATCH)."""

    parser_classes = [JSONParser, parsers.MultiPartParser]

    @extend_schema(responses={200: FirmSerializer}, summary="A firm")
    def get(self, request: Request, id: int) -> Response:
        return Response(FirmSerializer(_firm(request, id)).data)

    @extend_schema(
        request={"application/json": FirmUpdateJsonSerializer, "multipart/form-data": FirmUpdateSerializer},
        responses={200: FirmSerializer},
        summary="Change a firm's branding",
        description="Admins only. Send the logo as multipart/form-data (PNG or SVG, at most 512 KB); "
        "`logo: null` in JSON removes it. Later roadmaps carry the new branding.",
    )
    def patch(self, request: Request, id: int) -> Response:
        firm = _firm(request, id)
        require_firm_role(request.user, firm, FIRM_ADMIN, action="change the firm's branding")
        data: Any = request.data
        if hasattr(data, "getlist"):
            _require_single_parts(data)
            # multipart/form-data sends every value as text: read a true/false switch as JSON would.
            data = {key: data.get(key) for key in data}
            flag = data.get("require_two_factor_for_clients")
            if flag in ("true", "false"):
                data["require_two_factor_for_clients"] = flag == "true"
        given = FirmUpdateSerializer(data=data)
        given.is_valid(raise_exception=True)
        services.update_firm(firm=firm, **given.validated_data, changed_by=request.user)
        return Response(FirmSerializer(_firm(request, id)).data)


def _require_single_parts(data: Any) -> None:
    """A multipart body names each field once, and at least one (organisations/schema.py says so too)."""
    if not data:
        raise exceptions.ValidationError(
            {"non_field_errors": ["Send at least one of name, colour, logo and require_two_factor_for_clients."]}
        )
    repeated = sorted(key for key in data if len(data.getlist(key)) > 1)
    if repeated:
        raise exceptions.ValidationError({key: ["Given more than once; send it once."] for key in repeated})


class FirmMemberList(generics.ListAPIView):
    """The firm's members and their roles (every member of the firm)."""

    serializer_class = FirmMemberSerializer

    def get_queryset(self) -> QuerySet[FirmMembership]:
        if getattr(self, "swagger_fake_view", False):
            return FirmMembership.objects.none()
        firm = _firm(self.request, self.kwargs["firm_id"])
        return FirmMembership.objects.filter(firm=firm).select_related("user").order_by("id")


def _firm_member(request: Request, firm_id: int, id: int) -> FirmMembership:
    firm = _firm(request, firm_id)
    membership = (
        FirmMembership.objects.filter(firm=firm, pk=id if 0 < id <= MAX_ID else 0).select_related("user").first()
    )
    if membership is None:
        raise NotFound(f"There is no member {id} in {firm.name}.")
    return membership


class FirmMemberDetail(APIView):
    """One member of the firm: read (GET); admins change the role (PATCH) or remove them (DELETE)."""

    @extend_schema(responses={200: FirmMemberSerializer}, summary="A member of the firm")
    def get(self, request: Request, firm_id: int, id: int) -> Response:
        return Response(FirmMemberSerializer(_firm_member(request, firm_id, id)).data)

    @extend_schema(
        request=FirmRoleSerializer,
        responses={200: FirmMemberSerializer},
        summary="Change a member's firm role",
        description="Admins only; the last admin cannot be demoted (409).",
    )
    def patch(self, request: Request, firm_id: int, id: int) -> Response:
        membership = _firm_member(request, firm_id, id)
        require_firm_role(request.user, membership.firm, FIRM_ADMIN, action="change roles")
        given = FirmRoleSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        changed = services.change_firm_role(
            membership=membership, role=given.validated_data["role"], changed_by=request.user
        )
        return Response(FirmMemberSerializer(changed).data)

    @extend_schema(
        request=None,
        responses={204: None},
        summary="Remove a member from the firm",
        description="Admins only (anyone may remove themselves: leave); the last admin cannot go (409).",
    )
    def delete(self, request: Request, firm_id: int, id: int) -> Response:
        membership = _firm_member(request, firm_id, id)
        if membership.user_id != request.user.pk:
            require_firm_role(request.user, membership.firm, FIRM_ADMIN, action="remove members")
        services.remove_firm_member(membership=membership, removed_by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _admin_firm(request: Request, firm_id: int, *, action: str) -> Firm:
    firm = _firm(request, firm_id)
    require_firm_role(request.user, firm, FIRM_ADMIN, action=action)
    return firm


def _firm_invitation(request: Request, firm_id: int, id: int, *, action: str) -> MemberInvitation:
    firm = _admin_firm(request, firm_id, action=action)
    invitation = MemberInvitation.objects.filter(
        firm=firm, organisation__isnull=True, pk=id if 0 < id <= MAX_ID else 0
    ).first()
    if invitation is None:
        raise NotFound(f"There is no invitation {id} in {firm.name}.")
    return invitation


class FirmInvitationList(generics.ListAPIView):
    """The firm's pending invitations (GET) and a new one (POST); admins only."""

    # Invitations sent from one client address are limited (THROTTLE_MEMBER_INVITATIONS); reads are not.
    throttle_classes = [MemberInvitationThrottle]

    serializer_class = MemberInvitationSerializer

    def get_queryset(self) -> QuerySet[MemberInvitation]:
        if getattr(self, "swagger_fake_view", False):
            return MemberInvitation.objects.none()
        firm = _admin_firm(self.request, self.kwargs["firm_id"], action="see invitations")
        return MemberInvitation.objects.pending().filter(firm=firm, organisation__isnull=True)

    @extend_schema(
        request=FirmInviteSerializer,
        responses={202: MemberInvitationSerializer},
        summary="Invite a person to the firm",
        description="Emails a single-use invitation; nothing is granted until it is accepted. The answer is the "
        "same whether or not the address has an account.",
    )
    def post(self, request: Request, firm_id: int) -> Response:
        firm = _admin_firm(request, firm_id, action="invite members")
        given = FirmInviteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        invitation = services.invite_member(firm=firm, **given.validated_data, invited_by=request.user)
        return Response(MemberInvitationSerializer(invitation).data, status=status.HTTP_202_ACCEPTED)


class FirmInvitationDetail(APIView):
    @extend_schema(request=None, responses={204: None}, summary="Withdraw an invitation to the firm")
    def delete(self, request: Request, firm_id: int, id: int) -> Response:
        invitation = _firm_invitation(request, firm_id, id, action="withdraw invitations")
        services.withdraw_member_invitation(invitation=invitation, withdrawn_by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FirmInvitationResend(APIView):
    throttle_classes = [MemberInvitationThrottle]

    @extend_schema(
        request=None,
        responses={202: MemberInvitationSerializer},
        summary="Resend an invitation to the firm",
        description="A new link with a new expiry is emailed; the previous link stops working.",
    )
    def post(self, request: Request, firm_id: int, id: int) -> Response:
        invitation = _firm_invitation(request, firm_id, id, action="resend invitations")
        resent = services.resend_member_invitation(invitation=invitation, resent_by=request.user)
        return Response(MemberInvitationSerializer(resent).data, status=status.HTTP_202_ACCEPTED)
