"""Two-factor sign-in with TOTP (RFC 6238) codes and single-use recovery codes.

Verb functions for a person's own second factor: they act on the signed-in person only, so
access is the caller's session; each change is written to the audit log of every
organisation the person serves (the log belongs to organisations, and each of them has a
stake in its staff's sign-in). Neither secrets nor codes reach a log or an audit entry.
"""

from __future__ import annotations

import hmac
import secrets
import time
import unicodedata
from urllib.parse import urlsplit

import pyotp
import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from groundswell.audit.services import record
from groundswell.lib import ratelimit, sealed

from . import tasks
from .models import Membership, User, hash_token
from .security_models import RecoveryCode, TwoFactor

SEAL_PURPOSE = "accounts two-factor secret v1"
STEP = 30  # seconds per code, what every authenticator app uses
# A code of the step before or after is accepted too: phones' clocks drift, people type slowly.
DRIFT = 1
RECOVERY_CODES = 10
# Failed code guesses, counted like failed passwords (signin.py): per person and address,
# and per person from anywhere (someone who has the password may try from many addresses;
# a code has only a million values).
WINDOW = 15 * 60
GUESS_LIMIT = 5
PERSON_LIMIT = 15
# The tests pin it; codes are made from it too.
clock = time.time

WRONG_CODE = gettext_lazy(
    "That code is not right. Check your app shows this account and try the newest code."
)


# Set in a session that passed the code step (or set two-factor up): with two-factor on,
# staff pages want it (access.staff_view); a password alone does not set it.
VERIFIED = "twofactor_verified"


def sign_out_everywhere(user: User) -> None:
    """End every session of the person, however it was signed in; the caller may keep its
    own with update_session_auth_hash() (see User.get_session_auth_hash)."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])


def is_on(user: User) -> bool:
    """Read from the user as loaded (no query): the flag moves with the TwoFactor row."""
    return user.two_factor_on


def _set_flag(user: User, on: bool) -> None:
    User.objects.filter(pk=user.pk).update(two_factor_on=on)
    user.two_factor_on = on


def _totp(factor: TwoFactor) -> pyotp.TOTP:
    return pyotp.TOTP(sealed.unseal(factor.sealed_secret, purpose=SEAL_PURPOSE), interval=STEP)


def secret_of(factor: TwoFactor) -> str:
    return sealed.unseal(factor.sealed_secret, purpose=SEAL_PURPOSE)


def provisioning_uri(factor: TwoFactor) -> str:
    issuer = f"Groundswell {urlsplit(settings.SITE_URL).hostname or ''}".strip()
    return _totp(factor).provisioning_uri(name=factor.user.email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The otpauth link as an inline SVG QR code (made here: nothing leaves the server)."""
    code = segno.make(uri, error="m")
    svg = str(code.svg_inline(scale=4, dark="#000", light="#fff", title=_("QR code to scan")))
    # Named by its <title> for screen readers, as an image rather than a drawing's parts.
    return svg.replace("<svg ", '<svg role="img" ', 1)


def audit_for_person(user: User, action: str, summary: str) -> None:
    for membership in Membership.objects.for_user(user):
        record(
            organisation=membership.organisation,
            actor=user,
            action=action,
            target=user,
            summary=summary,
        )


def begin_setup(user: User) -> TwoFactor:
    """The person's authenticator being set up: a new secret, or the one shown before (a
    reload must not change the code the person is scanning). Refused once it is on."""
    factor = TwoFactor.objects.filter(user_id=user.pk).first()
    if factor is not None:
        if factor.confirmed_at is not None:
            raise ValidationError(_("Two-factor sign-in is already on."))
        return factor
    secret = pyotp.random_base32()
    factor, _created = TwoFactor.objects.get_or_create(
        user=user, defaults={"sealed_secret": sealed.seal(secret, purpose=SEAL_PURPOSE)}
    )
    return factor


def _ascii_digit(character: str) -> str:
    value = unicodedata.decimal(character, None)
    return character if value is None else str(value)


def normalise_code(code: str) -> str:
    """The code as it is compared: no spaces or hyphens, lower case, and any script's
    decimal digits as ASCII ones (a phone set to Hindi may type "१२३४५६" for "123456").

    Other digit-like characters ("²", "①") are left as they are, so the code is refused:
    `str.isdigit()` says yes to them, and comparing them with a real code raised TypeError.
    """
    spaced = "".join(code.split()).replace("-", "").lower()
    return "".join(_ascii_digit(character) for character in spaced)


def _step_of(factor: TwoFactor, code: str) -> int | None:
    """The time step whose code this is, within the drift allowed, or None."""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = _totp(factor)
    now = int(clock() // STEP)
    for step in range(now - DRIFT, now + DRIFT + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user_id=user.pk).delete()
    # 16 base-32 characters (80 bits): the stored SHA-256 is not worth brute-forcing.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = ["".join(secrets.choice(alphabet) for _ in range(16)) for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=hash_token(code)) for code in codes]
    )
    return [f"{c[:4]}-{c[4:8]}-{c[8:12]}-{c[12:]}" for c in codes]


@transaction.atomic
def confirm_setup(user: User, code: str) -> list[str]:
    """Switch two-factor sign-in on once the person proves their app makes the codes, and
    sign every session of theirs out (devices.keep_only_this_session keeps the caller's).

    Returns the recovery codes, in the clear this once (only their hashes are kept).
    """
    factor = TwoFactor.objects.select_for_update().filter(user_id=user.pk).first()
    if factor is None or factor.confirmed_at is not None:
        raise ValidationError(_("Start setting up two-factor sign-in again."))
    step = _step_of(factor, normalise_code(code))
    if step is None:
        raise ValidationError(WRONG_CODE, code="wrong")
    factor.confirmed_at, factor.last_step = timezone.now(), step
    factor.save(update_fields=["confirmed_at", "last_step"])
    _set_flag(user, True)
    codes = _new_recovery_codes(user)
    # Sessions signed in with the password alone must not outlive this.
    sign_out_everywhere(user)
    tasks.queue_two_factor_notice(user.pk, "on", timezone.now().isoformat())
    audit_for_person(
        user,
        "account.two_factor_on",
        _("User #%(user)s turned on two-factor sign-in") % {"user": user.pk},
    )
    return codes


def use_code(user: User, code: str) -> bool:
    """Accept a current code from the app or an unused recovery code, each only once."""
    typed = normalise_code(code)
    factor = TwoFactor.objects.confirmed().filter(user_id=user.pk).select_related("user").first()
    if factor is None or not typed:
        return False
    step = _step_of(factor, typed)
    if step is not None:
        # Conditional: of two requests with the same code, one wins; a replay finds the
        # step already taken.
        return bool(
            TwoFactor.objects.filter(pk=factor.pk, last_step__lt=step).update(last_step=step)
        )
    taken = RecoveryCode.objects.unused().filter(user_id=user.pk, code_hash=hash_token(typed))
    if not taken.update(used_at=timezone.now()):
        return False
    left = RecoveryCode.objects.unused().filter(user_id=user.pk).count()
    tasks.queue_two_factor_notice(user.pk, "recovery", timezone.now().isoformat())
    audit_for_person(
        user,
        "account.recovery_code_used",
        ngettext(
            "User #%(user)s signed in with a recovery code; %(left)d is left",
            "User #%(user)s signed in with a recovery code; %(left)d are left",
            left,
        )
        % {"user": user.pk, "left": left},
    )
    return True


@transaction.atomic
def turn_off(user: User, code: str) -> None:
    """Switch two-factor sign-in off; it takes a current code, not just a signed-in session."""
    if not use_code(user, code):
        raise ValidationError(WRONG_CODE, code="wrong")
    TwoFactor.objects.filter(user_id=user.pk).delete()
    _set_flag(user, False)
    RecoveryCode.objects.filter(user_id=user.pk).delete()
    tasks.queue_two_factor_notice(user.pk, "off", timezone.now().isoformat())
    audit_for_person(
        user,
        "account.two_factor_off",
        _("User #%(user)s turned off two-factor sign-in") % {"user": user.pk},
    )


def unused_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.unused().filter(user_id=user.pk).count()


# --- Throttling code guesses ------------------------------------------------------------------


def _keys(request: HttpRequest, user: User) -> tuple[str, str]:
    return f"{user.pk}|{ratelimit.client_network(request)}", str(user.pk)


def wait_before_guessing(request: HttpRequest, user: User) -> int:
    """Seconds this person must wait before another code from this address, else 0."""
    pair, person = _keys(request, user)
    if (
        ratelimit.count("twofactor-guess", pair, window=WINDOW) >= GUESS_LIMIT
        or ratelimit.count("twofactor-person", person, window=WINDOW) >= PERSON_LIMIT
    ):
        return ratelimit.retry_after(WINDOW)
    return 0


def count_wrong_guess(request: HttpRequest, user: User) -> None:
    pair, person = _keys(request, user)
    ratelimit.hit("twofactor-guess", pair, limit=GUESS_LIMIT, window=WINDOW)
    ratelimit.hit("twofactor-person", person, limit=PERSON_LIMIT, window=WINDOW)


def forget_wrong_guesses(request: HttpRequest, user: User) -> None:
    ratelimit.clear("twofactor-guess", _keys(request, user)[0], window=WINDOW)


def too_many_guesses_message(wait: int) -> str:
    minutes = -(-wait // 60)
    return ngettext(
        "Too many wrong codes. Wait %(minutes)d minute and try again.",
        "Too many wrong codes. Wait %(minutes)d minutes and try again.",
        minutes,
    ) % {"minutes": minutes}
