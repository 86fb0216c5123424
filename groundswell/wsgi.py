import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")

from groundswell.lib import pagecache  # noqa: E402 - needs the settings module named first

# Public pages under a spike are answered from their short-lived copy before Django's
# middleware runs (groundswell/lib/pagecache.py).
application = pagecache.front(get_wsgi_application())
