"""Media in S3-compatible storage (MEDIA_STORAGE=s3), against moto's S3 server on 127.0.0.1.

Uploads stay in the private part; publishing copies them to the public part under the same
name and unpublishing deletes the copy; members get a short-lived presigned URL of the
private file instead of a stream from disk.
"""

from __future__ import annotations

import io
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.settings import s3_storages
from groundswell.stories.models import Story, StoryImage
from groundswell.stories.services import change_state

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
        from moto.server import ThreadedMotoServer

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

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3]:
    server = S3()
    yield server
    server.stop()


@pytest.fixture
def s3(s3_server: S3, settings: Settings) -> Iterator[S3]:
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


def test_publishing_copies_to_the_public_part_and_unpublishing_deletes_the_copy(
    s3: S3, client: Client, org: Organisation, owner: Membership, alice: User
) -> None:
    story = testing.make_story(owner)
    client.force_login(alice)
    image = upload(client, org, story)
    change_state(owner, story, "publish")
    image.refresh_from_db()
    assert image.public
    public = {f"public/{image.image.name}", f"public/{image.small.name}"}
    assert public <= s3.stored()
    assert image.image.url == f"{s3.endpoint}/{BUCKET}/public/{image.image.name}"
    status, body, headers = download(image.image.url)
    assert status == 200
    assert headers["cache-control"] == "public, max-age=600"
    assert headers["content-type"] == "image/jpeg"
    assert body == image.image.open("rb").read()
    client.logout()
    assert f'src="{image.image.url}"' in client.get(story.get_absolute_url()).content.decode()
    [item] = client.get(reverse("hub:feed_json", args=[org.slug])).json()["items"]
    assert item["image"] == image.image.url

    change_state(owner, story, "unpublish")
    assert not public & s3.stored()
    assert download(image.image.url)[0] == 404
    # The private file stays, for members.
    client.force_login(alice)
    signed = client.get(reverse("stories:staff_image", args=[image.pk, "small"]))["Location"]
    assert download(signed)[0] == 200

    change_state(owner, story, "publish")  # exposing again is the same copy
    assert public <= s3.stored()


def test_removing_an_image_deletes_both_copies(
    s3: S3,
    client: Client,
    org: Organisation,
    owner: Membership,
    alice: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    story = testing.make_story(owner)
    client.force_login(alice)
    image = upload(client, org, story)
    change_state(owner, story, "publish")
    assert len(s3.stored()) == 4
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("stories:staff_image_remove", args=[org.slug, story.pk, image.pk])
        )
    assert response.status_code == 302
    assert s3.stored() == set()


def test_a_campaign_cover_follows_its_campaign_into_and_out_of_the_public_part(
    s3: S3, owner: Membership
) -> None:
    from groundswell.campaigns.services import create_campaign, update_campaign
    from groundswell.lib.images import process_image

    cover = process_image(io.BytesIO(testing.image_bytes()), name="cover")
    campaign = create_campaign(
        owner, {"title": "Clean Rivers", "slug": "clean-rivers", "status": "draft"}, cover=cover
    )
    names = {campaign.cover.name, campaign.cover_small.name}
    assert s3.stored() == {f"private/{name}" for name in names}
    campaign = update_campaign(owner, campaign, {"status": "live"})
    assert {f"public/{name}" for name in names} <= s3.stored()
    assert download(campaign.cover_url)[0] == 200
    campaign = update_campaign(owner, campaign, {"status": "draft"})
    assert not {f"public/{name}" for name in names} & s3.stored()


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
