import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Import every URL module (and what they import: the SOQL grammar is compiled then) while
# the worker boots, in its main thread. Left to the first request, gunicorn's threaded
# worker compiled it in a request thread, and that first page took half a minute.
_url_patterns = get_resolver().url_patterns
