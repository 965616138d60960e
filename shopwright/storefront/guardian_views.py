"""The guardian's page (F18): what a child's account holds, and "I consent" / "I don't consent".

Reached only through the signed link emailed to the guardian
(privacy.children.guardian_link); a forged, expired, answered or other
store's link gets the same 400 page and changes nothing.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from shopwright.core.exceptions import ApplicationError
from shopwright.core.masking import mask_email
from shopwright.core.requests import StorefrontRequest, client_ip
from shopwright.privacy import children
from shopwright.storefront.order_views import private_page

DECISIONS = {"consent", "refuse"}


def _invalid(request: StorefrontRequest, message: str) -> HttpResponse:
    return private_page(render(request, "storefront/guardian/invalid.html", {"message": message}, status=400))


@require_http_methods(["GET", "POST"])
def guardian_consent(request: StorefrontRequest, token: str) -> HttpResponse:
    store = request.store
    try:
        child = children.guardian_link_read(store=store, token=token)
    except ApplicationError as exc:
        return _invalid(request, exc.message)
    error = ""
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        if decision not in DECISIONS:
            error = "Choose whether you consent or not."
        else:
            try:
                if decision == "consent":
                    children.guardian_consent_give(store=store, token=token, ip=client_ip(request))
                else:
                    children.guardian_consent_refuse(store=store, token=token, ip=client_ip(request))
            except ApplicationError as exc:
                return _invalid(request, exc.message)
            return private_page(render(request, "storefront/guardian/done.html", {"decision": decision}))
    context = {
        "child_name": child.name,
        "child_email": mask_email(child.email),
        "consent_text": children.guardian_consent_text(store=store),
        "due_at": child.guardian_consent_due_at,
        "error": error,
    }
    return private_page(render(request, "storefront/guardian/consent.html", context, status=400 if error else 200))
