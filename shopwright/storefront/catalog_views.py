"""Storefront catalog pages: home, collections, products, sitemap and robots."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from shopwright.core.requests import StorefrontRequest


def home(request: StorefrontRequest) -> HttpResponse:
    return render(request, "storefront/home.html")
