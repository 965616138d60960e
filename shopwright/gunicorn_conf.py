"""Gunicorn settings for `shopwright serve` (passed as `-c python:shopwright.gunicorn_conf`).

The access log and gunicorn's own error log go through the same
PersonalDataFilter as the application's logs, so neither can hold an email, a
phone number, an IP address or a one-time token from a URL path. The access
line carries no client address and no query string in the first place.

`--bind` and `--workers` are given on the command line by `shopwright serve`.
Each worker runs WEB_THREADS threads (default 4): a thread waiting on
PostgreSQL or Redis lets another request use the core, and the threaded
worker keeps HTTP/1.1 connections open between requests, where gunicorn's
default sync worker closes every one (docs/BENCHMARKS.md has the figures).
"""

from __future__ import annotations

import os
from typing import Any

wsgi_app = "shopwright.wsgi:application"
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# Seconds an idle client connection is kept open; a proxy in front reuses it.
keepalive = 15
# A worker is replaced after this many requests (with jitter, so not all at
# once): whatever memory a long-lived process gathers is given back.
max_requests = 20_000
max_requests_jitter = 2_000
graceful_timeout = 10
# No shared control socket in the home folder: each `serve` is managed by its own process.
control_socket_disable = True

# Time, method, path (no query string), status, bytes, seconds. No %(h)s, no
# %(r)s (it holds the query string), no referer or user agent.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
# A logconfig_dict turns the access log on; its handler writes to stdout.
accesslog = None
errorlog = "-"

_FILTER = "shopwright.core.logging.PersonalDataFilter"

logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": _FILTER}},
    "formatters": {
        "generic": {
            "format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
            "datefmt": "[%Y-%m-%d %H:%M:%S %z]",
        },
        "access": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "generic",
            "filters": ["personal_data"],
            "stream": "ext://sys.stderr",
        },
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "generic",
            "filters": ["personal_data"],
            "stream": "ext://sys.stderr",
        },
        "access_console": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "filters": ["personal_data"],
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        # Levels: gunicorn sets them (error: --log-level, access: INFO).
        "gunicorn.error": {"handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"handlers": ["access_console"], "propagate": False},
    },
}
