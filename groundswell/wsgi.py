import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")

# Imported after the settings module is named: they read settings when imported.
from groundswell.lib import media, pagecache

# Public pages under a spike are answered from their short-lived copy before Django's
# middleware runs (groundswell/lib/pagecache.py); /media/ files with a short cache lifetime
# before either (groundswell/lib/media.py).
application = media.front(pagecache.front(get_wsgi_application()))
