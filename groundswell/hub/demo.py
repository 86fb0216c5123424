"""Fictional demo content: organisations, people, campaigns and stories with images.

Every name, address and event here is invented. Email addresses use example.org, which
is reserved for documentation and never delivers mail.
"""

from __future__ import annotations

import io
import random
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from PIL import Image, ImageDraw

from groundswell.accounts.models import Membership, Organisation, Role, User
from groundswell.accounts.services import create_organisation
from groundswell.actions.models import Petition
from groundswell.campaigns.models import Campaign
from groundswell.campaigns.services import create_campaign
from groundswell.events.demo import seed_events
from groundswell.federation import moderated
from groundswell.federation.models import Interaction, InteractionKind, RemoteActor
from groundswell.fieldreports.demo import seed_reports
from groundswell.fraud.demo import seed_trend
from groundswell.ideas.demo import seed_ideas
from groundswell.lib.images import process_image
from groundswell.moderation.models import ModerationItem
from groundswell.moderation.services import approve
from groundswell.payments.demo import seed_donations
from groundswell.stories.models import Story
from groundswell.stories.services import add_image, change_state, create_story
from groundswell.syndication.accounts import connect_local
from groundswell.syndication.models import ChannelAccount, Network
from groundswell.syndication.services import default_text, schedule_post
from groundswell.volunteers.demo import seed_volunteers

PALETTES = [
    ((11, 95, 174), (120, 200, 240)),
    ((29, 107, 53), (190, 230, 150)),
    ((161, 20, 27), (250, 190, 120)),
    ((90, 40, 140), (230, 180, 240)),
    ((0, 110, 110), (250, 230, 140)),
]

CAMPAIGNS = [
    (
        "warm-homes",
        "Warm Homes This Winter",
        "No family in Riverside should choose between heating and eating.",
        "The council funds draught-proofing for every home on the Eastbank estate by March.",
    ),
    (
        "open-pantry",
        "Open Pantry Saturdays",
        "Volunteers keep the pantry open every Saturday morning.",
        "Forty regular volunteers and a second van, so the pantry never closes early.",
    ),
    (
        "green-route",
        "A Safe Green Route to School",
        "Children deserve a safe walk to Millbrook Primary.",
        "A 20 mph zone and a crossing on Orchard Lane before the next school year.",
    ),
]

STORY_SEEDS = [
    ("Maya's kitchen, one cold Tuesday", "warm-homes"),
    ("What a draught-proofed door changed for the Okafors", "warm-homes"),
    ("Fifty households visited in one afternoon", "warm-homes"),
    ("Why we asked the council to act before March", "warm-homes"),
    ("The Saturday crew: who opens the pantry doors", "open-pantry"),
    ("A van, a map and 312 parcels", "open-pantry"),
    ("Grandad Tomasz and the tomato seedlings", "open-pantry"),
    ("How to volunteer for one morning a month", "open-pantry"),
    ("Counting cars on Orchard Lane at 8.15", "green-route"),
    ("The children drew the crossing they want", "green-route"),
    ("Parents walk the route with a councillor", "green-route"),
    ("Thank you: 1,200 neighbours signed in a week", None),
]

BODY = """Every week someone walks through our door with a story we did not expect.

This one began with a phone call on a cold morning. **{title}** is what happened next,
told with permission and with the names changed.

## What we saw

- Neighbours helping neighbours, often without being asked
- Small fixes that made a big difference
- People who want to do more, if someone shows them how

> "I did not know anyone would come. Then three people came." — a volunteer

## What you can do

Read more about the campaign, share this story with a friend, and come along on a Saturday.
"""


def make_picture(seed: int, label: str) -> io.BytesIO:
    rng = random.Random(seed)
    dark, light = PALETTES[seed % len(PALETTES)]
    image = Image.new("RGB", (1280, 720), light)
    draw = ImageDraw.Draw(image)
    for step in range(0, 720, 8):
        mix = step / 720
        colour = tuple(int(light[i] * (1 - mix) + dark[i] * mix) for i in range(3))
        draw.rectangle([0, step, 1280, step + 8], fill=colour)
    for _ in range(6):
        x, y, r = rng.randint(0, 1280), rng.randint(0, 720), rng.randint(40, 180)
        draw.ellipse([x - r, y - r, x + r, y + r], outline=(255, 255, 255), width=6)
    draw.rectangle([40, 600, 1240, 690], fill=(255, 255, 255))
    draw.text((60, 625), label[:80], fill=dark, font_size=36)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    buffer.seek(0)
    return buffer


def _user(email: str, name: str, password: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password, name=name)
    return user


@transaction.atomic
def seed(password: str | None = None) -> tuple[str, str]:
    """Create the demo data; return (owner email, password)."""
    password = password or secrets.token_urlsafe(9)
    alice = _user("alice@example.org", "Alice Demo (owner)", password)
    bob = _user("bob@example.org", "Bob Demo (editor)", password)
    dana = _user("dana@example.org", "Dana Demo (analyst)", password)
    milo = _user("milo@example.org", "Milo Demo (moderator)", password)
    sami = _user("sami@example.org", "Sami Demo (safety officer)", password)

    pantry = create_organisation(
        name="Riverside Community Pantry (demo)",
        slug="riverside-pantry",
        owner=alice,
        summary="A fictional food pantry and neighbourhood network, made up for this demo.",
        approval_required=True,
        approved=True,  # fictional and ours: public at once
    )
    owner = Membership.objects.get(user=alice, organisation=pantry)
    Membership.objects.create(user=bob, organisation=pantry, role=Role.EDITOR)
    Membership.objects.create(user=dana, organisation=pantry, role=Role.ANALYST)
    Membership.objects.create(user=milo, organisation=pantry, role=Role.MODERATOR)
    Membership.objects.create(user=sami, organisation=pantry, role=Role.SAFETY_OFFICER)
    editor = Membership.objects.get(user=bob, organisation=pantry)

    campaigns = {}
    for index, (slug, title, summary, change) in enumerate(CAMPAIGNS):
        processed = process_image(make_picture(index + 100, title), name="cover")
        campaigns[slug] = create_campaign(
            owner,
            {
                "title": title,
                "slug": slug,
                "summary": summary,
                "change_sought": change,
                "status": "live",
                "starts_on": timezone.localdate() - timedelta(days=30 * (index + 1)),
                "languages": ["en"],
                "cover_alt": f"An abstract poster for the campaign {title}",
            },
            cover=processed,
        )

    for index, (title, campaign_slug) in enumerate(STORY_SEEDS):
        author = editor if index % 2 else owner
        story = create_story(
            author,
            {
                "title": title,
                "slug": f"story-{index + 1}",
                "summary": f"A short, fictional story from the demo: {title.lower()}.",
                "body": BODY.format(title=title),
                "language": "en",
                "campaign": campaigns.get(campaign_slug) if campaign_slug else None,
            },
        )
        add_image(
            author,
            story,
            process_image(make_picture(index, title), name="story"),
            alt_text=f"An illustration for “{title}”: coloured circles on a gradient",
        )
        if index < 9:
            change_state(owner, story, "publish")
        elif index < 11:
            change_state(editor, story, "submit")

    seed_petitions(owner, campaigns)
    seed_measure(owner, campaigns)
    # One trending source with its alert (emailed to the safety officer, in the outbox).
    seed_trend(
        owner,
        Petition.objects.for_organisation(pantry).order_by("pk")[0],
        subscriber=Membership.objects.get(user=sami, organisation=pantry),
    )
    seed_donations(owner, campaigns["warm-homes"])
    seed_events(owner, campaigns["warm-homes"])
    seed_volunteers(owner, campaigns["warm-homes"])
    seed_reports(owner, campaigns["warm-homes"], make_picture)
    seed_ideas(owner, campaigns["warm-homes"])
    seed_replies(Story.objects.for_organisation(pantry).filter(state="published").order_by("pk")[0])

    watch = create_organisation(
        name="Northgate Neighbourhood Watch (demo)",
        slug="northgate-watch",
        owner=bob,
        summary="A fictional neighbourhood team that needs approval before anything goes out.",
        approval_required=True,
        approved=True,  # fictional and ours: public at once
    )
    Membership.objects.create(user=alice, organisation=watch, role=Role.EDITOR)
    seed_watch(Membership.objects.get(user=bob, organisation=watch), alice, watch)
    # The built-in demo timeline, so scheduling can be tried without a social account; one
    # post is already due, and the demo's worker posts it within seconds of starting.
    connect_local(owner)
    connect_local(Membership.objects.get(user=bob, organisation=watch))
    first = Story.objects.for_organisation(pantry).filter(state="published").order_by("pk")[0]
    timeline = ChannelAccount.objects.get(organisation=pantry, network=Network.LOCAL)
    schedule_post(
        owner,
        first,
        timeline,
        text=default_text(first),
        scheduled_at=timezone.now() - timedelta(minutes=1),
    )
    return alice.email, password


# Replies from the fediverse, as the inbox would have stored them: a kind one (approved, so
# the story shows it with its "report this" link) and one the guard holds for its phone
# number (Ofcom's range for drama, so no one's).
REPLIES = [
    "Brilliant news. I help on Thursdays: count me in for the new fridge!",
    "Ring my neighbour on 07700 900461, he knows who took the donations.",
]


def seed_replies(story: Story) -> None:
    actor = RemoteActor.objects.create(
        uri="https://social.example/users/robin",
        inbox="https://social.example/users/robin/inbox",
        username="robin",
        name="Robin (demo)",
        url="https://social.example/@robin",
        domain="social.example",
        fetched_at=timezone.now(),
    )
    moderator = Membership.objects.get(organisation=story.organisation, role=Role.MODERATOR)
    for number, text in enumerate(REPLIES, start=1):
        reply = Interaction.objects.create(
            story=story,
            actor=actor,
            kind=InteractionKind.REPLY,
            object_uri=f"https://social.example/users/robin/statuses/{number}",
            url=f"https://social.example/@robin/{number}",
            content_html=f"<p>{escape(text)}</p>",
            public=True,
        )
        moderated.queue_reply(reply, "en")
        item = ModerationItem.objects.get(fediverse_interaction=reply)
        if not item.findings:
            approve(moderator, item)


WATCH_STORIES = [
    "Lights back on along the canal path",
    "What the new street-watch rota looks like",
    "A quieter Friday night on Northgate Parade",
]


def seed_watch(owner: Membership, alice: User, watch: Organisation) -> None:
    """A little content for the second organisation, so its owner (bob) does not land on an
    empty page; alice, its editor, has a story waiting for his approval."""
    campaign = create_campaign(
        owner,
        {
            "title": "Safer Streets After Dark",
            "slug": "safer-streets",
            "summary": "Working streetlights and a walking rota on every Northgate street.",
            "change_sought": "Every broken streetlight on the estate fixed within a week.",
            "status": "live",
            "starts_on": timezone.localdate() - timedelta(days=20),
            "languages": ["en"],
        },
    )
    editor = Membership.objects.get(user=alice, organisation=watch)
    for index, title in enumerate(WATCH_STORIES):
        author = editor if index == len(WATCH_STORIES) - 1 else owner
        story = create_story(
            author,
            {
                "title": title,
                "slug": f"watch-{index + 1}",
                "summary": f"A short, fictional story from the demo: {title.lower()}.",
                "body": BODY.format(title=title),
                "language": "en",
                "campaign": campaign,
            },
        )
        if author is owner:
            change_state(owner, story, "publish")
        else:
            change_state(editor, story, "submit")


FIRST_NAMES = [
    "Aarav", "Bea", "Chidi", "Dara", "Elif", "Femi", "Gita", "Hana", "Ivo", "Jun", "Kemi",
    "Lior", "Mira", "Nico", "Oona", "Pavel", "Quinn", "Rhea", "Sami", "Tove", "Uma", "Vik",
    "Wren", "Xia", "Yusuf", "Zara",
]  # fmt: skip
LAST_NAMES = [
    "Abara", "Brook", "Castell", "Dunmore", "Eskew", "Fenwick", "Garrow", "Holloway",
    "Ingram", "Jessop", "Kettle", "Lowther", "Marsh", "Norcott", "Oakley", "Pennock",
]  # fmt: skip
CHANNELS = ["whatsapp", "email", "copy", "telegram", "facebook", "mastodon", "bluesky"]


def seed_petitions(owner: Membership, campaigns: dict[str, Campaign]) -> None:
    """Two petitions and a few hundred fictional signers in referral chains."""
    from groundswell.actions.petitions import create_petition
    from groundswell.actions.services import (
        SignatureRequest,
        confirm_signature,
        recount,
        sign_petition,
    )

    rng = random.Random(7)
    petitions = [
        create_petition(
            owner,
            {
                "campaign": campaigns["warm-homes"],
                "title": "Draught-proof every home on the Eastbank estate",
                "ask": "We ask the council to fund draught-proofing for every home on the "
                "Eastbank estate before the end of March.",
                "target_name": "Councillor R. Example",
                "target_role": "Cabinet member for housing (fictional)",
                "goal": 500,
                "collect_postcode": True,
            },
        ),
        create_petition(
            owner,
            {
                "campaign": campaigns["green-route"],
                "title": "A crossing on Orchard Lane",
                "ask": "Put a zebra crossing and a 20 mph limit on Orchard Lane by September.",
                "target_name": "Highways Director (fictional)",
                "goal": 250,
                "collect_comment": True,
            },
        ),
    ]
    for petition, size in zip(petitions, (260, 90), strict=True):
        tokens: list[str] = []
        for n in range(size):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            # Early signers start chains; later ones mostly arrive through someone's link,
            # with a few very active sharers, as in real campaigns.
            ref = ""
            if tokens and rng.random() < 0.8:
                ref = tokens[min(int(rng.expovariate(0.35)), len(tokens) - 1)]
            result = sign_petition(
                petition,
                SignatureRequest(
                    email=f"{first}.{last}.{n}@example.org".lower(),
                    given_name=first,
                    family_name=last,
                    wants_updates=rng.random() < 0.6,
                    referral_token=ref,
                    referrer_data={
                        "source": rng.choice(CHANNELS) if ref else "web",
                        "referrer": ref,
                    },
                ),
            )
            if rng.random() < 0.85:
                confirm_signature(result.signature.pk)
            tokens.insert(0, result.share_token.token)
        recount(petition.pk)
    # The evangelist page reads the stored ranking, which the worker refreshes every few
    # minutes: store the first one now, so the demo shows it at once.
    from groundswell.referrals.services import refresh_rankings

    refresh_rankings(owner.organisation_id)


def seed_measure(owner: Membership, campaigns: dict[str, Campaign]) -> None:
    """A month of staff time, of counted views, signatures and shares, a few outcome ledger
    entries (timelog, analytics, ledger), and the transparency page open."""
    from groundswell.analytics.demo import seed_counts
    from groundswell.ledger.demo import seed_ledger
    from groundswell.timelog.demo import seed_time

    members = list(Membership.objects.filter(organisation=owner.organisation))
    seed_time(members, list(campaigns.values()))
    seed_ledger(owner)
    seed_counts(owner.organisation)
    Organisation.objects.filter(pk=owner.organisation_id).update(transparency_page=True)


def is_empty() -> bool:
    return not Organisation.objects.exists()
