"""Flash messages ("Saved.") with their storage made only for a request that uses them.

Django's MessageMiddleware builds the message storage for every request:
a cookie storage with its signer and a session storage behind it. Most
requests never show or add a message (every API call, the provider's
pages, the webhooks), and for those that storage reads nothing and writes
nothing. Here it is made the first time something adds, reads or iterates
`request._messages` (django.contrib.messages and the `messages` context
processor reach it only through that attribute); a request that never
touched it leaves nothing to store, which is what Django's `update()` does
with an unused storage too.
"""

from __future__ import annotations

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty


class LazyMessageMiddleware(MessageMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)
