"""Share buttons: one personal link per supporter and petition, tagged per channel."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import idna
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

CHANNELS = (
    "whatsapp", "telegram", "facebook", "x", "mastodon", "bluesky", "linkedin", "email", "copy",
)  # fmt: skip


@dataclass
class ShareButton:
    channel: str
    label: str
    # The network's own share page, with the text and the link filled in.
    target: str
    # What the button links to: our address that counts the click (analytics, without
    # cookies or anything about the person) and sends the browser on to `target`.
    url: str = ""


def personal_link(petition: object, token: str, channel: str) -> str:
    path = petition.get_absolute_url()  # type: ignore[attr-defined]
    return f"{settings.SITE_URL}{path}?{urlencode({'ref': token, 'ch': channel})}"


def share_links(petition: object, token: str) -> dict[str, object]:
    """Buttons that share the petition through this supporter's personal link."""
    title = str(petition.title)  # type: ignore[attr-defined]
    text = _("I just signed “%(title)s”. Will you sign too?") % {"title": title}
    org = petition.organisation.slug  # type: ignore[attr-defined]
    panel = _panel(
        title,
        text,
        lambda channel: personal_link(petition, token, channel),
        lambda channel: reverse(
            "analytics:share_petition",
            args=[org, petition.pk, channel, token],  # type: ignore[attr-defined]
        ),
    )
    panel["credited"] = True
    return panel


def _personal(path: str, token: str) -> Callable[[str], str]:
    """A person's own link to the page at `path`, per channel (`ref` credits them)."""
    return lambda channel: f"{settings.SITE_URL}{path}?{urlencode({'ref': token, 'ch': channel})}"


def gift_share_links(
    title: str, path: str, token: str, *, org: str, campaign: str
) -> dict[str, object]:
    """Buttons that share an appeal for money (at `path`, the donate form of campaign
    `campaign` of organisation `org`) through a donor's personal link; each click is
    counted per channel on its way (analytics:share_gift), as after signing."""
    text = _("I just gave to “%(title)s”. Will you give too?") % {"title": title}

    return _panel(
        title,
        text,
        _personal(path, token),
        lambda channel: reverse("analytics:share_gift", args=[org, campaign, channel, token]),
    )


def action_share_links(
    title: str,
    path: str,
    token: str,
    *,
    text: str,
    counted: tuple[str, str, int],
    credited: bool = False,
) -> dict[str, object]:
    """Buttons that share another action's page (at `path`: a need, an event, an idea)
    through the person's personal link, saying `text`; each click is counted per channel on
    its way by the view `counted` names (with the organisation's slug and the page's id).

    `credited`: what the link brings shows on the person's own page (referrals.rules.CREDITED),
    so the panel says so and offers the phone's share sheet, as after signing."""
    view, org, pk = counted
    panel = _panel(
        title,
        text,
        _personal(path, token),
        lambda channel: reverse(view, args=[org, pk, channel, token]),
    )
    panel["credited"] = credited
    return panel


def idea_share_links(
    title: str, path: str, token: str, *, org: str, idea_id: int
) -> dict[str, object]:
    """Buttons that share an idea (at `path`) through a voter's or its author's own link."""
    text = _("I just backed the idea “%(title)s”. Will you vote for it too?") % {"title": title}
    return action_share_links(
        title, path, token, text=text, counted=("analytics:share_idea", org, idea_id)
    )


def need_share_links(
    title: str, path: str, token: str, *, org: str, need_id: int
) -> dict[str, object]:
    """Buttons that share a volunteer need (at `path`) through a volunteer's own link."""
    text = _("I just volunteered for “%(title)s”. Will you join me?") % {"title": title}
    return action_share_links(
        title,
        path,
        token,
        text=text,
        counted=("analytics:share_need", org, need_id),
        credited=True,
    )


def story_share_links(story: object) -> dict[str, object]:
    """Buttons for a reader who has not signed: the story's own address, tagged per channel."""
    title = str(story.title)  # type: ignore[attr-defined]
    path = story.get_absolute_url()  # type: ignore[attr-defined]
    org = story.organisation.slug  # type: ignore[attr-defined]

    def link(channel: str) -> str:
        return f"{settings.SITE_URL}{path}?{urlencode({'ch': channel})}"

    return _panel(
        title,
        title,
        link,
        lambda channel: reverse(
            "analytics:share_story",
            args=[org, story.slug, channel],  # type: ignore[attr-defined]
        ),
    )


def share_target(panel: dict[str, object], channel: str) -> str | None:
    """The network's share page behind the button for `channel` of a panel, or None."""
    buttons: list[ShareButton] = panel["buttons"]  # type: ignore[assignment]
    return next((button.target for button in buttons if button.channel == channel), None)


def _panel(
    title: str, text: str, link: Callable[[str], str], counted: Callable[[str], str]
) -> dict[str, object]:
    buttons = [
        ShareButton("whatsapp", "WhatsApp",
                    "https://wa.me/?text=" + quote(f"{text} {link('whatsapp')}")),
        ShareButton("telegram", "Telegram", "https://t.me/share/url?"
                    + urlencode({"url": link("telegram"), "text": text})),
        ShareButton("facebook", "Facebook", "https://www.facebook.com/sharer/sharer.php?"
                    + urlencode({"u": link("facebook")})),
        ShareButton("x", "X", "https://x.com/intent/post?"
                    + urlencode({"text": text, "url": link("x")})),
        ShareButton("bluesky", "Bluesky", "https://bsky.app/intent/compose?"
                    + urlencode({"text": f"{text} {link('bluesky')}"})),
        ShareButton("linkedin", "LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?"
                    + urlencode({"url": link("linkedin")})),
        ShareButton("email", _("Email"), "mailto:?"
                    + urlencode({"subject": title, "body": f"{text}\n\n{link('email')}"},
                                quote_via=quote)),
    ]  # fmt: skip
    for button in buttons:
        button.url = counted(button.channel)
    return {
        "text": text,
        "buttons": buttons,
        "copy_link": link("copy"),
        "native_link": link("native"),
        "mastodon_text": f"{text} {link('mastodon')}",
        "mastodon_action": reverse("referrals:mastodon"),
    }


_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_TOP_LABEL = re.compile(r"(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})\Z")
_USER = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]{0,62}[a-z0-9_])?\Z")


def mastodon_host(typed: str) -> str | None:
    """The host name of a Mastodon server from what a person typed, or None.

    People type `mastodon.social`, `https://mastodon.social/` or their handle
    `@ana@mastodon.social`; anything else (other schemes, paths, ports, passwords,
    backslashes, IP addresses, `//` tricks) is refused rather than guessed at, because
    whatever comes out goes into a redirect from our domain.
    """
    value = typed.strip().lower()
    for scheme in ("https://", "http://"):
        if value.startswith(scheme):
            value = value.removeprefix(scheme)
            break
    value = value.removesuffix("/")
    if "@" in value:
        user, _, value = value.removeprefix("@").partition("@")
        if not _USER.match(user):
            return None
    value = value.removesuffix(".")
    try:
        host = idna.encode(value, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None
    labels = host.split(".")
    if len(host) > 253 or len(labels) < 2 or not _TOP_LABEL.match(labels[-1]):
        return None
    return host if all(_LABEL.match(label) for label in labels) else None


def mastodon_share_url(typed_instance: str, text: str) -> str | None:
    """The share page of the person's own server (https, fixed path), or None."""
    host = mastodon_host(typed_instance)
    if host is None:
        return None
    return f"https://{host}/share?{urlencode({'text': text[:500]})}"


def event_share_links(
    title: str, path: str, token: str, *, org: str, event_id: int
) -> dict[str, object]:
    """Buttons that share an event (at `path`) through an attendee's personal link."""
    text = _("I am going to “%(title)s”. Will you come too?") % {"title": title}
    return action_share_links(
        title,
        path,
        token,
        text=text,
        counted=("analytics:share_event", org, event_id),
        credited=True,
    )
