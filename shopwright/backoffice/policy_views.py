"""Privacy policy editors: the store's (owners and admins, /office/settings/privacy-policy/) and the
platform's (operators, /office/operators/policy/).

Both editors work the same way through privacy.policies: the page edits the
scope's draft (started from the current version or from the template),
"Publish" freezes it. A service error re-renders the form with status 400,
nothing saved. Another store's version id is a 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shopwright.backoffice.views import StorePageRequest, _ctx, operator_page, platform_ctx, store_page
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.forms import form_add_service_errors
from shopwright.core.requests import AuthenticatedRequest
from shopwright.privacy import policies, policy_templates
from shopwright.stores.models import Role, Store

MANAGERS: set[str] = {Role.OWNER, Role.ADMIN}


class PolicyForm(forms.Form):
    title = forms.CharField(label="Title", required=False, max_length=policies.TITLE_MAX)
    body = forms.CharField(
        label="Policy text",
        required=False,
        widget=forms.Textarea(attrs={"rows": 30}),
        help_text="Plain text; an empty line starts a new paragraph.",
    )
    change_summary = forms.CharField(
        label="What changed",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown with the new version, in the email and in the banner.",
    )
    is_major = forms.BooleanField(
        label="Major change",
        required=False,
        help_text="Changes how personal data is used: publishing emails every account and asks each to accept "
        "the policy again; until they do, what needs their consent is stopped. Leave off for wording fixes.",
    )


def _initial(scope: Store | None) -> dict[str, Any]:
    """The draft if one is being written, else the current version to edit from, else the template."""
    source = policies.policy_draft(scope) or policies.policy_current(scope)
    if source is not None:
        return {
            "title": source.title,
            "body": source.body,
            "change_summary": source.change_summary if source.published_at is None else "",
            "is_major": source.is_major if source.published_at is None else False,
        }
    return _template(scope)


def _template(scope: Store | None) -> dict[str, Any]:
    title, body = (
        policy_templates.store_policy_template(scope)
        if scope is not None
        else policy_templates.platform_policy_template()
    )
    return {"title": title, "body": body, "change_summary": "", "is_major": False}


def _editor(
    request: AuthenticatedRequest,
    *,
    scope: Store | None,
    base: str,
    context: dict[str, Any],
) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                policies.policy_draft_save(
                    store=scope,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    change_summary=form.cleaned_data["change_summary"],
                    is_major=form.cleaned_data["is_major"],
                    author=request.user,
                    actor=Actor.user(request.user),
                )
            except ApplicationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, "The draft is saved. Publish it when it is ready.")
                return redirect(base)
        status = 400
    elif request.GET.get("template") == "1":
        form = PolicyForm(initial=_template(scope))
    else:
        form = PolicyForm(initial=_initial(scope))
    page = {
        "form": form,
        "draft": policies.policy_draft(scope),
        "current": policies.policy_current(scope),
        "versions": policies.policy_versions(scope, published_only=False),
        "base": base,
        "public_url": context.pop("public_url"),
        **context,
    }
    return render(request, "backoffice/settings/privacy_policy.html", page, status=status)


def _publish(request: AuthenticatedRequest, *, scope: Store | None, base: str) -> HttpResponse:
    try:
        version = policies.policy_version_get(scope, version_id=int(request.POST.get("version", "")))
        published = policies.policy_publish(version=version, actor=Actor.user(request.user))
    except (ValueError, NotFound) as exc:
        raise Http404("No such policy version.") from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(base)
    if published.is_major:
        messages.success(
            request,
            f"Version {published.version} is published. Every account is being emailed and will be asked to accept it.",
        )
    else:
        messages.success(request, f"Version {published.version} is published.")
    return redirect(base)


def _version_page(
    request: AuthenticatedRequest, *, scope: Store | None, version_id: int, base: str, context: dict[str, Any]
) -> HttpResponse:
    try:
        version = policies.policy_version_get(scope, version_id=version_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(
        request, "backoffice/settings/privacy_policy_version.html", {"version": version, "base": base, **context}
    )


# --- the store's policy ------------------------------------------------------------------------------------

STORE_BASE = "/office/settings/privacy-policy/"


def _store_context(request: StorePageRequest) -> dict[str, Any]:
    from shopwright.core.links import store_url

    return _ctx(request, title="Privacy policy", public_url=store_url(request.membership.store, "/privacy/policy/"))


@store_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def store_policy(request: StorePageRequest) -> HttpResponse:
    return _editor(request, scope=request.membership.store, base=STORE_BASE, context=_store_context(request))


@store_page(roles=MANAGERS)
@require_POST
def store_policy_publish(request: StorePageRequest) -> HttpResponse:
    return _publish(request, scope=request.membership.store, base=STORE_BASE)


@store_page(roles=MANAGERS)
@require_GET
def store_policy_version(request: StorePageRequest, version_id: int) -> HttpResponse:
    context = _store_context(request)
    context.pop("public_url")
    return _version_page(
        request, scope=request.membership.store, version_id=version_id, base=STORE_BASE, context=context
    )


# --- the platform's policy (operators) -------------------------------------------------------------------

OPERATOR_BASE = "/office/operators/policy/"


def _operator_context(request: AuthenticatedRequest) -> dict[str, Any]:
    from shopwright.core.links import platform_url

    return platform_ctx(request, title="Platform privacy policy", public_url=platform_url("/privacy/"))


@operator_page
@require_http_methods(["GET", "POST"])
def operator_policy(request: AuthenticatedRequest) -> HttpResponse:
    return _editor(request, scope=None, base=OPERATOR_BASE, context=_operator_context(request))


@operator_page
@require_POST
def operator_policy_publish(request: AuthenticatedRequest) -> HttpResponse:
    return _publish(request, scope=None, base=OPERATOR_BASE)


@operator_page
@require_GET
def operator_policy_version(request: AuthenticatedRequest, version_id: int) -> HttpResponse:
    context = _operator_context(request)
    context.pop("public_url")
    return _version_page(request, scope=None, version_id=version_id, base=OPERATOR_BASE, context=context)
