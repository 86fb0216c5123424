"""The one answer to "does this request want ActivityPub JSON rather than the HTML page?".

Three places ask it and must agree: the page cache in front of Django (a copy is HTML, so a
request for JSON is not answered from it), federation's page negotiation (an organisation's
or a story's page answers such a request with its JSON twin) and the /ap/ views (which send
anyone else to the page). When they disagreed, the cache stepped aside for a request that the
page then answered with HTML anyway, rendered afresh each time.
"""

from __future__ import annotations

from django.http import HttpRequest

ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

# What an address with a twin can answer, the page first: Django picks the first of these
# when the Accept header weighs several alike (`*/*` gets the page).
#
# ActivityPub servers ask for activity+json or the ld+json profile (Mastodon sends both);
# ld+json without its profile is taken as the same, as Mastodon does. Plain application/json
# counts as asking for the document too. It is sent by programs, never by a browser opening a
# page (browsers rank text/html first): curl, a browser extension, a script, a server that
# never learnt the ActivityStreams types. JSON is what such a program can read and the
# ActivityPub document is the only JSON at these addresses; Mastodon answers application/json
# the same way (it registers activity+json and ld+json as aliases of json), so a tool that
# works against Mastodon works here. The HTML page would be of no use to it.
_OFFERED = ["text/html", ACTIVITY_JSON, LD_JSON, "application/ld+json", "application/json"]


def wants_activity_json(request: HttpRequest) -> bool:
    """Whether `request` prefers the ActivityPub document to the HTML page.

    Decided by q-value against text/html among `_OFFERED`; no Accept, `*/*`, a browser's
    Accept and JSON types we do not offer (application/jrd+json) all mean the page.
    """
    # Every browser, cheaply: this runs in front of Django for every cached page.
    if "json" not in request.META.get("HTTP_ACCEPT", "").lower():
        return False
    return request.get_preferred_type(_OFFERED) not in (None, "text/html")
