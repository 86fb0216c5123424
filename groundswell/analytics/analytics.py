"""The kinds only a request sees, counted in memory by lib/analytics.py."""

from django.utils.translation import gettext_lazy as _

from groundswell.lib.analytics import Kind, register

PAGE_VIEW = register(Kind("page_view", _("Page views"), order=10))
SHARE_CLICK = register(Kind("share_click", _("Share button clicks"), order=40))
