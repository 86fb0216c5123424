import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")

from groundswell.lib import media, pagecache  # noqa: E402 - needs the settings module named first

# Public pages under a spike are answered from their short-lived copy before Django's
# middleware runs (groundswell/lib/pagecache.py); /media/ files with a short cache lifetime
# before either (groundswell/lib/media.py).
application = media.front(pagecache.front(get_wsgi_application()))
