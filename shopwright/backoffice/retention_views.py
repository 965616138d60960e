"""Back-office retention settings, the age gate switch, closing a store, and the operators' purge reports.

/office/settings/retention/ (owners and admins): the store's retention
table (category, what it covers, default, the store's own period, bounds),
edited within the legal bounds (privacy.retention.retention_set: any value
out of bounds re-renders the form with status 400 and changes nothing),
and the registration's date-of-birth question (privacy.children).
/office/settings/retention/close-store/ (owner only): closes the store
after the handle is typed (privacy.closures.store_close).
/office/operators/purges/ (platform operators, is_staff): the daily purge's
reports; anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shopwright.backoffice import retention_forms as rf
from shopwright.backoffice.views import StorePageRequest, _ctx, operator_page, platform_ctx, store_page
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, PermissionDeniedError
from shopwright.core.forms import form_add_service_errors
from shopwright.core.requests import AuthenticatedRequest, client_ip
from shopwright.privacy import children, closures, retention
from shopwright.privacy.models import PurgeReport
from shopwright.stores.models import Role

MANAGERS: set[str] = {Role.OWNER, Role.ADMIN}


def _render(
    request: StorePageRequest,
    *,
    form: rf.RetentionForm | None = None,
    age_form: rf.AgeGateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    store = request.membership.store
    rows = retention.retention_table(store=store)
    form = form or rf.RetentionForm(rows=rows)
    age_form = age_form or rf.AgeGateForm(initial={"ask_date_of_birth": store.ask_date_of_birth})
    context = _ctx(
        request,
        rows=rows,
        form=form,
        age_form=age_form,
        is_owner=request.membership.role == Role.OWNER,
    )
    return render(request, "backoffice/settings/retention.html", context, status=status)


@store_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def retention_settings(request: StorePageRequest) -> HttpResponse:
    if request.method == "GET":
        return _render(request)
    store = request.membership.store
    form = rf.RetentionForm(request.POST, rows=retention.retention_table(store=store))
    if not form.is_valid():
        return _render(request, form=form, status=400)
    try:
        changes = retention.retention_set(
            store=store, actor=Actor.user(request.user), values=form.cleaned_data, ip=client_ip(request)
        )
    except ApplicationError as exc:
        form_add_service_errors(form, exc)
        return _render(request, form=form, status=400)
    messages.success(request, "Retention periods saved." if changes else "Nothing changed.")
    return redirect("backoffice:retention_settings")


@store_page(roles=MANAGERS)
@require_POST
def retention_age_gate(request: StorePageRequest) -> HttpResponse:
    form = rf.AgeGateForm(request.POST)
    if not form.is_valid():
        return _render(request, age_form=form, status=400)
    value = form.cleaned_data["ask_date_of_birth"]
    children.store_ask_date_of_birth_set(
        store=request.membership.store, actor=Actor.user(request.user), value=value, ip=client_ip(request)
    )
    if value:
        messages.success(request, "Registration asks for the date of birth; under 14 a guardian must consent.")
    else:
        messages.success(request, "Registration no longer asks for the date of birth.")
    return redirect("backoffice:retention_settings")


@store_page(roles={Role.OWNER})
@require_http_methods(["GET", "POST"])
def store_close(request: StorePageRequest) -> HttpResponse:
    store = request.membership.store
    form = rf.CloseStoreForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                closures.store_close(
                    store=store,
                    actor=Actor.user(request.user),
                    confirm_handle=form.cleaned_data["confirm_handle"],
                    ip=client_ip(request),
                )
            except PermissionDeniedError:
                return render(request, "backoffice/forbidden.html", _ctx(request), status=403)
            except ApplicationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"{store.name} is closed. Every customer is being told; their personal data is erased "
                    f"in {retention.CLOSURE_GRACE_DAYS} days.",
                )
                return redirect("backoffice:retention_settings")
        status = 400
    context = _ctx(request, form=form, grace_days=retention.CLOSURE_GRACE_DAYS)
    return render(request, "backoffice/settings/retention_close.html", context, status=status)


def _report_row(report: PurgeReport) -> dict[str, Any]:
    counts = {k: v for k, v in report.counts.items() if isinstance(v, int)}
    seconds = report.counts.get("seconds", {})
    duration = (report.finished_at - report.started_at).total_seconds() if report.finished_at else None
    return {"report": report, "counts": counts, "seconds": seconds, "duration": duration}


@operator_page
@require_GET
def operator_purges(request: AuthenticatedRequest) -> HttpResponse:
    rows = [_report_row(report) for report in retention.purge_reports()]
    return render(
        request, "backoffice/settings/retention_purges.html", platform_ctx(request, rows=rows, title="Purges")
    )
