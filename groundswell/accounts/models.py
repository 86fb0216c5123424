from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime, tzinfo

from django.conf import settings
from django.contrib.auth.models import (
    AbstractBaseUser,
    AnonymousUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from groundswell.lib.dates import local_day, zone_named, zone_names

# Slugs that would shadow a site-level URL or confuse readers.
RESERVED_SLUGS = frozenset(
    {"admin", "api", "staff", "static", "media", "i18n", "accounts", "o", "feeds", "sitemap"}
)


def validate_slug_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(_("“%(slug)s” is reserved; choose another."), params={"slug": value})


def validate_time_zone(value: str) -> None:
    if value and value not in zone_names():
        raise ValidationError(_("Choose a time zone from the list"))


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: staff of one or more organisations, or a site operator.

    `is_staff` means *site operator* (Django admin); organisation roles live on Membership.
    """

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised to sign out every session of the person at once (see get_session_auth_hash).
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    # Whether the person signs in with two factors: a copy of "their TwoFactor is confirmed",
    # loaded with the user, so a staff page asks no extra query (access.staff_view). Set
    # and cleared only by twofactor.confirm_setup and twofactor.turn_off, in the same
    # transaction as the TwoFactor row.
    two_factor_on = models.BooleanField(default=False, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    def __str__(self) -> str:
        return self.name or self.email

    # Django compares a session's stored hash with this one on every request, and ends the
    # session when they differ (as after a password change). Folding in the generation ends
    # every session, however it was signed in (the admin's page too), when the generation
    # is raised; update_session_auth_hash() keeps the one session that asked.
    def _with_generation(self, base: str, secret: str | bytes | None) -> str:
        if not self.session_generation:
            return base  # never raised: the plain hash, so no session ended when this came
        return salted_hmac(
            "groundswell.accounts.User.session_generation",
            f"{base}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._with_generation(super().get_session_auth_hash(), None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        bases = super().get_session_auth_fallback_hash()
        for secret, base in zip(settings.SECRET_KEY_FALLBACKS, bases, strict=True):
            yield self._with_generation(base, secret)


class OrganisationState(models.TextChoices):
    """Whether the public may see an organisation (settings.ORGANISATION_SIGNUP).

    waiting ──approve (a site operator)──▶ approved
    """

    WAITING = "waiting", _("Waiting for approval")
    APPROVED = "approved", _("Approved")


# Until an operator approves it, nothing of an organisation reaches the public: no pages,
# feeds or sitemap entries, no federation, no email to supporters, no API. The rule lives
# here and only here; public querysets, federation, the API and email ask it.
NOT_YET_PUBLIC = _(
    "This organisation is waiting for a site operator's approval. Until then you can prepare "
    "it here, but nothing of it is public: no pages, no fediverse, no social posts, no emails "
    "to supporters and no API tokens."
)


def of_public_organisation(relation: str = "organisation") -> models.Q:
    """Rows whose organisation (through `relation`) the public may see."""
    return models.Q(**{f"{relation}__state": OrganisationState.APPROVED})


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def public(self) -> OrganisationQuerySet:
        return self.filter(state=OrganisationState.APPROVED)

    def waiting(self) -> OrganisationQuerySet:
        return self.filter(state=OrganisationState.WAITING)


class StoryFormat(models.TextChoices):
    """How an organisation's stories go out on the fediverse.

    Mastodon shows an Article as its title and a link only, and some servers drop Articles
    altogether; a Note carries the whole text, with a link back to the story's page.
    """

    NOTE = "note", _("Posts with the whole story (read in full on Mastodon)")
    ARTICLE = "article", _("Articles (Mastodon shows only the title and a link)")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("address name"),
        max_length=60,
        unique=True,
        validators=[validate_slug_not_reserved],
        help_text=_("Used in web addresses: letters, numbers and hyphens."),
    )
    summary = models.TextField(_("summary"), blank=True, max_length=2000)
    website = models.URLField(_("website"), blank=True)
    approval_required = models.BooleanField(
        _("stories need an owner's approval"),
        default=False,
        help_text=_("Editors' stories wait for an owner's approval before they can go out."),
    )
    story_format = models.CharField(
        _("stories on the fediverse go out as"),
        max_length=10,
        choices=StoryFormat.choices,
        default=StoryFormat.NOTE,
        help_text=_(
            "Applies to stories published or edited from now on; "
            "followers keep what they already have."
        ),
    )
    # Changed only by services.require_two_factor (an owner, audited).
    two_factor_required = models.BooleanField(
        _("staff must sign in with two factors"),
        default=False,
        help_text=_(
            "Members without two-factor sign-in are sent to set it up before any staff page."
        ),
    )
    # Where "today" is for the organisation's staff: the time log's day, week and budget.
    # Empty: the site's time zone (TIME_ZONE). An IANA name, checked by the form.
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        default="",
        validators=[validate_time_zone],
        help_text=_("Where your staff's day begins and ends, for the time log and its budget."),
    )
    # The public transparency page (/o/<slug>/transparency/): off until an owner opens it.
    transparency_page = models.BooleanField(
        _("publish a transparency page"),
        default=False,
        help_text=_(
            "A public page with your actions, outcomes and staff hours per month: totals only, "
            "never a person."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Changed only by services.approve_organisation.
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=OrganisationState.choices,
        default=OrganisationState.WAITING,
        db_index=True,
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        "User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.state == OrganisationState.APPROVED

    @property
    def zone(self) -> tzinfo:
        """The organisation's time zone (the site's when it chose none)."""
        return zone_named(self.time_zone)

    def today(self, now: datetime | None = None) -> date:
        """Today's date where the organisation works."""
        return local_day(now or timezone.now(), self.zone)


def require_public(organisation: Organisation) -> None:
    """The one check before anything of an organisation goes out to the public."""
    if not organisation.is_public:
        raise ValidationError(NOT_YET_PUBLIC)


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    MODERATOR = "moderator", _("Moderator")
    ANALYST = "analyst", _("Analyst")
    SAFETY_OFFICER = "safety_officer", _("Safety officer")


# What each role may do. Reading staff pages needs only membership.
PERMISSIONS: dict[str, frozenset[str]] = {
    "content.write": frozenset({Role.OWNER, Role.EDITOR}),
    "content.approve": frozenset({Role.OWNER}),
    "members.manage": frozenset({Role.OWNER}),
    "audit.read": frozenset({Role.OWNER}),
    "organisation.edit": frozenset({Role.OWNER}),
    # Supporters' personal data: analysts and moderators work with totals and content, not people.
    "supporters.read": frozenset({Role.OWNER, Role.EDITOR}),
    "supporters.export": frozenset({Role.OWNER}),
    "supporters.erase": frozenset({Role.OWNER}),
    # An API token reads supporters' personal data, so handing one out is an owner's call.
    "api.manage": frozenset({Role.OWNER}),
    # What the public wrote (fediverse replies, later ideas, comments...): what is shown is a
    # moderator's call, or a safety officer's, who answers for the risk. Analysts only read.
    "moderation.decide": frozenset({Role.OWNER, Role.MODERATOR, Role.SAFETY_OFFICER}),
    # Answering a reply speaks for the organisation, which editors do anyway.
    "fediverse.reply": frozenset({Role.OWNER, Role.EDITOR, Role.MODERATOR}),
    # Triage of what listening heard (assign, move, note, mute): the people who answer it.
    "listening.triage": frozenset({Role.OWNER, Role.EDITOR, Role.MODERATOR}),
    # The naming-and-shaming guard: letting flagged content out, with a written reason, and the
    # list of public figures it must not flag, are for someone answerable for the risk.
    "safety.override": frozenset({Role.OWNER, Role.SAFETY_OFFICER}),
    "safety.allowlist": frozenset({Role.OWNER, Role.SAFETY_OFFICER}),
    # A colleague's time log (timelog): owners read it and may correct it; everyone reads
    # and changes their own whatever their role.
    "timelog.team": frozenset({Role.OWNER}),
    # The monthly report for management (reporting): totals of actions, outcomes and hours,
    # never a supporter or one person's time.
    "reports.monthly": frozenset({Role.OWNER, Role.ANALYST}),
    # Fraud (groundswell/fraud): analysts read the trends, which show no names; striking
    # signatures out of the counts, and putting them back, answers for the numbers.
    "fraud.view": frozenset({Role.OWNER, Role.SAFETY_OFFICER, Role.ANALYST}),
    "fraud.invalidate": frozenset({Role.OWNER, Role.SAFETY_OFFICER}),
    # Donations: who gave how much, and the payment providers' keys.
    "donations.read": frozenset({Role.OWNER}),
    "payments.manage": frozenset({Role.OWNER}),
    # Reports from the ground (groundswell/fieldreports): reviewing them, blurring their
    # photos; who sent one is kept apart, for those who answer for a reporter's safety.
    "reports.review": frozenset({Role.OWNER, Role.EDITOR, Role.MODERATOR, Role.SAFETY_OFFICER}),
    "reports.contact": frozenset({Role.OWNER, Role.SAFETY_OFFICER}),
}

# Who may reach each staff page and API endpoint: URL name → {method: requirement}, where the
# requirement is a key of PERMISSIONS or one of the four below. A method left out changes
# nothing, and is refused (405) or answered as a listed one (to whoever is refused those,
# with the same refusal). tests/test_permission_matrix.py requests every staff URL and API
# endpoint in the URL configuration as each role, a member of another organisation and the
# public, and holds the views to this table: a URL without an entry fails that test, so
# whoever adds a staff page or endpoint says here who may use it.
MEMBER = "member"  # any member of the organisation the URL (or the object in it) belongs to
SIGNED_IN = "signed_in"  # anyone signed in: pages about the person, not one organisation
TOKEN = "token"  # noqa: S105 - an API token of the organisation whose rows are asked for
PUBLIC = "public"  # anyone, no token needed

GET_ONLY: dict[str, str] = {"GET": MEMBER}  # a page every member reads

STAFF_ACCESS: dict[str, dict[str, str]] = {
    "accounts:staff_home": {"GET": SIGNED_IN},
    # Volunteers: needs and shifts are content; the day's list names people (and phones).
    "volunteers:staff_needs": {"GET": MEMBER, "POST": "content.write"},
    "volunteers:staff_need": {"GET": MEMBER, "POST": "content.write"},
    "volunteers:staff_need_status": {"POST": "content.write"},
    "volunteers:staff_day": {"GET": "supporters.read"},
    "volunteers:staff_day_csv": {"GET": "supporters.read"},
    "volunteers:staff_check_in": {"POST": "supporters.read"},
    # The switcher posts the organisation's slug: members of it go there, anyone else 404.
    "accounts:switch": {"POST": MEMBER},
    "accounts:new_organisation": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "accounts:members": {"GET": MEMBER, "POST": "members.manage"},
    "accounts:member_role": {"POST": "members.manage"},
    "accounts:member_remove": {"POST": "members.manage"},
    "accounts:invitation_revoke": {"POST": "members.manage"},
    "accounts:settings": {"GET": MEMBER, "POST": "organisation.edit"},
    "accounts:two_factor_requirement": {"POST": "organisation.edit"},
    # The person's own sign-in security: two factors and their sessions.
    "accounts:security": {"GET": SIGNED_IN},
    "accounts:two_factor_setup": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "accounts:two_factor_off": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "accounts:session_end": {"POST": SIGNED_IN},
    "accounts:sessions_end_others": {"POST": SIGNED_IN},
    "actions:staff_list": GET_ONLY,
    "actions:staff_new": {"GET": "content.write", "POST": "content.write"},
    "actions:staff_edit": {"GET": MEMBER, "POST": "content.write"},
    "actions:staff_update": {"POST": "content.write"},
    # The safety check pages: any member reads what is flagged; letting it out is a decision.
    "actions:staff_update_safety": {"GET": MEMBER, "POST": "safety.override"},
    # Any member reads the signals (names only with supporters.read); the check is a switch.
    "actions:staff_signals": GET_ONLY,
    "actions:staff_challenge": {"POST": "content.write"},
    # Counts only, never a supporter: every member reads them, analysts above all.
    "analytics:organisation": GET_ONLY,
    "analytics:organisation_csv": GET_ONLY,
    "analytics:campaign": GET_ONLY,
    "analytics:campaign_csv": GET_ONLY,
    "api:tokens": {"GET": MEMBER, "POST": "api.manage"},
    "api:revoke": {"POST": "api.manage"},
    "audit:log": {"GET": "audit.read"},
    "campaigns:staff_list": GET_ONLY,
    "campaigns:staff_new": {"GET": "content.write", "POST": "content.write"},
    "campaigns:staff_edit": {"GET": MEMBER, "POST": "content.write"},
    "campaigns:staff_preview": GET_ONLY,
    "campaigns:staff_cover": GET_ONLY,
    "campaigns:staff_cover_region": {"GET": "content.write", "POST": "content.write"},
    "campaigns:staff_cover_region_preview": {"GET": "content.write"},
    "federation:staff_overview": GET_ONLY,
    # Reports from the ground: any member reads them; the reporter's contact only with
    # reports.contact (the page leaves it out for the others).
    "fieldreports:staff_list": GET_ONLY,
    "fieldreports:staff_setup": {"GET": MEMBER, "POST": "organisation.edit"},
    "fieldreports:staff_detail": {"GET": MEMBER, "POST": "reports.review"},
    "fieldreports:staff_photo": GET_ONLY,
    "fieldreports:staff_photo_region": {"GET": "reports.review", "POST": "reports.review"},
    "fieldreports:staff_photo_region_preview": {"GET": "reports.review"},
    "fieldreports:staff_forget_contact": {"POST": "reports.contact"},
    "fraud:trends": {"GET": "fraud.view"},
    "fraud:trend": {"GET": "fraud.view"},
    "fraud:alert_email": {"POST": "fraud.view"},
    "fraud:batches": {"GET": "fraud.view"},
    "fraud:batch": {"GET": "fraud.view"},
    "fraud:invalidate": {"GET": "fraud.invalidate", "POST": "fraud.invalidate"},
    "fraud:undo": {"POST": "fraud.invalidate"},
    "federation:staff_inbox": GET_ONLY,
    "federation:staff_reply": {"POST": "fediverse.reply"},
    "hub:dashboard": GET_ONLY,
    # Any member reads the queue, an item with its author's history and the held phrases;
    # deciding and holding are moderation.decide.
    # Any member reads what was heard and what is monitored; adding and pausing monitors
    # and keyword rules is content.write.
    "listening:signals": GET_ONLY,
    "listening:monitors": {"GET": MEMBER, "POST": "content.write"},
    "listening:monitor_pause": {"POST": "content.write"},
    "listening:monitor_resume": {"POST": "content.write"},
    "listening:rules": {"GET": MEMBER, "POST": "content.write"},
    "listening:rule_pause": {"POST": "content.write"},
    "listening:rule_resume": {"POST": "content.write"},
    # Spikes are counts and the signals every member reads; the email is the person's choice.
    "listening:spikes": GET_ONLY,
    "listening:spike": GET_ONLY,
    "listening:spike_email": {"POST": MEMBER},
    # The triage board: every member reads a signal; answering it is the triagers' work.
    "listening:signal": GET_ONLY,
    "listening:assign": {"POST": "listening.triage"},
    "listening:move": {"POST": "listening.triage"},
    "listening:note": {"POST": "listening.triage"},
    "listening:mute": {"POST": "listening.triage"},
    "listening:unmute": {"POST": "listening.triage"},
    "listening:reply": {"GET": "fediverse.reply", "POST": "fediverse.reply"},
    "listening:reply_approve": {"POST": "content.approve"},
    # A reply that could not be sent is sent again by those who may write one.
    "listening:reply_retry": {"POST": "fediverse.reply"},
    "listening:story": {"POST": "content.write"},
    "moderation:queue": {"GET": MEMBER, "POST": "moderation.decide"},
    "moderation:item": GET_ONLY,
    "moderation:decide": {"POST": "moderation.decide"},
    "moderation:phrases": {"GET": MEMBER, "POST": "moderation.decide"},
    "moderation:release": {"POST": "moderation.decide"},
    "notifications:outbox": {"GET": "members.manage"},
    "events:staff_list": GET_ONLY,
    "events:staff_new": {"GET": "content.write", "POST": "content.write"},
    "events:staff_edit": {"GET": MEMBER, "POST": "content.write"},
    "events:staff_cancel": {"POST": "content.write"},
    # The list for the door names people: those who read supporters, who also tick them in.
    "events:staff_attendees": {"GET": "supporters.read", "POST": "supporters.read"},
    "events:staff_attendees_csv": {"GET": "supporters.read"},
    "payments:staff_donations": {"GET": "donations.read"},
    "payments:staff_gift_aid": {"GET": "donations.read"},
    "payments:staff_accounts": {"GET": "payments.manage", "POST": "payments.manage"},
    "payments:staff_appeal": {"GET": "payments.manage", "POST": "payments.manage"},
    "referrals:evangelists": GET_ONLY,
    # Idea challenges: any member reads them and their ideas; writing a challenge and
    # giving an idea a public status speak for the organisation.
    "ideas:staff_challenges": GET_ONLY,
    "ideas:staff_new": {"GET": "content.write", "POST": "content.write"},
    "ideas:staff_challenge": {"GET": MEMBER, "POST": "content.write"},
    "ideas:staff_idea": {"GET": MEMBER, "POST": "content.write"},
    "retention:schedule": {"GET": MEMBER, "POST": "organisation.edit"},
    "stories:staff_list": GET_ONLY,
    "stories:staff_new": {"GET": "content.write", "POST": "content.write"},
    "stories:approvals": GET_ONLY,
    "stories:staff_edit": {"GET": MEMBER, "POST": "content.write"},
    # Each move has its own permission (stories.workflow.TRANSITIONS); the matrix submits.
    "stories:staff_transition": {"POST": "content.write"},
    "stories:staff_image_add": {"POST": "content.write"},
    "stories:staff_image_remove": {"POST": "content.write"},
    "stories:staff_image_cover": {"POST": "content.write"},
    "stories:staff_image_region": {"GET": "content.write", "POST": "content.write"},
    "stories:staff_image_region_preview": {"GET": "content.write"},
    "stories:staff_revisions": GET_ONLY,
    "stories:staff_preview": GET_ONLY,
    "stories:staff_image": GET_ONLY,
    "stories:staff_safety": {"GET": MEMBER, "POST": "safety.override"},
    "supporters:staff_list": {"GET": "supporters.read"},
    "supporters:staff_detail": {"GET": "supporters.read"},
    "supporters:staff_export": {"GET": "supporters.export"},
    "supporters:staff_export_json": {"GET": "supporters.export"},
    "supporters:staff_erase": {"GET": "supporters.erase", "POST": "supporters.erase"},
    "syndication:accounts": {"GET": MEMBER, "POST": "organisation.edit"},
    "syndication:timeline": GET_ONLY,
    "syndication:disconnect": {"POST": "organisation.edit"},
    "syndication:schedule": {"GET": MEMBER, "POST": "content.write"},
    "syndication:calendar": GET_ONLY,
    "syndication:retry": {"POST": "content.write"},
    "syndication:cancel": {"POST": "content.write"},
    "syndication:approve": {"POST": "content.approve"},
    "syndication:safety": {"GET": MEMBER, "POST": "safety.override"},
    # Whom the safety check leaves alone: any member reads the list; changing it is a decision.
    "safety:allowlist": {"GET": MEMBER, "POST": "safety.allowlist"},
    # The time log: every member has their own day, timer, entries, budget, week and CSV.
    # An entry in the address, or ?member= on the week, may be a colleague's: owners only
    # (the matrix's entry is a colleague's of every caller).
    "timelog:home": GET_ONLY,
    "timelog:timer_start": {"POST": MEMBER},
    "timelog:timer_stop": {"POST": MEMBER},
    "timelog:entry_new": {"GET": MEMBER, "POST": MEMBER},
    "timelog:entry": {"GET": "timelog.team", "POST": "timelog.team"},
    "timelog:entry_delete": {"GET": "timelog.team", "POST": "timelog.team"},
    "timelog:budget": {"GET": MEMBER, "POST": MEMBER},
    "timelog:week": GET_ONLY,
    "timelog:team": {"GET": "timelog.team"},
    "timelog:export": GET_ONLY,
    # Totals per campaign, channel, activity and week: never a person, so every member.
    "timelog:impact": GET_ONLY,
    # The monthly report: owners and analysts, as a page and as the PDF.
    "reporting:monthly": {"GET": "reports.monthly"},
    "reporting:monthly_pdf": {"GET": "reports.monthly"},
    # The outcome ledger: any member reads it; writers add, change, delete and report back.
    "ledger:list": GET_ONLY,
    "ledger:entry_new": {"GET": "content.write", "POST": "content.write"},
    "ledger:entry": {"GET": MEMBER, "POST": "content.write"},
    "ledger:entry_delete": {"GET": "content.write", "POST": "content.write"},
    "ledger:report": {"GET": "content.write", "POST": "content.write"},
    # Ninja's home page, turned off with its docs: nothing answers here.
    "api:osdi:api-root": {},
    "api:osdi:openapi-json": {"GET": PUBLIC},
    # The OSDI API answers tokens only: a signed-in member without one gets 401 like anyone.
    "api:osdi:entry_point": {"GET": TOKEN},
    "api:osdi:petitions": {"GET": TOKEN},
    "api:osdi:petition": {"GET": TOKEN},
    "api:osdi:petition_signatures": {"GET": TOKEN},
    "api:osdi:signature": {"GET": TOKEN},
    "api:osdi:people": {"GET": TOKEN},
    "api:osdi:person": {"GET": TOKEN},
    "api:osdi:person_signatures": {"GET": TOKEN},
    "api:osdi:fundraising_pages": {"GET": TOKEN},
    "api:osdi:fundraising_page": {"GET": TOKEN},
    "api:osdi:fundraising_page_donations": {"GET": TOKEN},
    "api:osdi:donation": {"GET": TOKEN},
    "api:osdi:events": {"GET": TOKEN},
    "api:osdi:event": {"GET": TOKEN},
    "api:osdi:event_attendances": {"GET": TOKEN},
    "api:osdi:attendance": {"GET": TOKEN},
    # An RSVP through the intake, as the public form takes one: the organisation's own
    # integration only (the form is the public's way).
    "api:osdi:record_attendance_helper": {"POST": TOKEN},
    # Records a gift taken elsewhere: an organisation's own integration only.
    "api:osdi:record_donation_helper": {"POST": TOKEN},
    # Like the web form, anyone may sign a public petition; a token of another organisation
    # than the petition's is refused (403). One address with two names: signing and the
    # browser's preflight.
    "api:osdi:record_signature_helper": {"POST": PUBLIC, "OPTIONS": PUBLIC},
    "api:osdi:record_signature_helper_preflight": {"POST": PUBLIC, "OPTIONS": PUBLIC},
}


class MembershipQuerySet(models.QuerySet["Membership"]):
    def for_user(self, user: User | AnonymousUser) -> MembershipQuerySet:
        if isinstance(user, AnonymousUser):  # pages behind login never ask for these
            return self.none()
        return self.filter(user=user).select_related("organisation").order_by("organisation__name")


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.role})"

    def can(self, permission: str) -> bool:
        if permission == "content.approve" and not self.organisation.approval_required:
            # Without an approval step every writer approves their own work.
            return self.role in PERMISSIONS["content.write"]
        return self.role in PERMISSIONS[permission]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """An emailed invitation to join an organisation; only the token's hash is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation} ({self.role})"

    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )
