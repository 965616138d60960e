"""/ : the 24-item listing (the ceiling); /hello : plain text (the server's own ceiling)."""

from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

# Built once per process: the view reads nothing but memory.
ITEMS = [
    {
        "handle": f"product-{i}",
        "title": f"Product number {i}",
        "vendor": "Bench Vendor",
        "price": f"${Decimal('19.99') + i:.2f}",
        "compare_at": f"${Decimal('29.99') + i:.2f}" if i % 4 == 0 else "",
        "image": f"/media/bench/{i}",
    }
    for i in range(24)
]


def listing(request: HttpRequest) -> HttpResponse:
    return render(request, "listing.html", {"title": "Bench collection", "items": ITEMS})


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, world.", content_type="text/plain")


urlpatterns = [path("", listing), path("hello", hello)]
