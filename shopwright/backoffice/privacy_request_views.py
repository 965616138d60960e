"""Back-office privacy pages: the store's privacy inbox, the operators' inbox, and a merchant's own Privacy page.

Store inbox (/office/privacy/requests/): every member sees the list and a
request's page; owners and admins act (start, complete, refuse with a
reason, resolve a correction, erase). The subject's email is masked; "Reveal"
shows it in that one answer and writes an audit entry. Another store's
request answers 404.

Operators' inbox (/office/operators/privacy/): merchants' own requests (no
store), for platform operators (is_staff) only; anyone else gets 404.

The merchant's own page (/office/account/privacy/): export or delete the
platform account, verified by the password.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shopwright.backoffice.views import StorePageRequest, _ctx, operator_page, platform_ctx, store_page
from shopwright.core.audit import Actor, audit_record
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.forms import form_add_service_errors
from shopwright.core.masking import mask_email
from shopwright.core.requests import AuthenticatedRequest, client_ip
from shopwright.privacy import request_selectors as selectors
from shopwright.privacy import requests as services
from shopwright.privacy.models import DataRequest, RequestChannel, RequestKind, RequestStatus
from shopwright.storefront.privacy_forms import CodeForm, NoteForm, PasswordConfirmForm
from shopwright.stores.models import Role

ACT_ROLES: set[str] = {Role.OWNER, Role.ADMIN}
ACTIONS = ("start", "complete", "refuse", "resolve", "erase")


def _filters(request: AuthenticatedRequest) -> tuple[str, str]:
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    return (status if status in RequestStatus.values else ""), (kind if kind in RequestKind.values else "")


def _available(data_request: DataRequest) -> list[str]:
    """The actions the request's state allows (the services check again)."""
    status, kind = data_request.status, data_request.kind
    found: list[str] = []
    if status == RequestStatus.OPEN and kind != RequestKind.DELETION:
        found.append("start")
    if status in services.ACTIVE and kind in (
        RequestKind.CORRECTION,
        RequestKind.RESTRICTION,
        RequestKind.WITHDRAW_CONSENT,
    ):
        found.append("resolve" if kind == RequestKind.CORRECTION else "complete")
    if status == RequestStatus.OPEN and kind == RequestKind.DELETION:
        found.append("erase")
    if status in services.ACTIVE and not (kind == RequestKind.DELETION and status == RequestStatus.IN_PROGRESS):
        found.append("refuse")
    return found


def _detail_context(data_request: DataRequest, *, can_act: bool, revealed: bool, base: str) -> dict[str, Any]:
    return {
        "row": selectors.request_row(data_request),
        "data_request": data_request,
        "subject_email": data_request.subject_email if revealed else mask_email(data_request.subject_email),
        "agent": data_request.channel == RequestChannel.AGENT,
        "revealed": revealed,
        "timeline": selectors.request_timeline(request=data_request),
        "actions": _available(data_request) if can_act else [],
        "can_act": can_act,
        "note_form": NoteForm(),
        "base": base,
    }


def _act(
    request: AuthenticatedRequest, data_request: DataRequest, action: str, *, redirect_to: str
) -> tuple[HttpResponse | None, NoteForm]:
    """Run one action; a redirect on success, else (None, the form with its messages)."""
    form = NoteForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("note", "") if hasattr(form, "cleaned_data") else ""
    actor, ip = Actor.user(request.user), client_ip(request)
    try:
        if action == "start":
            services.request_start(request=data_request, actor=actor, ip=ip)
            done = "Marked as in progress."
        elif action == "complete":
            services.request_complete(request=data_request, actor=actor, note=note, ip=ip)
            done = "Completed; the person is told by email."
        elif action == "resolve":
            services.request_resolve(request=data_request, actor=actor, note=note, ip=ip)
            done = "Resolved; the person is told by email."
        elif action == "refuse":
            services.request_refuse(request=data_request, actor=actor, reason=note, ip=ip)
            done = "Refused; the person is told why by email."
        elif action == "erase":
            services.request_erase(request=data_request, actor=actor, ip=ip)
            done = "The account is locked and its erasure is running."
        else:
            raise Http404("No such action.")
    except ApplicationError as exc:
        form_add_service_errors(form, exc)
        return None, form
    messages.success(request, done)
    return redirect(redirect_to), form


# --- the store's inbox ------------------------------------------------------------------------------


def _store_request(request: StorePageRequest, request_id: int) -> DataRequest:
    try:
        return selectors.store_inbox_request(store=request.membership.store, request_id=request_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _inbox_context(rows: list[selectors.RequestRow], status: str, kind: str, base: str) -> dict[str, Any]:
    return {
        "rows": rows,
        "status": status,
        "kind": kind,
        "statuses": RequestStatus.choices,
        "kinds": RequestKind.choices,
        "base": base,
    }


@store_page()
@require_GET
def inbox(request: StorePageRequest) -> HttpResponse:
    status, kind = _filters(request)
    rows = selectors.store_inbox(store=request.membership.store, status=status, kind=kind)
    title = "Privacy requests"
    context = _ctx(request, title=title, **_inbox_context(rows, status, kind, "/office/privacy/requests/"))
    return render(request, "backoffice/privacy/inbox.html", context)


def _store_detail(request: StorePageRequest, data_request: DataRequest, **kw: Any) -> HttpResponse:
    status = kw.pop("status", 200)
    form = kw.pop("note_form", None)
    can_act = request.membership.role in ACT_ROLES
    context = _detail_context(data_request, can_act=can_act, base="/office/privacy/requests/", **kw)
    if form is not None:
        context["note_form"] = form
    return render(request, "backoffice/privacy/detail.html", _ctx(request, **context), status=status)


@store_page()
@require_GET
def detail(request: StorePageRequest, request_id: int) -> HttpResponse:
    return _store_detail(request, _store_request(request, request_id), revealed=False)


@store_page(roles=ACT_ROLES)
@require_POST
def reveal(request: StorePageRequest, request_id: int) -> HttpResponse:
    data_request = _store_request(request, request_id)
    audit_record(
        action="privacy.subject_revealed",
        actor=Actor.user(request.user),
        store=request.membership.store,
        obj=data_request,
        ip=client_ip(request),
        details={"fields": ["subject_email", "agent"]},
    )
    response = _store_detail(request, data_request, revealed=True)
    response["Cache-Control"] = "no-store"
    return response


@store_page(roles=ACT_ROLES)
@require_POST
def act(request: StorePageRequest, request_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action.")
    data_request = _store_request(request, request_id)
    done, form = _act(request, data_request, action, redirect_to=f"/office/privacy/requests/{request_id}/")
    if done is not None:
        return done
    data_request.refresh_from_db()
    return _store_detail(request, data_request, revealed=False, note_form=form, status=400)


# --- the operators' inbox ---------------------------------------------------------------------------------


def _operator_request(request_id: int) -> DataRequest:
    try:
        return selectors.operator_inbox_request(request_id=request_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@operator_page
@require_GET
def operator_inbox(request: AuthenticatedRequest) -> HttpResponse:
    status, kind = _filters(request)
    rows = selectors.operator_inbox(status=status, kind=kind)
    context = _inbox_context(rows, status, kind, "/office/operators/privacy/")
    return render(
        request, "backoffice/privacy/inbox.html", platform_ctx(request, title="Operators: privacy requests", **context)
    )


def _operator_detail(request: AuthenticatedRequest, data_request: DataRequest, **kw: Any) -> HttpResponse:
    status = kw.pop("status", 200)
    form = kw.pop("note_form", None)
    context = _detail_context(data_request, can_act=True, base="/office/operators/privacy/", **kw)
    if form is not None:
        context["note_form"] = form
    return render(request, "backoffice/privacy/detail.html", platform_ctx(request, **context), status=status)


@operator_page
@require_GET
def operator_detail(request: AuthenticatedRequest, request_id: int) -> HttpResponse:
    return _operator_detail(request, _operator_request(request_id), revealed=False)


@operator_page
@require_POST
def operator_reveal(request: AuthenticatedRequest, request_id: int) -> HttpResponse:
    data_request = _operator_request(request_id)
    audit_record(
        action="privacy.subject_revealed",
        actor=Actor.user(request.user),
        obj=data_request,
        ip=client_ip(request),
        details={"fields": ["subject_email", "agent"]},
    )
    response = _operator_detail(request, data_request, revealed=True)
    response["Cache-Control"] = "no-store"
    return response


@operator_page
@require_POST
def operator_act(request: AuthenticatedRequest, request_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action.")
    data_request = _operator_request(request_id)
    done, form = _act(request, data_request, action, redirect_to=f"/office/operators/privacy/{request_id}/")
    if done is not None:
        return done
    data_request.refresh_from_db()
    return _operator_detail(request, data_request, revealed=False, note_form=form, status=400)


# --- the merchant's own Privacy page -------------------------------------------------------------------

OWN = "/office/account/privacy/"


def platform_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request, "store", None) is not None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@platform_page
@require_GET
def own_privacy(request: AuthenticatedRequest) -> HttpResponse:
    rows = selectors.requests_for_user(user=request.user)
    return render(request, "backoffice/privacy/account.html", platform_ctx(request, rows=rows))


@platform_page
@require_POST
def own_request_new(request: AuthenticatedRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    if kind not in (RequestKind.EXPORT, RequestKind.DELETION):
        messages.error(request, "Choose a download or a deletion.")
        return redirect(OWN)
    try:
        opened = services.request_open(
            store=None,
            kind=kind,
            channel=RequestChannel.ACCOUNT,
            user=request.user,
            actor=Actor.user(request.user),
            ip=client_ip(request),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(OWN)
    assert opened is not None  # a signed-in request is always opened or refused
    return redirect(f"{OWN}requests/{opened.pk}/")


def _own(request: AuthenticatedRequest, request_id: int) -> DataRequest:
    try:
        return services.request_of_subject(user=request.user, request_id=request_id, ip=client_ip(request))
    except NotFound as exc:
        raise Http404(exc.message) from exc


@platform_page
@require_http_methods(["GET", "POST"])
def own_request(request: AuthenticatedRequest, request_id: int) -> HttpResponse:
    """Confirm one's own request with the password, or with a code emailed to the address on file."""
    data_request = _own(request, request_id)
    by_code = request.method == "POST" and "code" in request.POST
    form = PasswordConfirmForm(request.POST if request.method == "POST" and not by_code else None)
    code_form = CodeForm(request.POST if by_code else None)
    status = 200
    if request.method == "POST" and "send_code" in request.POST:
        try:
            services.request_code_send(request=data_request, ip=client_ip(request))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "We emailed a 6-digit code to the address on your account.")
        return redirect(f"{OWN}requests/{data_request.pk}/")
    if request.method == "POST":
        confirming = code_form if by_code else form
        if confirming.is_valid():
            try:
                if by_code:
                    services.request_verify_code(
                        request=data_request, code=code_form.cleaned_data["code"], ip=client_ip(request)
                    )
                else:
                    services.request_verify_password(
                        request=data_request, password=form.cleaned_data["password"], ip=client_ip(request)
                    )
            except ApplicationError as exc:
                form_add_service_errors(confirming, exc)
                status = exc.status_code
            else:
                messages.success(request, "Verified. The operators answer within 15 days.")
                return redirect(f"{OWN}requests/{data_request.pk}/")
        else:
            status = 400
    data_request.refresh_from_db()
    context = platform_ctx(
        request,
        row=selectors.request_row(data_request),
        data_request=data_request,
        verifying=data_request.status == RequestStatus.VERIFYING,
        form=form,
        code_form=code_form,
    )
    return render(request, "backoffice/privacy/account_request.html", context, status=status)


@platform_page
@require_http_methods(["GET", "POST"])
def own_download(request: AuthenticatedRequest, token: str) -> HttpResponseBase:
    """The merchant's export link: only for the signed-in merchant it was made for; once."""
    from shopwright.privacy import exports

    try:
        archive = exports.export_peek(token=token, ip=client_ip(request))
    except NotFound:
        return render(request, "backoffice/privacy/link_gone.html", platform_ctx(request), status=410)
    if archive.request.store_id is not None or archive.request.user_id != request.user.pk:
        raise Http404("No such download.")
    if request.method == "GET":
        return render(request, "backoffice/privacy/download.html", platform_ctx(request, archive=archive))
    try:
        _opened, stream, filename = exports.export_open(token=token, ip=client_ip(request))
    except ApplicationError:
        return render(request, "backoffice/privacy/link_gone.html", platform_ctx(request), status=410)
    response = FileResponse(stream, as_attachment=True, filename=filename, content_type="application/zip")
    response["Cache-Control"] = "no-store"
    return response
