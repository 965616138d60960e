"""The merchant back office on the platform host (/office/)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from shopwright.backoffice.forms import InviteForm, RoleForm, StaffAccountForm, StoreForm
from shopwright.backoffice.session import CURRENT_STORE_KEY
from shopwright.core.exceptions import ApplicationError, NotFound, PermissionDeniedError, RateLimited
from shopwright.core.forms import form_add_service_errors
from shopwright.core.links import store_url
from shopwright.core.models import AuditEntry
from shopwright.core.requests import AuthenticatedRequest, client_ip
from shopwright.stores import selectors, services
from shopwright.stores.models import Membership, Role, User


class StorePageRequest(AuthenticatedRequest):
    """A request to a `store_page` view (annotations only): the decorator sets these."""

    membership: Membership  # the signed-in user's membership of the current store
    memberships: list[Membership]  # all of the user's memberships, for the store switcher


def _current_membership(request: AuthenticatedRequest) -> tuple[Membership | None, list[Membership]]:
    memberships = selectors.memberships_for_user(user=request.user)
    wanted = request.session.get(CURRENT_STORE_KEY)
    current = next((m for m in memberships if m.store_id == wanted), None)
    if current is None and memberships:
        current = memberships[0]
        request.session[CURRENT_STORE_KEY] = current.store_id
    return current, memberships


def store_page(*, roles: set[str] | None = None) -> Callable[..., Any]:
    """A back-office page about the current store, for the given roles."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if getattr(request, "store", None) is not None:
                raise Http404
            current, memberships = _current_membership(request)
            if current is None:
                return redirect("backoffice:store_new")
            if roles and current.role not in roles:
                return render(
                    request,
                    "backoffice/forbidden.html",
                    {"membership": current, "memberships": memberships},
                    status=403,
                )
            page = cast(StorePageRequest, request)  # this decorator sets the membership
            page.membership = current
            page.memberships = memberships
            return view(page, *args, **kwargs)

        return wrapper

    return decorator


def operator_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A back-office page for platform operators (is_staff) only; anyone else, and any store host, gets 404."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "store", None) is not None or not request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def platform_ctx(request: AuthenticatedRequest, **extra: Any) -> dict[str, Any]:
    """Context of a page about the user or the platform rather than one store (the store switcher still shows)."""
    current, memberships = _current_membership(request)
    return {"membership": current, "store": current.store if current else None, "memberships": memberships, **extra}


def _ctx(request: StorePageRequest, **extra: Any) -> dict[str, Any]:
    membership = request.membership
    return {
        "membership": membership,
        "store": membership.store,
        "memberships": request.memberships,
        "store_url": store_url(membership.store),
        **extra,
    }


@store_page()
def dashboard(request: StorePageRequest) -> HttpResponse:
    return render(request, "backoffice/dashboard.html", _ctx(request))


@login_required
@require_POST
def store_switch(request: AuthenticatedRequest) -> HttpResponse:
    try:
        store_id = int(request.POST.get("store_id", ""))
    except ValueError:
        return redirect("backoffice:dashboard")
    memberships = selectors.memberships_for_user(user=request.user)
    if any(m.store_id == store_id for m in memberships):
        request.session[CURRENT_STORE_KEY] = store_id
    return redirect("backoffice:dashboard")


@login_required
@require_http_methods(["GET", "POST"])
def store_new(request: AuthenticatedRequest) -> HttpResponse:
    form = StoreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            store = services.store_create(
                owner=request.user,
                name=form.cleaned_data["store_name"],
                handle=form.cleaned_data["store_handle"],
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            form_add_service_errors(form, exc)
        else:
            request.session[CURRENT_STORE_KEY] = store.pk
            messages.success(request, f"{store.name} is created.")
            return redirect("backoffice:dashboard")
    memberships = selectors.memberships_for_user(user=request.user)
    return render(
        request,
        "backoffice/store_new.html",
        {"form": form, "memberships": memberships},
        status=400 if form.errors else 200,
    )


@store_page()
def staff(request: StorePageRequest) -> HttpResponse:
    membership = request.membership
    if request.method == "POST" and membership.role not in (Role.OWNER, Role.ADMIN):
        # Staff may see the list but not invite: say so instead of ignoring the form.
        return render(request, "backoffice/forbidden.html", _ctx(request), status=403)
    invite_form = InviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if invite_form.is_valid():
            try:
                services.staff_invite(
                    store=membership.store,
                    inviter=request.user,
                    email=invite_form.cleaned_data["email"],
                    role=invite_form.cleaned_data["role"],
                    ip=client_ip(request),
                )
            except ApplicationError as exc:
                form_add_service_errors(invite_form, exc)
                status = exc.status_code if isinstance(exc, RateLimited) else 400
            else:
                messages.success(request, "The invitation is on its way.")
                return redirect("backoffice:staff")
        else:
            status = 400
    revealed = request.session.pop("revealed_member", None)
    return render(
        request,
        "backoffice/staff.html",
        _ctx(
            request,
            members=selectors.store_members(store=membership.store),
            invitations=selectors.pending_invitations(store=membership.store),
            invite_form=invite_form,
            can_invite=membership.role in (Role.OWNER, Role.ADMIN),
            can_change_roles=membership.role == Role.OWNER,
            revealed_member=revealed,
        ),
        status=status,
    )


@store_page(roles={Role.OWNER})
@require_POST
def staff_role(request: StorePageRequest, membership_id: int) -> HttpResponse:
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_change_role(
                store=request.membership.store,
                actor=request.user,
                membership_id=membership_id,
                role=form.cleaned_data["role"],
                ip=client_ip(request),
            )
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "The role is changed.")
    return redirect("backoffice:staff")


@store_page(roles={Role.OWNER, Role.ADMIN})
@require_POST
def staff_reveal(request: StorePageRequest, membership_id: int) -> HttpResponse:
    """Show one member's full name and email once; the service audits the reveal."""
    try:
        member = services.staff_member_reveal(
            store=request.membership.store,
            actor=request.user,
            membership_id=membership_id,
            ip=client_ip(request),
        )
    except NotFound as exc:
        raise Http404 from exc
    except PermissionDeniedError:
        return render(request, "backoffice/forbidden.html", _ctx(request), status=403)
    request.session["revealed_member"] = member.pk
    return redirect("backoffice:staff")


@store_page(roles={Role.OWNER, Role.ADMIN})
def audit_log(request: StorePageRequest) -> HttpResponse:
    store = request.membership.store
    return render(request, "backoffice/audit.html", _ctx(request, entries=selectors.store_audit_log(store=store)))


# How the account activity page names each audited action; others show their code.
ACCOUNT_EVENTS = {
    "merchant.signup": "Account created",
    "staff.signup": "Account created from a staff invitation",
    "operator.create": "Operator account created",
    "merchant.email_verified": "Email address verified",
    "login.succeeded": "Signed in",
    "login.failed": "Failed sign-in",
    "store.create": "Store created",
    "store.live": "Store went live",
    "staff.invite": "Invited a staff member",
    "staff.join": "Joined a store",
    "staff.role_change": "Changed a staff member's role",
}


def _account_event_label(entry: AuditEntry, user: User) -> str:
    if entry.action == "personal_data.reveal":
        if entry.object_type == User._meta.label_lower and entry.object_id == str(user.pk):
            return "Your name and email were shown in full to a store owner or admin"
        return "Revealed a staff member's name and email"
    label = ACCOUNT_EVENTS.get(entry.action, entry.action)
    if entry.action == "login.failed" and entry.details.get("locked_out"):
        label += " (sign-in locked for a while)"
    return label


@login_required
def account_activity(request: AuthenticatedRequest) -> HttpResponse:
    """The signed-in user's own security events: sign-ins, failed attempts, lock-outs, changes."""
    if getattr(request, "store", None) is not None:
        raise Http404
    user = request.user
    current, memberships = _current_membership(request)
    entries = selectors.account_activity(user=user)
    store_names = selectors.store_names(store_ids={e.store_id for e in entries if e.store_id})
    rows = [
        {
            "entry": e,
            "label": _account_event_label(e, user),
            "store_name": store_names.get(e.store_id, "") if e.store_id else "",
        }
        for e in entries
    ]
    return render(
        request,
        "backoffice/account_activity.html",
        {
            "rows": rows,
            "membership": current,
            "store": current.store if current else None,
            "memberships": memberships,
        },
    )


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Accept a staff invitation: signed in with the invited email, or by creating an account."""
    try:
        inv = services.staff_invitation_for_token(token=token)
    except ApplicationError as exc:
        return render(request, "backoffice/invitation_invalid.html", {"message": exc.message}, status=400)
    form = StaffAccountForm(request.POST or None) if not request.user.is_authenticated else None
    error = ""
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                membership = services.staff_invitation_accept(token=token, user=request.user, ip=client_ip(request))
            elif form is not None and form.is_valid():
                membership = services.staff_account_create(
                    token=token,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password"],
                    ip=client_ip(request),
                )
                login(request, membership.user, backend="shopwright.stores.auth.EmailBlindIndexBackend")
            else:
                membership = None
        except PermissionDeniedError as exc:
            error = exc.message
        except ApplicationError as exc:
            if form is not None:
                form_add_service_errors(form, exc)
            else:
                error = exc.message
        else:
            if membership is not None:
                request.session[CURRENT_STORE_KEY] = membership.store_id
                messages.success(request, f"You joined {membership.store.name}.")
                return redirect("backoffice:dashboard")
    return render(
        request,
        "backoffice/invitation.html",
        {"invitation": inv, "form": form, "error": error, "token": token},
        status=400 if (error or (form is not None and form.errors)) else 200,
    )
