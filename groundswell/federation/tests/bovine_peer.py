"""A bovine-herd server on 127.0.0.1 that, like Mastodon in secure mode, refuses unsigned GETs.

Run by test_secure_mode.py with the Python of the separate virtualenv that
`scripts/setup.sh --peers` makes (bovine-herd pins libraries our own venv must not share):

    python bovine_peer.py PORT DATABASE_FILE

bovine-herd (https://codeberg.org/bovine/bovine) is an independent ActivityPub server: it
verifies HTTP signatures with its own code and fetches the signer's key through its own
signed GETs. Before serving, this registers one actor, `bob`, with one public Note, and prints
one JSON line `{"actor", "key_id", "note"}` on stdout, so the test knows where to look.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid

import aiohttp
import bovine.jsonld
from bovine_herd import BovineHerd
from bovine_process.types import ProcessingItem
from bovine_store import BovineAdminStore
from hypercorn.asyncio import serve
from hypercorn.config import Config
from quart import Quart, request


def _no_network(**_options: object) -> object:
    def refuse(url: str, _options: object) -> object:
        raise RuntimeError(f"the test peer never fetches JSON-LD contexts ({url})")

    return refuse


def main() -> None:
    # bovine fetches JSON-LD contexts it does not ship from their web addresses; a test must
    # not reach the internet, so it falls back to its own copies or an empty context.
    bovine.jsonld.requests_document_loader = _no_network
    port, database = int(sys.argv[1]), sys.argv[2]
    origin = f"http://127.0.0.1:{port}"
    received: list[dict[str, object]] = []
    names: dict[str, str] = {}

    async def record_inbox(item: ProcessingItem, actor: object) -> None:
        received.append({"from": item.submitter, "activity": item.data})

    app = BovineHerd(
        Quart(__name__),
        db_url=f"sqlite://{database}",
        start_background_task_inbox=record_inbox,
    )

    @app.before_serving  # type: ignore[untyped-decorator, unused-ignore]
    async def register_bob() -> None:
        admin = BovineAdminStore(domain=origin)
        name = await admin.register("bob")
        names["bob"] = name
        bob = await admin.actor_for_name(name)
        assert bob is not None
        actor = bob.actor_object.build()
        note_id = f"{origin}/objects/{uuid.uuid4()}"
        await bob.store(
            {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": note_id,
                "type": "Note",
                "attributedTo": actor["id"],
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "content": "<p>Signed fetches only, please.</p>",
            },
            as_public=True,
        )
        line = {"actor": actor["id"], "key_id": actor["publicKey"]["id"], "note": note_id}
        print(json.dumps(line), flush=True)  # noqa: T201 - the test reads this line

    @app.post("/test/follow")  # type: ignore[untyped-decorator, unused-ignore]
    async def follow() -> dict[str, object]:
        # A hook for the test only: bob follows `object` by POSTing a Follow, signed by
        # bovine's own code, to `inbox`; the answer is the status our inbox gave.
        wanted = await request.get_json()
        admin = BovineAdminStore(domain=origin)
        bob = await admin.actor_for_name(names["bob"])
        assert bob is not None
        actor = bob.actor_object.build()
        async with aiohttp.ClientSession() as session:
            await bob.init(session=session)
            activity = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{actor['id']}#follows/{uuid.uuid4()}",
                "type": "Follow",
                "actor": actor["id"],
                "object": wanted["object"],
            }
            try:
                answer = await bob.post(wanted["inbox"], activity)
                status = answer.status
            except aiohttp.ClientResponseError as error:
                status = error.status
        return {"status": status, "follow": activity["id"]}

    @app.get("/test/accepted")  # type: ignore[untyped-decorator, unused-ignore]
    async def accepted() -> dict[str, object]:
        # What reached bob's inbox with a signature bovine verified (it answers 401 otherwise).
        return {"received": received}

    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    asyncio.run(serve(app, config))


if __name__ == "__main__":
    main()
