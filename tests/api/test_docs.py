"""The interactive API docs work under our Content-Security-Policy."""

import re

import pytest

from tests.factories import host, make_merchant


@pytest.mark.django_db
@pytest.mark.parametrize("on_store_host", [False, True])
def test_docs_load_only_our_own_scripts_and_styles(client, on_store_host):
    http_host = host(make_merchant().store) if on_store_host else "localhost"
    page = client.get("/api/v1/docs", HTTP_HOST=http_host)
    assert page.status_code == 200
    html = page.content.decode()
    assert "script-src 'self'" in page["Content-Security-Policy"]

    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources, "the docs page loads Swagger UI"
    assert all(src.startswith("/static/") for src in sources), sources
    # Every <script> either loads a file or carries JSON data: nothing inline for the CSP to block.
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
        assert "src=" in attrs or 'type="application/json"' in attrs or not body.strip()
    for src in sources:
        assert client.get(src, HTTP_HOST=http_host).status_code == 200, src
