"""Blurring a published story's image in S3-compatible storage (moto on 127.0.0.1)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image, ImageChops, ImageStat

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.lib.tests.test_media_s3 import (  # noqa: F401 (fixtures)
    S3,
    download,
    publish,
    queued,
    s3,
    s3_server,
    work,
)
from groundswell.stories.tests.test_image_region import photo

REGION = {"operation": "blur", "left": "0", "top": "0", "width": "50", "height": "50"}


def test_the_old_picture_leaves_both_parts_of_the_bucket_through_the_task(
    s3: S3,  # noqa: F811
    client: Client,
    org: Organisation,
    owner: Membership,
    alice: User,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    story = testing.make_story(owner)
    client.force_login(alice)
    response = client.post(
        reverse("stories:staff_image_add", args=[org.slug, story.pk]),
        {"image": SimpleUploadedFile("p.jpg", photo()), "alt_text": "People at the river"},
    )
    assert response.status_code == 302
    image = story.images.get()
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, org, story)
    work(caplog)
    old_names = [image.image.name, image.small.name]
    old = set(old_names)
    old_keys = {f"{part}/{name}" for part in ("private", "public") for name in old}
    assert s3.stored() == old_keys
    old_small = s3.body(f"private/{image.small.name}")
    old_url = image.image.url

    preview = client.get(
        reverse("stories:staff_image_region_preview", args=[org.slug, story.pk, image.pk]),
        REGION,
    )
    assert preview.status_code == 200 and preview["Content-Type"] == "image/jpeg"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("stories:staff_image_region", args=[org.slug, story.pk, image.pk]),
            {**REGION, "apply": "1"},
        )
    assert response.status_code == 302
    image.refresh_from_db()
    new = {image.image.name, image.small.name}
    assert new.isdisjoint(old)
    # The deletion and the new public copies wait for the worker, as every S3 step does.
    assert queued("delete_media_files") == [("network", [[old_names[0], old_names[1]]])]
    assert old_keys <= s3.stored()
    assert queued("settle_story_images") == [("network", [story.pk])]

    work(caplog)
    assert s3.stored() == {f"{part}/{name}" for part in ("private", "public") for name in new}
    assert download(old_url)[0] == 404
    status, body, _headers = download(image.small.url)
    assert status == 200 and body == s3.body(f"private/{image.small.name}")
    before = Image.open(io.BytesIO(old_small)).convert("RGB")
    after = Image.open(io.BytesIO(body)).convert("RGB")
    corner = (0, 0, before.width // 2 - 16, before.height // 2 - 16)
    changed = ImageChops.difference(before.crop(corner), after.crop(corner))
    assert sum(ImageStat.Stat(changed).mean) / 3 > 30
