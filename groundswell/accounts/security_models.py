"""What keeps a staff account hard to take over: its second factor, sessions and devices.

Kept apart from models.py (which holds the permission table many apps edit); apps.Config
imports this module so Django registers the models.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import User


class TwoFactorQuerySet(models.QuerySet["TwoFactor"]):
    def confirmed(self) -> TwoFactorQuerySet:
        return self.filter(confirmed_at__isnull=False)


class TwoFactor(models.Model):
    """A person's TOTP authenticator. Until `confirmed_at` it is only being set up.

    The secret is sealed (lib/sealed.py): a database dump alone does not give the codes.
    `last_step` is the TOTP time step of the last code accepted; a code of that step or an
    earlier one is refused, so an overheard code cannot be replayed.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor")
    sealed_secret = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    objects = TwoFactorQuerySet.as_manager()

    def __str__(self) -> str:
        return f"two-factor of {self.user}"


class RecoveryCodeQuerySet(models.QuerySet["RecoveryCode"]):
    def unused(self) -> RecoveryCodeQuerySet:
        return self.filter(used_at__isnull=True)


class RecoveryCode(models.Model):
    """One single-use recovery code; only its hash is stored, like an API token's."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    objects = RecoveryCodeQuerySet.as_manager()

    class Meta:
        constraints = [  # noqa: RUF012 - Django compares Meta options by value
            models.UniqueConstraint(fields=["user", "code_hash"], name="one_recovery_code_hash")
        ]

    def __str__(self) -> str:
        return f"recovery code of {self.user}"


class StaffSessionQuerySet(models.QuerySet["StaffSession"]):
    def for_user(self, user: User) -> StaffSessionQuerySet:
        return self.filter(user=user).order_by("-signed_in_at")


class StaffSession(models.Model):
    """A sign-in the person can see and end: the session's key, where it came from in
    plain words. Never the full address: `network` is at most a /24 (IPv6: /48)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_sessions")
    # The session store's own key (in the clear there too), so ending it deletes that session.
    session_key = models.CharField(max_length=64, unique=True)
    device = models.CharField(_("device"), max_length=100)
    network = models.CharField(_("network"), max_length=60, blank=True)
    signed_in_at = models.DateTimeField(auto_now_add=True)

    objects = StaffSessionQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.device} ({self.user})"


class KnownDevice(models.Model):
    """A browser this person has signed in from before, known by the hash of a long-lived
    random cookie; a sign-in from any other browser emails them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="known_devices")
    cookie_hash = models.CharField(max_length=64)
    device = models.CharField(max_length=100)
    first_seen = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [  # noqa: RUF012 - Django compares Meta options by value
            models.UniqueConstraint(fields=["user", "cookie_hash"], name="one_known_device")
        ]

    def __str__(self) -> str:
        return f"{self.device} ({self.user})"
