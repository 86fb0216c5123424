"""A pytest plugin loaded with `-p` before Django reads its settings.

It sets the environment every test run needs: tasks run inline, mail stays in memory,
outbound HTTP may reach the loopback servers tests start, and generated files (secret
key, media, database) go to a temporary directory instead of the work tree.
"""

import os
import tempfile

os.environ.setdefault("GROUNDSWELL_DATA_DIR", tempfile.mkdtemp(prefix="groundswell-test-"))
os.environ.setdefault("TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("HTTP_ALLOW_LOOPBACK", "true")
# The live server serves static files from their sources, by their unhashed names.
os.environ.setdefault("PLAIN_STATIC_FILES", "true")
# Page views are written out when a test calls lib.analytics.flush(), not by a thread.
os.environ.setdefault("ANALYTICS_FLUSH_SECONDS", "0")
