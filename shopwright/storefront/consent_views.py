"""The store's public privacy pages: its policy (and earlier versions), cookie settings, and the two banners' forms.

Plain HTML forms (POST with CSRF) that work without JavaScript. The cookie
choice goes through privacy.cookies (records + the consent cookie); the
policy banner's acceptance through privacy.policies.policy_accept.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.links import platform_url
from shopwright.core.requests import StorefrontRequest
from shopwright.privacy import cookies, policies
from shopwright.privacy.models import ConsentChannel


def _safe_next(request: StorefrontRequest, default: str = "/") -> str:
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@require_GET
def policy_page(request: StorefrontRequest, version: int | None = None) -> HttpResponse:
    published = policies.policy_versions(request.store)
    if version is None:
        shown = published[0] if published else None
    else:
        shown = next((v for v in published if v.version == version), None)
        if shown is None:
            raise Http404("No such version of the policy.")
    context = {
        "policy": shown,
        "versions": published,
        "is_current": bool(published) and shown == published[0],
        "platform_policy_url": platform_url("/privacy/"),
    }
    return render(request, "storefront/privacy/policy.html", context)


@require_POST
def policy_accept(request: StorefrontRequest) -> HttpResponse:
    customer = request.customer
    if customer is None:
        return redirect("/account/login/?next=/privacy/policy/")
    try:
        version = policies.policy_version_get(request.store, version_id=int(request.POST.get("version", "")))
        policies.policy_accept(version=version, customer=customer, evidence=policies.POLICY_BANNER_TEXT)
    except (ValueError, NotFound):
        messages.error(request, "That policy version cannot be accepted here.")
        return redirect("/privacy/policy/")
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("/privacy/policy/")
    messages.success(request, "Thank you: you accepted the new privacy policy.")
    return redirect(_safe_next(request))


def _save_choice(request: StorefrontRequest, categories: list[str], *, evidence: str, to: str) -> HttpResponse:
    response = HttpResponseRedirect(to)
    try:
        cookies.cookie_choice_save(
            request=request,
            response=response,
            store=request.store,
            categories=categories,
            customer=request.customer,
            channel=ConsentChannel.COOKIE_BANNER,
            evidence=evidence,
        )
    except ApplicationError as exc:  # a locked account: its choices can no longer change
        messages.error(request, exc.message)
        return redirect(to)
    return response


@require_POST
def cookie_choice(request: StorefrontRequest) -> HttpResponse:
    """The banner's two buttons: "Accept all" (choice=all) and "Necessary only" (choice=necessary)."""
    choice = request.POST.get("choice", "")
    if choice == "all":
        categories = list(cookies.OPTIONAL_CATEGORIES)
    elif choice == "necessary":
        categories = []
    else:
        messages.error(request, "Choose “Accept all” or “Necessary only”, or open the cookie settings.")
        return redirect("/privacy/cookies/")
    return _save_choice(request, categories, evidence=cookies.BANNER_TEXT, to=_safe_next(request))


@require_http_methods(["GET", "POST"])
def cookie_settings(request: StorefrontRequest) -> HttpResponse:
    if request.method == "POST":
        wanted = [c for c in request.POST.getlist("categories") if c in cookies.OPTIONAL_CATEGORIES]
        response = _save_choice(request, wanted, evidence=cookies.SETTINGS_TEXT, to="/privacy/cookies/")
        if response.status_code == 302 and response.cookies.get(cookies.CONSENT_COOKIE) is not None:
            messages.success(request, "Your cookie choice is saved.")
        return response
    choice = cookies.cookie_choice(request)
    registry = cookies.cookie_registry()
    categories = [
        {
            "key": key,
            "label": cookies.CATEGORY_LABELS[key],
            "description": cookies.CATEGORY_DESCRIPTIONS[key],
            "always_on": key == cookies.NECESSARY,
            "allowed": key == cookies.NECESSARY or (choice is not None and key in choice.categories),
            "cookies": [info for info in registry if info.category == key],
        }
        for key in (cookies.NECESSARY, *cookies.OPTIONAL_CATEGORIES)
    ]
    context = {"categories": categories, "chosen": choice is not None, "settings_text": cookies.SETTINGS_TEXT}
    return render(request, "storefront/privacy/cookies.html", context)
