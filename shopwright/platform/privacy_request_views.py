"""The platform's privacy contact form and its emailed links: a merchant's own data, answered by the operators.

The same services as the storefront's form (privacy.requests) with no store:
the link goes to the merchant account's address on file, never to an address
only typed in, and the page answers the same whether or not an account uses it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from shopwright.core.exceptions import ApplicationError
from shopwright.core.requests import client_ip
from shopwright.privacy import requests as services
from shopwright.privacy.models import RequestChannel, RequestKind
from shopwright.storefront.order_views import private_page
from shopwright.storefront.privacy_forms import PlatformContactRequestForm
from shopwright.storefront.privacy_request_views import contact_submit


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    form = PlatformContactRequestForm(request.POST or None)
    status = contact_submit(request, form, store=None) if request.method == "POST" else 200
    if status is None:
        return render(request, "platform/privacy_request.html", {"state": "sent", "message": services.SAME_ANSWER})
    return render(request, "platform/privacy_request.html", {"state": "form", "form": form}, status=status)


def _link_page(request: HttpRequest, token: str, *, agent: bool) -> HttpResponse:
    def gone(message: str) -> HttpResponse:
        return private_page(
            render(request, "platform/privacy_request.html", {"state": "gone", "message": message}, status=410)
        )

    try:
        found = services.request_for_link(store=None, token=token)
    except ApplicationError as exc:
        return gone(exc.message)
    if (found.channel == RequestChannel.AGENT) != agent:
        return gone("This link is invalid, has expired or was already used.")
    if request.method == "POST":
        confirm = request.POST.get("answer", "confirm") != "decline"
        try:
            done = services.request_verify_link(store=None, token=token, confirm=confirm, ip=client_ip(request))
        except ApplicationError as exc:
            return gone(exc.message)
        context = {"state": "done", "data_request": done, "declined": not confirm}
        return private_page(render(request, "platform/privacy_request.html", context))
    context = {"state": "confirm", "data_request": found, "kind_label": RequestKind(found.kind).label, "agent": agent}
    return private_page(render(request, "platform/privacy_request.html", context))


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    return _link_page(request, token, agent=False)


@require_http_methods(["GET", "POST"])
def agent_confirm(request: HttpRequest, token: str) -> HttpResponse:
    return _link_page(request, token, agent=True)
