"""The public privacy request pages of a store (no sign-in): the contact form, the emailed links, the download.

Whatever is typed into the form, the answer is the same: "if we hold data for
this address, we emailed a link" (privacy.requests.SAME_ANSWER), so the form
cannot be used to learn who is a customer. Links from emails open a page
with a button; only the button (a POST) uses the link, so a mail scanner
that fetches links does not spend them. A used, expired or forged link
answers 410 with a page that says so.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound, RateLimited
from shopwright.core.forms import form_add_service_errors
from shopwright.core.requests import StorefrontRequest, client_ip
from shopwright.privacy import requests as services
from shopwright.privacy.models import RequestChannel, RequestKind
from shopwright.storefront.order_views import private_page
from shopwright.storefront.privacy_forms import ContactRequestForm
from shopwright.stores.models import Store


def _gone(request: StorefrontRequest, message: str) -> HttpResponse:
    return private_page(render(request, "storefront/privacy/link_gone.html", {"message": message}, status=410))


@require_http_methods(["GET", "POST"])
def contact(request: StorefrontRequest) -> HttpResponse:
    # Links from the guardian pages open the form with "?who=guardian" chosen; unknown values are ignored.
    who = request.GET.get("who", "")
    initial = {"who": who} if who in dict(ContactRequestForm.WHO) else {}
    form = ContactRequestForm(request.POST or None, initial=initial)
    status = contact_submit(request, form, store=request.store) if request.method == "POST" else 200
    if status is None:
        return render(request, "storefront/privacy/contact_sent.html", {"message": services.SAME_ANSWER})
    return render(request, "storefront/privacy/contact.html", {"form": form}, status=status)


def contact_submit(request: HttpRequest, form: ContactRequestForm, *, store: Store | None) -> int | None:
    """Open the request a posted contact form asks for (store None: the platform's). None when sent
    (the same answer whether or not data is on file), else the status of the form page with its errors."""
    if not form.is_valid():
        return 400
    data = form.cleaned_data
    agent = data["who"] == RequestChannel.AGENT
    try:
        services.request_open(
            store=store,
            kind=data["kind"],
            channel=data["who"],
            email=data["email"],
            details=data["details"],
            agent_name=data["agent_name"] if agent else "",
            agent_email=data["agent_email"] if agent else "",
            actor=Actor.anonymous(),
            ip=client_ip(request),
        )
    except RateLimited as exc:
        form.add_error(None, exc.message)
        return 429
    except ApplicationError as exc:
        form_add_service_errors(form, exc)
        return 400
    return None


def _link_page(request: StorefrontRequest, token: str, *, agent: bool) -> HttpResponse:
    try:
        found = services.request_for_link(store=request.store, token=token)
    except ApplicationError as exc:
        return _gone(request, exc.message)
    if (found.channel == RequestChannel.AGENT) != agent:
        return _gone(request, "This link is invalid, has expired or was already used.")
    if request.method == "POST":
        confirm = request.POST.get("answer", "confirm") != "decline"
        try:
            done = services.request_verify_link(
                store=request.store, token=token, confirm=confirm, ip=client_ip(request)
            )
        except ApplicationError as exc:
            return _gone(request, exc.message)
        return private_page(
            render(
                request,
                "storefront/privacy/link_done.html",
                {
                    "data_request": done,
                    "declined": not confirm,
                    "exported": done.kind in (RequestKind.EXPORT, RequestKind.ACCESS),
                },
            )
        )
    return private_page(
        render(
            request,
            "storefront/privacy/link_confirm.html",
            {"data_request": found, "kind_label": RequestKind(found.kind).label, "agent": agent},
        )
    )


@require_http_methods(["GET", "POST"])
def verify(request: StorefrontRequest, token: str) -> HttpResponse:
    return _link_page(request, token, agent=False)


@require_http_methods(["GET", "POST"])
def agent_confirm(request: StorefrontRequest, token: str) -> HttpResponse:
    return _link_page(request, token, agent=True)


@require_http_methods(["GET", "POST"])
def download(request: StorefrontRequest, token: str) -> HttpResponseBase:
    """The export's one-time link: a page with a button; the POST streams the ZIP, once."""
    from shopwright.privacy import exports

    try:
        archive = exports.export_peek(token=token, ip=client_ip(request))
    except NotFound:
        return _gone(request, "This download link was already used or has expired. Ask for a new export.")
    if archive.request.store_id != request.store.pk:
        raise Http404("No such download.")
    if request.method == "GET":
        return private_page(render(request, "storefront/privacy/download.html", {"archive": archive}))
    try:
        opened, stream, filename = exports.export_open(token=token, ip=client_ip(request))
    except ApplicationError as exc:
        return _gone(request, exc.message)
    if opened.request.store_id != request.store.pk:
        stream.close()
        raise Http404("No such download.")
    response = FileResponse(stream, as_attachment=True, filename=filename, content_type="application/zip")
    response["Cache-Control"] = "no-store"
    return response
