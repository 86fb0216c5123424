"""Media in S3-compatible storage (MEDIA_STORAGE=s3), against moto's S3 server on 127.0.0.1.

Uploads stay in the private part; publishing copies them to the public part under the same
name and unpublishing deletes the copy; members get a short-lived presigned URL of the
private file instead of a stream from disk.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from moto.server import ThreadedMotoServer
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.settings import s3_storages
from groundswell.stories.models import Story, StoryImage

BUCKET = "groundswell-media"
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/public/*",
        }
    ],
}


class S3:
    """moto's S3 server on 127.0.0.1 and a client to look inside the bucket."""

    def __init__(self) -> None:
        import boto3

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="test-key",
            aws_secret_access_key="test-secret",
            region_name="us-east-1",
        )
        self.client.create_bucket(Bucket=BUCKET)
        # The policy docs/deployment.md gives: anyone may read public/*, nothing else.
        self.client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))

    def stored(self) -> set[str]:
        listed = self.client.list_objects_v2(Bucket=BUCKET)
        return {item["Key"] for item in listed.get("Contents", [])}

    def head(self, key: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.head_object(Bucket=BUCKET, Key=key)
        return answer

    def body(self, key: str) -> bytes:
        data: bytes = self.client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        return data

    @contextmanager
    def down(self) -> Iterator[None]:
        """The server stopped and its port closed, so any S3 call fails (moto keeps the
        bucket in this process, so it is all there again after)."""
        self.stop()
        try:
            yield
        finally:
            self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
            self.server.start()

    def stop(self) -> None:
        self.server.stop()
        # shutdown() leaves the socket listening: a call would hang instead of failing.
        self.server._server.server_close()  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3]:
    server = S3()
    yield server
    server.stop()


@pytest.fixture
def s3(s3_server: S3, settings: Settings, transactional_db: None, task_queue: None) -> Iterator[S3]:
    """S3 media, and a database queue whose tasks wait for `work()`, as the worker's would.

    Transactional: the worker closes and reopens its connection between tasks, which a
    test wrapped in one transaction would not survive on PostgreSQL.
    """
    settings.MEDIA_STORAGE = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        **s3_storages(
            bucket=BUCKET,
            public_bucket=BUCKET,
            endpoint_url=s3_server.endpoint,
            access_key="test-key",
            secret_key="test-secret",
            region="us-east-1",
            public_url="",
            signed_seconds=240,
        ),
    }
    yield s3_server
    for key in s3_server.stored():
        s3_server.client.delete_object(Bucket=BUCKET, Key=key)


def download(url: str) -> tuple[int, bytes, dict[str, str]]:
    """GET from moto (127.0.0.1 only) as a browser would."""
    assert urlsplit(url).hostname == "127.0.0.1", url
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.read(), {k.lower(): v for k, v in reply.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, b"", {}


def upload(client: Client, org: Organisation, story: Story) -> StoryImage:
    response = client.post(
        reverse("stories:staff_image_add", args=[org.slug, story.pk]),
        {"image": SimpleUploadedFile("p.png", testing.image_bytes()), "alt_text": "A picture"},
    )
    assert response.status_code == 302
    image = story.images.order_by("-pk").first()
    assert image is not None
    return image


def test_an_upload_is_private_and_members_get_a_presigned_url_valid_minutes(
    s3: S3, client: Client, org: Organisation, owner: Membership, alice: User, charlie: User
) -> None:
    story = testing.make_story(owner)
    client.force_login(alice)
    image = upload(client, org, story)
    private = {f"private/{image.image.name}", f"private/{image.small.name}"}
    assert s3.stored() == private  # nothing public, nothing on disk
    assert s3.head(f"private/{image.image.name}")["CacheControl"] == "private, no-store"

    staff_url = reverse("stories:staff_image", args=[image.pk, "large"])
    response = client.get(staff_url)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    signed = response["Location"]
    query = parse_qs(urlsplit(signed).query)
    assert query["X-Amz-Expires"] == ["240"]
    assert urlsplit(signed).path == f"/{BUCKET}/private/{image.image.name}"
    status, body, _headers = download(signed)
    assert status == 200
    assert (
        body
        == s3.client.get_object(Bucket=BUCKET, Key=f"private/{image.image.name}")["Body"].read()
    )
    # Without the signature the private file is refused; a stranger gets no link at all.
    assert download(signed.split("?")[0])[0] == 403
    client.force_login(charlie)
    assert client.get(staff_url).status_code == 404
    # The public address of an unpublished image leads nowhere.
    assert download(image.image.url)[0] == 404


def publish(client: Client, org: Organisation, story: Story, action: str = "publish") -> None:
    """The staff page's button, as a member presses it (on-commit work runs, as it would)."""
    response = client.post(
        reverse("stories:staff_transition", args=[org.slug, story.pk]), {"action": action}
    )
    assert response.status_code == 302
    story.refresh_from_db()


def queued(name: str) -> list[tuple[str, list[Any]]]:
    """The tasks of that name waiting in the database queue: (queue, arguments)."""
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(status="READY", task_path__endswith=f".{name}")
    return [(row.queue_name, row.args_kwargs["args"]) for row in rows]


def work(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Run the network worker over what is queued; the requests moto saw meanwhile."""
    from django.core.management import call_command

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        call_command(
            "db_worker", queue_name="network", batch=True, startup_delay=False, verbosity=0
        )
    return [record.getMessage() for record in caplog.records if record.name == "werkzeug"]


def test_publishing_answers_without_s3_and_a_task_copies_the_files_server_side(
    s3: S3,
    client: Client,
    org: Organisation,
    owner: Membership,
    alice: User,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    story = testing.make_story(owner)
    client.force_login(alice)
    image = upload(client, org, story)
    public = {f"public/{image.image.name}", f"public/{image.small.name}"}
    with s3.down(), django_capture_on_commit_callbacks(execute=True):
        publish(client, org, story)
        # The request made no S3 call (the server is down); the page already links the
        # public address, and the feed needs nothing from the storage either.
        assert story.state == "published"
        image.refresh_from_db()
        assert image.public
        client.logout()
        assert f'src="{image.image.url}"' in client.get(story.get_absolute_url()).content.decode()
        rss = client.get(reverse("hub:feed_rss", args=[org.slug])).content.decode()
        assert f'length="{image.image_bytes}"' in rss
    assert image.image_bytes == len(s3.body(f"private/{image.image.name}")) > 0
    assert queued("settle_story_images") == [("network", [story.pk])]
    assert not public & s3.stored()

    requests = work(caplog)
    assert public <= s3.stored()
    # Copied inside S3: two PUTs (CopyObject) and no download of the private files.
    assert [line for line in requests if "GET /" in line] == []
    assert len([line for line in requests if "PUT /groundswell-media/public/" in line]) == 2
    assert image.image.url == f"{s3.endpoint}/{BUCKET}/public/{image.image.name}"
    status, body, headers = download(image.image.url)
    assert status == 200
    assert headers["cache-control"] == "public, max-age=600"
    assert headers["content-type"] == "image/jpeg"
    assert body == s3.body(f"private/{image.image.name}")
    [item] = client.get(reverse("hub:feed_json", args=[org.slug])).json()["items"]
    assert item["image"] == image.image.url


def test_unpublishing_unlinks_at_once_and_a_task_deletes_the_public_copies(
    s3: S3,
    client: Client,
    org: Organisation,
    owner: Membership,
    alice: User,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    story = testing.make_story(owner)
    client.force_login(alice)
    image = upload(client, org, story)
    public = {f"public/{image.image.name}", f"public/{image.small.name}"}
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, org, story)
    work(caplog)
    assert public <= s3.stored()

    with s3.down(), django_capture_on_commit_callbacks(execute=True):
        publish(client, org, story, "unpublish")
        image.refresh_from_db()
        assert not image.public
        assert image.image.url not in image.src  # pages link the members-only address now
    assert queued("settle_story_images") == [("network", [story.pk])]
    # Readable until the worker runs: docs/deployment.md says so.
    assert download(image.image.url)[0] == 200
    work(caplog)
    assert not public & s3.stored()
    assert download(image.image.url)[0] == 404
    # The private file stays, for members.
    signed = client.get(reverse("stories:staff_image", args=[image.pk, "small"]))["Location"]
    assert download(signed)[0] == 200

    with django_capture_on_commit_callbacks(execute=True):
        publish(client, org, story)  # exposing again is the same copy
    work(caplog)
    assert public <= s3.stored()


def test_a_task_for_a_story_unpublished_meanwhile_exposes_nothing(
    s3: S3,
    client: Client,
    org: Organisation,
    owner: Membership,
    alice: User,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    story = testing.make_story(owner)
    client.force_login(alice)
    image = upload(client, org, story)
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, org, story)
    # Unpublished before any worker ran: the publish's task runs first and reads the
    # story as it is now, so it copies nothing (a copy undone by the second task would
    # still have been public meanwhile).
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, org, story, "unpublish")
    assert queued("settle_story_images") == [("network", [story.pk])] * 2
    requests = work(caplog)
    assert queued("settle_story_images") == []
    assert [line for line in requests if "/public/" in line and "PUT" in line] == []
    assert s3.stored() == {f"private/{image.image.name}", f"private/{image.small.name}"}
    assert download(image.image.url)[0] == 404


def test_a_task_that_finds_s3_down_runs_again_later_and_then_copies(
    s3: S3,
    client: Client,
    org: Organisation,
    owner: Membership,
    alice: User,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    story = testing.make_story(owner)
    client.force_login(alice)
    image = upload(client, org, story)
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, org, story)
    before = timezone.now()
    with s3.down():
        work(caplog)
    [retry] = DBTaskResult.objects.filter(status="READY")
    assert retry.args_kwargs["args"] == [story.pk, 2]
    assert retry.run_after is not None
    assert retry.run_after >= before + timedelta(seconds=30)
    assert not DBTaskResult.objects.filter(status="FAILED").exists()

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # time passes
    work(caplog)
    assert {f"public/{image.image.name}", f"public/{image.small.name}"} <= s3.stored()
    assert queued("settle_story_images") == []


def test_a_story_unpublished_while_its_files_are_copied_keeps_no_public_copy(
    s3: S3,
    client: Client,
    org: Organisation,
    owner: Membership,
    alice: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from groundswell.lib import media
    from groundswell.stories.media import settle_story

    story = testing.make_story(owner)
    client.force_login(alice)
    image = upload(client, org, story)
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, org, story)
    copy = media.expose

    def copy_while_someone_unpublishes(names: list[str]) -> None:
        copy(names)
        # Another request, between this task's reading the story and its copy landing;
        # that request's own task may well have run already.
        Story.objects.filter(pk=story.pk).update(state="draft")

    monkeypatch.setattr(media, "expose", copy_while_someone_unpublishes)
    assert settle_story(story.pk)
    assert s3.stored() == {f"private/{image.image.name}", f"private/{image.small.name}"}


def test_removing_an_image_deletes_both_copies_in_a_task(
    s3: S3,
    client: Client,
    org: Organisation,
    owner: Membership,
    alice: User,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    story = testing.make_story(owner)
    client.force_login(alice)
    image = upload(client, org, story)
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, org, story)
    work(caplog)
    assert len(s3.stored()) == 4
    with s3.down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("stories:staff_image_remove", args=[org.slug, story.pk, image.pk])
        )
        assert response.status_code == 302
    assert len(s3.stored()) == 4
    work(caplog)
    assert s3.stored() == set()


def test_approving_an_organisation_queues_its_files_and_the_tasks_copy_them(
    s3: S3,
    client: Client,
    alice: User,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from groundswell.accounts.services import approve_organisation
    from groundswell.campaigns.models import Campaign
    from groundswell.campaigns.services import create_campaign
    from groundswell.lib.images import process_image

    waiting = testing.make_organisation(alice, name="Dana's Walkers", slug="danas", approved=False)
    member = testing.membership(alice, waiting)
    story = testing.make_story(member)
    client.force_login(alice)
    image = upload(client, waiting, story)
    cover = process_image(io.BytesIO(testing.image_bytes()), name="cover")
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, waiting, story)
        campaign = create_campaign(
            member, {"title": "Clean Rivers", "slug": "clean-rivers", "status": "live"}, cover=cover
        )
    work(caplog)
    assert not any(key.startswith("public/") for key in s3.stored())  # not approved yet

    operator = testing.make_user("erin@example.org", "Erin Operator")
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    with s3.down(), django_capture_on_commit_callbacks(execute=True):
        assert approve_organisation(waiting, by=operator)
    # Each task on its own: the two tables' ids come from separate sequences on PostgreSQL.
    assert queued("settle_story_images") == [("network", [story.pk])]
    assert queued("settle_campaign_cover") == [("network", [campaign.pk])]
    work(caplog)
    campaign = Campaign.objects.get(pk=campaign.pk)
    names = [image.image.name, image.small.name, campaign.cover.name, campaign.cover_small.name]
    assert {f"public/{name}" for name in names} <= s3.stored()
    assert download(campaign.cover_url)[0] == 200


def test_a_campaign_cover_follows_its_campaign_into_and_out_of_the_public_part(
    s3: S3,
    owner: Membership,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from groundswell.campaigns.services import create_campaign, update_campaign
    from groundswell.lib.images import process_image

    cover = process_image(io.BytesIO(testing.image_bytes()), name="cover")
    campaign = create_campaign(
        owner, {"title": "Clean Rivers", "slug": "clean-rivers", "status": "draft"}, cover=cover
    )
    names = {campaign.cover.name, campaign.cover_small.name}
    assert s3.stored() == {f"private/{name}" for name in names}
    with s3.down(), django_capture_on_commit_callbacks(execute=True):
        campaign = update_campaign(owner, campaign, {"status": "live"})
    assert campaign.cover_public
    work(caplog)
    assert {f"public/{name}" for name in names} <= s3.stored()
    assert download(campaign.cover_url)[0] == 200
    with s3.down(), django_capture_on_commit_callbacks(execute=True):
        campaign = update_campaign(owner, campaign, {"status": "draft"})
    assert campaign.cover_url == ""
    work(caplog)
    assert not {f"public/{name}" for name in names} & s3.stored()

    # A new cover for a live campaign: the old files go in a task, the new are copied.
    with django_capture_on_commit_callbacks(execute=True):
        campaign = update_campaign(owner, campaign, {"status": "live"})
    work(caplog)
    fresh = process_image(io.BytesIO(testing.image_bytes(size=(900, 600))), name="cover")
    # (Storing an upload is itself an S3 call: this request needs the server up.)
    with django_capture_on_commit_callbacks(execute=True):
        campaign = update_campaign(owner, campaign, {}, cover=fresh)
    work(caplog)
    new = {campaign.cover.name, campaign.cover_small.name}
    assert s3.stored() == {f"{part}/{name}" for part in ("private", "public") for name in new}


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE must be filesystem or s3, not 'ftp'"),
        (
            {"MEDIA_STORAGE": "s3", "S3_BUCKET": "b"},
            "MEDIA_STORAGE=s3 needs S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY",
        ),
        (
            {"MEDIA_STORAGE": "s3", "S3_BUCKET": "b", "S3_ACCESS_KEY_ID": "k",
             "S3_SECRET_ACCESS_KEY": "s", "S3_SIGNED_URL_SECONDS": "86400"},
            "S3_SIGNED_URL_SECONDS must be between 30 and 3600",
        ),
    ],
)  # fmt: skip
def test_a_bad_storage_setting_stops_the_process_with_a_message(
    environment: dict[str, str], message: str
) -> None:
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import groundswell.settings"],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert message in done.stderr
