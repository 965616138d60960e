"""WSGI entry of the bare ceiling app: `granian --interface wsgi --working-dir bench bare_app.wsgi:application`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bare_app.settings"
application = get_wsgi_application()
