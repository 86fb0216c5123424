from . import tasks


def queue_email(*, to: str, subject: str, body: str, organisation_id: int | None = None) -> None:
    """Queue an email; it is never sent inside the request that asked for it.

    With the database task backend the queued row commits with the caller's transaction,
    so an email is queued exactly when the change that caused it is stored.
    `organisation_id` marks mail an organisation sends to the public; leave it out for
    account mail (see backends.from_organisation).
    """
    tasks.queue_email([to], " ".join(subject.split()), body, organisation_id)
