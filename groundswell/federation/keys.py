"""Our actors' key pairs, made lazily the first time an organisation (or the site) needs one."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from groundswell.accounts.models import Organisation

from .models import ActorKey, InstanceKey
from .signatures import generate_key_pair


def actor_key(organisation: Organisation) -> ActorKey:
    """The organisation's key pair, generated once; two racing callers end up with the same."""
    found = ActorKey.objects.filter(organisation=organisation).first()
    if found is not None:
        return found
    private_pem, public_pem = generate_key_pair()
    try:
        with transaction.atomic():
            return ActorKey.objects.create(
                organisation=organisation, public_key_pem=public_pem, private_key_pem=private_pem
            )
    except IntegrityError:
        # Someone else generated one meanwhile: theirs wins, ours is thrown away unused.
        return ActorKey.objects.get(organisation=organisation)


def instance_key() -> InstanceKey:
    """The instance actor's key pair, generated once; two racing callers end up with the same."""
    found = InstanceKey.objects.filter(name="instance").first()
    if found is not None:
        return found
    private_pem, public_pem = generate_key_pair()
    try:
        with transaction.atomic():
            return InstanceKey.objects.create(
                name="instance", public_key_pem=public_pem, private_key_pem=private_pem
            )
    except IntegrityError:
        return InstanceKey.objects.get(name="instance")
