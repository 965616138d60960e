"""Settings of the bare ceiling app (see __init__.py). Not a deployable project."""

from pathlib import Path

SECRET_KEY = "bench-only-not-secret"  # nothing is signed
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "bare_app.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        # Django caches compiled templates by default; said here because the ceiling depends on it.
        "OPTIONS": {
            "loaders": [("django.template.loaders.cached.Loader", ["django.template.loaders.filesystem.Loader"])]
        },
    }
]
