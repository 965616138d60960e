"""The platform's public privacy policy (/privacy/) and a merchant's acceptance of a changed one (the banner)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.requests import AuthenticatedRequest
from shopwright.privacy import policies


@require_GET
def platform_policy(request: HttpRequest, version: int | None = None) -> HttpResponse:
    published = policies.policy_versions(None)
    if version is None:
        shown = published[0] if published else None
    else:
        shown = next((v for v in published if v.version == version), None)
        if shown is None:
            raise Http404("No such version of the policy.")
    context = {"policy": shown, "versions": published, "is_current": bool(published) and shown == published[0]}
    return render(request, "platform/privacy_policy.html", context)


@login_required
@require_POST
def platform_policy_accept(request: AuthenticatedRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not (target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})):
        target = "/office/"
    try:
        version = policies.policy_version_get(None, version_id=int(request.POST.get("version", "")))
        policies.policy_accept(version=version, user=request.user, evidence=policies.POLICY_BANNER_TEXT)
    except (ValueError, NotFound):
        messages.error(request, "That policy version cannot be accepted.")
        return redirect("/privacy/")
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("/privacy/")
    messages.success(request, "Thank you: you accepted the new privacy policy.")
    return redirect(target)
