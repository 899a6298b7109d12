"""The bare bot, driven through the double: every interaction shape, end to end."""

from __future__ import annotations

import statistics
import time

import pytest

from bot.double import ClientRefused, Upload
from tests.support.bare_bot import Scene, double, scene

__all__ = ["double", "scene"]  # fixtures


async def test_slash_reply_is_recorded_as_the_original_message(scene: Scene) -> None:
    ix = await scene.double.slash(scene.vol, "ping", channel=scene.general)
    response = await ix.response()
    assert response.type == 4
    assert response.message is not None and response.message.content == "pong"
    assert not response.ephemeral
    assert (await ix.original()).content == "pong"
    assert ix.latency is not None and 0 < ix.latency < 1
    assert scene.double.messages(scene.general) == [response.message]
    scene.double.assert_no_violations()


async def test_ephemeral_flag_and_option_values(scene: Scene) -> None:
    ix = await scene.double.slash(scene.vol, "echo", {"text": "hola", "private": True})
    response = await ix.response()
    assert response.ephemeral
    assert response.message is not None and response.message.content == "hola"
    assert scene.double.pings(response.message) == frozenset()


async def test_defer_then_followups_and_original_edit(scene: Scene) -> None:
    ix = await scene.double.slash(scene.vol, "slow")
    response = await ix.response()
    assert response.type == 5 and response.deferred
    first = await ix.followup(0)
    extra = await ix.followup(1)
    original = await ix.original(lambda m: m.content == "done")
    # The first follow-up after a deferral replaces the "thinking" message.
    assert first is original and original.edited_at is not None
    assert extra.content == "extra" and extra is not original
    assert [m.content for m in ix.followups] == ["done", "extra"]
    scene.double.assert_no_violations()


async def test_modal_opened_and_submitted(scene: Scene) -> None:
    ix = await scene.double.slash(scene.vol, "feedback")
    response = await ix.response()
    assert response.type == 9 and response.modal is not None
    assert response.modal["title"] == "Feedback"
    submitted = await scene.double.submit_modal(scene.vol, ix, {"Comment": "great", "Mood": ":)"})
    answer = await submitted.response()
    assert answer.message is not None and answer.message.content == "thanks: great (:))"
    assert answer.ephemeral
    with pytest.raises(ClientRefused, match="required"):
        await scene.double.submit_modal(scene.vol, ix, {"Mood": "meh"})
    scene.double.assert_no_violations()


async def test_button_click_updates_the_message(scene: Scene) -> None:
    ix = await scene.double.slash(scene.vol, "vote")
    message = (await ix.response()).message
    assert message is not None and [b["custom_id"] for b in message.buttons()] == [
        "vote:yes",
        "vote:closed",
    ]
    with pytest.raises(ClientRefused, match="disabled"):
        await scene.double.click(scene.vol, message, "vote:closed")
    with pytest.raises(ClientRefused, match="no component"):
        await scene.double.click(scene.vol, message, "vote:no")
    click = await scene.double.click(scene.mod, message, "vote:yes")
    answer = await click.response()
    assert answer.type == 7 and answer.message is message
    assert message.content == "voted yes" and message.components == []
    scene.double.assert_no_violations()


async def test_select_menu(scene: Scene) -> None:
    message = (await (await scene.double.slash(scene.vol, "vote")).response()).message
    assert message is not None
    with pytest.raises(ClientRefused, match="not an option"):
        await scene.double.select(scene.vol, message, "vote:colour", ["green"])
    chosen = await scene.double.select(scene.vol, message, "vote:colour", ["red", "blue"])
    answer = await chosen.response()
    assert answer.message is not None and answer.message.content == "picked red,blue"


async def test_autocomplete_returns_the_bots_choices(scene: Scene) -> None:
    choices = await scene.double.autocomplete(
        scene.vol, "search", {"query": "osm"}, focused="query"
    )
    assert choices == [{"name": "osm spain", "value": "osm spain"}]
    with pytest.raises(ClientRefused, match="no autocomplete"):
        await scene.double.autocomplete(
            scene.vol, "search", {"query": "x", "kind": "Alliance"}, focused="kind"
        )


async def test_choices_and_required_options_are_enforced_like_a_client(scene: Scene) -> None:
    ix = await scene.double.slash(scene.vol, "search", {"query": "osm", "kind": "Alliance"})
    message = (await ix.response()).message
    assert message is not None and message.content == "osm/alliance"
    with pytest.raises(ClientRefused, match="not a choice"):
        await scene.double.slash(scene.vol, "search", {"query": "osm", "kind": "treaty"})
    with pytest.raises(ClientRefused, match="required"):
        await scene.double.slash(scene.vol, "search", {"kind": "alliance"})
    with pytest.raises(ClientRefused, match="no option"):
        await scene.double.slash(scene.vol, "search", {"query": "x", "colour": "red"})
    with pytest.raises(ClientRefused, match="no registered command"):
        await scene.double.slash(scene.vol, "nope")


async def test_subcommand_with_resolved_channel_and_member(scene: Scene) -> None:
    ix = await scene.double.slash(
        scene.vol, "partnership show", {"entry": "7", "where": scene.general, "who": scene.mod}
    )
    message = (await ix.response()).message
    assert message is not None and message.content == "entry 7 in general for Ana"
    assert ix.payload["data"]["options"][0]["options"][0]["value"] == 7
    with pytest.raises(ClientRefused, match="outside"):
        await scene.double.slash(scene.vol, "partnership show", {"entry": 1000})
    with pytest.raises(ClientRefused, match="needs a subcommand"):
        await scene.double.slash(scene.vol, "partnership")


async def test_files_both_ways(scene: Scene) -> None:
    sent = (await (await scene.double.slash(scene.vol, "export")).response()).message
    assert sent is not None and sent.content == "here"
    assert [(a.filename, a.data) for a in sent.attachments] == [("entries.csv", b"name\nosm\n")]
    upload = Upload("list.csv", b"a,b\n1,2\n", "text/csv")
    ix = await scene.double.slash(scene.vol, "import", {"file": upload})
    read = (await ix.response()).message
    assert read is not None and read.content == "list.csv: 8 bytes"
    scene.double.assert_no_violations()


async def test_member_permissions_locales_and_hidden_commands(scene: Scene) -> None:
    ix = await scene.double.slash(scene.mod, "whoami")
    message = (await ix.response()).message
    assert message is not None and message.content == "es-ES es-ES manage=True app_send=True"
    ix = await scene.double.slash(scene.vol, "whoami", locale="fr")
    message = (await ix.response()).message
    assert message is not None and message.content == "fr es-ES manage=False app_send=True"
    assert ix.payload["member"]["user"]["username"] == "Ben"
    with pytest.raises(ClientRefused, match="hidden"):
        await scene.double.slash(scene.vol, "settings")
    assert (await (await scene.double.slash(scene.mod, "settings")).response()).ephemeral


async def test_registered_commands_are_what_the_bot_put(scene: Scene) -> None:
    names = {c["name"] for c in scene.double.registered_commands(scene.guild)}
    assert {"ping", "partnership", "search", "import"} <= names
    assert scene.double.registered_commands() == []
    ids = {c["id"] for c in scene.double.registered_commands(scene.guild)}
    await scene.bot.tree.sync(guild=scene.bot.get_guild(scene.guild.id))
    assert {c["id"] for c in scene.double.registered_commands(scene.guild)} == ids


async def test_slash_in_a_dm_uses_global_commands(scene: Scene) -> None:
    with pytest.raises(ClientRefused, match="no registered command"):
        await scene.double.slash(scene.vol.user, "ping")
    await scene.bot.tree.sync()
    ix = await scene.double.slash(scene.vol.user, "ping")
    message = (await ix.response()).message
    assert message is not None and message.channel.recipient is scene.vol.user
    assert "member" not in ix.payload and ix.payload["user"]["id"] == str(scene.vol.id)


async def test_round_trip_is_fast(scene: Scene) -> None:
    timings = []
    for _ in range(30):
        started = time.perf_counter()
        await (await scene.double.slash(scene.vol, "ping")).response()
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.05
