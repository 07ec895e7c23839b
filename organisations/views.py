"""Web sign-in and sign-out, the home page, accepting a member invitation, the firm's pages (members,
invitations, branding) and the firm admin's pages: an organisation's export and erasure, the audit log.
Thin: each form calls one service."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from organisations import branding, custody, services
from organisations.errors import DomainError, Gone, InvalidInput, NotFound, StateConflict
from organisations.forms import (
    AuditFilterForm,
    FirmBrandingForm,
    FirmRoleForm,
    InviteForm,
    NewAccountForm,
    OrganisationEraseForm,
)
from organisations.models import (
    AuditEvent,
    Firm,
    FirmMembership,
    FirmRole,
    MemberInvitation,
    Organisation,
    Role,
)
from organisations.throttles import limit_posts

AUDIT_PAGE_SIZE = 50


class LoginView(auth_views.LoginView):
    """Django's sign-in; django-axes locks a (username, address) pair out after repeated failures."""

    template_name = "organisations/login.html"
    redirect_authenticated_user = True
    extra_context = {"failure_limit": settings.AXES_FAILURE_LIMIT}

    def get_initial(self) -> dict[str, Any]:
        # An invitation's page sends its address along, so the invitee only types a password.
        return {"username": self.request.GET.get("username", "")[:150]}


# --- accepting a member invitation ------------------------------------------------------------


def _problem(request: HttpRequest, error: DomainError) -> HttpResponse:
    status = 410 if isinstance(error, Gone) else 404 if isinstance(error, NotFound) else 409
    return render(request, "organisations/invitation_problem.html", {"error": error, "code": error.code}, status=status)


def _landing(invitation: MemberInvitation) -> str:
    """Where a new member arrives: the organisation's page, or the firm's."""
    if invitation.organisation_id is not None:
        try:
            return reverse("assessment:organisation", kwargs={"organisation_id": invitation.organisation_id})
        except NoReverseMatch:
            return reverse("home")
    return reverse("firm", kwargs={"firm_id": invitation.firm_id})


@never_cache
@require_http_methods(["GET", "POST"])
def member_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation's link: sign in or create an account, then accept; a used, withdrawn or expired
    link gets a page saying so (410)."""
    try:
        invitation = services.find_member_invitation(token=token)
    except DomainError as error:
        response = _problem(request, error)
        response["Referrer-Policy"] = "same-origin"
        return response
    form = NewAccountForm(
        request.POST if request.method == "POST" and not request.user.is_authenticated else None,
        initial={"email": invitation.email},
    )
    status = 200
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                services.accept_member_invitation(token=token, user=request.user)
            elif form.is_valid():
                _, user = services.accept_member_invitation_with_new_account(
                    token=token, name=form.cleaned_data["name"], password=form.cleaned_data["password"]
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                status = 400
        except (Gone, NotFound) as error:
            return _problem(request, error)
        except (InvalidInput, StateConflict) as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            status = 400
        if status == 200:
            target = (invitation.organisation or invitation.firm).name
            messages.success(request, f"Welcome: you are now a member of {target} ({invitation.role_label.lower()}).")
            return redirect(_landing(invitation))
    sign_in = f"{reverse('login')}?{_query(next=request.path, username=invitation.email)}"
    response = render(
        request,
        "organisations/join.html",
        {
            "invitation": invitation,
            "target": invitation.organisation or invitation.firm,
            "form": form,
            "sign_in": sign_in,
        },
        status=status,
    )
    # The token is in the address: never pass it on to another site.
    response["Referrer-Policy"] = "same-origin"
    return response


def _query(**params: str) -> str:
    return urlencode(params)


# --- the firm's pages ---------------------------------------------------------------------------


def _firm(request: HttpRequest, firm_id: int, *, admin: bool = False) -> tuple[Firm, str]:
    """One of the caller's firms (404 otherwise) and their role there; 403 when `admin` and they are not."""
    firm = get_object_or_404(Firm.objects.visible_to(request.user), pk=firm_id)
    role = firm.role_of(request.user)
    if admin and role != FirmRole.ADMIN:
        raise PermissionDenied("Only the firm's admins can do this.")
    return firm, str(role)


@login_required
@require_GET
def firms(request: HttpRequest) -> HttpResponse:
    """The caller's firms; with one, straight to it."""
    mine = list(Firm.objects.visible_to(request.user).order_by("name", "id"))
    if len(mine) == 1:
        return redirect("firm", firm_id=mine[0].pk)
    return render(request, "organisations/firms.html", {"firms": mine, "nav_portfolio": bool(mine)})


def _firm_page(request: HttpRequest, firm: Firm, role: str, *, form: InviteForm | None = None, status: int = 200):
    admin = role == FirmRole.ADMIN
    members = FirmMembership.objects.filter(firm=firm).select_related("user").order_by("user__first_name", "id")
    invitations = (
        MemberInvitation.objects.pending().filter(firm=firm, organisation__isnull=True).order_by("-created_at", "-id")
        if admin
        else MemberInvitation.objects.none()
    )
    context = {
        "firm": firm,
        "admin": admin,
        "members": members,
        "invitations": invitations,
        "form": form or InviteForm(firm=True, initial={"role": FirmRole.CONSULTANT}),
        "role_choices": FirmRole.choices,
        "nav_portfolio": True,
    }
    return render(request, "organisations/firm.html", context, status=status)


@login_required
@require_GET
def firm_page(request: HttpRequest, firm_id: int) -> HttpResponse:
    """The firm's members and roles; its admins also see pending invitations and invite people."""
    firm, role = _firm(request, firm_id)
    return _firm_page(request, firm, role)


@login_required
@require_POST
@limit_posts("member-invitation")
def firm_invite(request: HttpRequest, firm_id: int) -> HttpResponse:
    firm, role = _firm(request, firm_id, admin=True)
    form = InviteForm(request.POST, firm=True)
    if form.is_valid():
        try:
            invitation = services.invite_member(firm=firm, **form.cleaned_data, invited_by=request.user)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("firm", firm_id=firm.pk)
    return _firm_page(request, firm, role, form=form, status=400)


def _after(request: HttpRequest, action: Any, success: str, back: str) -> HttpResponse:
    """Run one service; its refusal is shown on the page it came from."""
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(back)


def _firm_member(firm: Firm, member_id: int) -> FirmMembership:
    return get_object_or_404(FirmMembership.objects.select_related("user"), firm=firm, pk=member_id)


@login_required
@require_POST
def firm_member_role(request: HttpRequest, firm_id: int, member_id: int) -> HttpResponse:
    firm, _ = _firm(request, firm_id, admin=True)
    membership = _firm_member(firm, member_id)
    form = FirmRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose admin or consultant.")
        return redirect("firm", firm_id=firm.pk)
    role = form.cleaned_data["role"]
    name = membership.user.get_full_name() or membership.user.get_username()
    return _after(
        request,
        lambda: services.change_firm_role(membership=membership, role=role, changed_by=request.user),
        f"{name} is now {FirmRole(role).label.lower()}.",
        reverse("firm", kwargs={"firm_id": firm.pk}),
    )


@login_required
@require_POST
def firm_member_remove(request: HttpRequest, firm_id: int, member_id: int) -> HttpResponse:
    """An admin removes a member; any member may remove themselves (leave)."""
    firm, role = _firm(request, firm_id)
    membership = _firm_member(firm, member_id)
    leaving = membership.user_id == request.user.pk
    if not leaving and role != FirmRole.ADMIN:
        raise PermissionDenied("Only the firm's admins remove members.")
    name = membership.user.get_full_name() or membership.user.get_username()
    back = reverse("home") if leaving else reverse("firm", kwargs={"firm_id": firm.pk})
    try:
        services.remove_firm_member(membership=membership, removed_by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("firm", firm_id=firm.pk)
    messages.success(request, f"You left {firm.name}." if leaving else f"{name} was removed from {firm.name}.")
    return redirect(back)


def _invitation_of(firm: Firm, invitation_id: int, organisation: Organisation | None = None) -> MemberInvitation:
    return get_object_or_404(MemberInvitation, firm=firm, organisation=organisation, pk=invitation_id)


@login_required
@require_POST
@limit_posts("member-invitation")
def firm_invitation_resend(request: HttpRequest, firm_id: int, invitation_id: int) -> HttpResponse:
    firm, _ = _firm(request, firm_id, admin=True)
    invitation = _invitation_of(firm, invitation_id)
    return _after(
        request,
        lambda: services.resend_member_invitation(invitation=invitation, resent_by=request.user),
        f"A new link was sent to {invitation.email}.",
        reverse("firm", kwargs={"firm_id": firm.pk}),
    )


@login_required
@require_POST
def firm_invitation_withdraw(request: HttpRequest, firm_id: int, invitation_id: int) -> HttpResponse:
    firm, _ = _firm(request, firm_id, admin=True)
    invitation = _invitation_of(firm, invitation_id)
    return _after(
        request,
        lambda: services.withdraw_member_invitation(invitation=invitation, withdrawn_by=request.user),
        f"The invitation of {invitation.email} was withdrawn.",
        reverse("firm", kwargs={"firm_id": firm.pk}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def firm_settings(request: HttpRequest, firm_id: int) -> HttpResponse:
    """The firm's branding on every roadmap: name, colour and logo (admins)."""
    firm, _ = _firm(request, firm_id, admin=True)
    form = FirmBrandingForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "name": firm.name,
            "colour": firm.colour,
            "require_two_factor_for_clients": firm.require_two_factor_for_clients,
        },
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            logo: Any = services.UNCHANGED
            if form.cleaned_data["logo"]:
                logo = form.cleaned_data["logo"]
            elif form.cleaned_data["remove_logo"]:
                logo = None
            try:
                services.update_firm(
                    firm=firm,
                    name=form.cleaned_data["name"],
                    colour=form.cleaned_data["colour"],
                    logo=logo,
                    require_two_factor_for_clients=form.cleaned_data["require_two_factor_for_clients"],
                    changed_by=request.user,
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, "Saved: the next roadmaps carry the new branding.")
                return redirect("firm-settings", firm_id=firm.pk)
    return render(
        request, "organisations/firm_settings.html", {"firm": firm, "form": form, "nav_portfolio": True}, status=status
    )


@login_required
@require_GET
def firm_logo(request: HttpRequest, firm_id: int) -> HttpResponse:
    """The firm's logo, for its members' pages; an SVG is served so that it can run nothing."""
    firm, _ = _firm(request, firm_id)
    return branding.logo_response(firm, max_age=300)


# --- an organisation's invitations (its firm's members) -----------------------------------------


def _organisation_for_invitations(request: HttpRequest, organisation_id: int) -> Organisation:
    organisation = get_object_or_404(
        Organisation.objects.visible_to(request.user).select_related("firm"), pk=organisation_id
    )
    if organisation.role_of(request.user) != Role.CONSULTANT:
        raise PermissionDenied("Only the firm's consultants invite members of an organisation.")
    return organisation


def _organisation_url(organisation: Organisation) -> str:
    return reverse("assessment:organisation", kwargs={"organisation_id": organisation.pk}) + "#members"


@login_required
@require_POST
@limit_posts("member-invitation")
def organisation_invite(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _organisation_for_invitations(request, organisation_id)
    form = InviteForm(request.POST, firm=False)
    if not form.is_valid():
        problems = [f"{form.fields[f].label}: {e[0]}" for f, e in form.errors.items() if f in form.fields]
        messages.error(request, " ".join(problems) or "Give an email address and a role.")
        return redirect(_organisation_url(organisation))
    return _after(
        request,
        lambda: services.invite_member(
            firm=organisation.firm, organisation=organisation, **form.cleaned_data, invited_by=request.user
        ),
        f"Invitation sent to {form.cleaned_data['email']}.",
        _organisation_url(organisation),
    )


@login_required
@require_POST
@limit_posts("member-invitation")
def organisation_invitation_resend(request: HttpRequest, organisation_id: int, invitation_id: int) -> HttpResponse:
    organisation = _organisation_for_invitations(request, organisation_id)
    invitation = _invitation_of(organisation.firm, invitation_id, organisation)
    return _after(
        request,
        lambda: services.resend_member_invitation(invitation=invitation, resent_by=request.user),
        f"A new link was sent to {invitation.email}.",
        _organisation_url(organisation),
    )


@login_required
@require_POST
def organisation_invitation_withdraw(request: HttpRequest, organisation_id: int, invitation_id: int) -> HttpResponse:
    organisation = _organisation_for_invitations(request, organisation_id)
    invitation = _invitation_of(organisation.firm, invitation_id, organisation)
    return _after(
        request,
        lambda: services.withdraw_member_invitation(invitation=invitation, withdrawn_by=request.user),
        f"The invitation of {invitation.email} was withdrawn.",
        _organisation_url(organisation),
    )


# --- custody of an organisation's data, and the audit log (firm admins only) ---------------------


def _administered(request: HttpRequest, organisation_id: int) -> Organisation:
    """One of the caller's organisations (404 otherwise) whose firm they administer (403 otherwise)."""
    visible = Organisation.objects.visible_to(request.user).select_related("firm")
    organisation = get_object_or_404(visible, pk=organisation_id)
    if not organisation.is_administered_by(request.user):
        raise PermissionDenied(f"Only an admin of {organisation.firm.name} can do this.")
    return organisation


@login_required
@require_GET
def organisation_export(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """All of the organisation's data as a ZIP (the same archive as the API's)."""
    organisation = _administered(request, organisation_id)
    content = custody.export_organisation(organisation=organisation, exported_by=request.user)
    name = slugify(organisation.name)[:60].strip("-") or "organisation"
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y-%m-%d}.zip"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def organisation_delete(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Ask for the organisation's name (GET), then delete it and all of its data (POST)."""
    organisation = _administered(request, organisation_id)
    form = OrganisationEraseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                erased = custody.erase_organisation(
                    organisation=organisation, confirm_name=form.cleaned_data["confirm_name"], erased_by=request.user
                )
            except DomainError as error:
                form.add_error("confirm_name", error.message)
            else:
                messages.success(request, f"{erased.name} and all of its data were deleted.")
                return redirect("home")
    return render(
        request, "organisations/organisation_delete.html", {"organisation": organisation, "form": form}, status=status
    )


@login_required
@require_GET
def firm_audit(request: HttpRequest, firm_id: int) -> HttpResponse:
    """The firm's audit log, newest first, 50 a page, filtered by action and organisation."""
    firm = get_object_or_404(Firm.objects.visible_to(request.user), pk=firm_id)
    if firm.role_of(request.user) != FirmRole.ADMIN:
        raise PermissionDenied(f"Only an admin of {firm.name} can read its audit log.")
    filters = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.filter(firm=firm).order_by("-at", "-id")
    query = ""
    if filters.is_valid():
        chosen = {k: v for k, v in filters.cleaned_data.items() if v not in (None, "")}
        if "action" in chosen:
            events = events.filter(action=chosen["action"])
        if "organisation" in chosen:
            events = events.filter(organisation_ref=chosen["organisation"])
        query = urlencode(chosen)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "organisations/firm_audit.html",
        {"firm": firm, "filters": filters, "page": page, "query": query, "nav_portfolio": True},
    )
