"""Channel posts and DMs: who gets pinged, nonce dedupe, deleted and forbidden channels."""

from __future__ import annotations

import discord
import pytest
from discord.http import Route

from bot.double import EVERYONE, HERE
from tests.support.bare_bot import Scene, double, scene

__all__ = ["double", "scene"]  # fixtures


def channel_of(scene: Scene) -> discord.TextChannel:
    channel = scene.bot.get_channel(scene.general.id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_allowed_mentions_none_pings_nobody(scene: Scene) -> None:
    role = scene.guild.add_role("Volunteers", mentionable=True)
    text = f"@everyone @here {scene.vol.mention} {role.mention} look"
    sent = await channel_of(scene).send(text, allowed_mentions=discord.AllowedMentions.none())
    posted = await scene.double.wait_for_message(scene.general)
    assert posted.id == sent.id and posted.content == text
    assert posted.allowed_mentions == {"parse": []}
    assert scene.double.pings(posted) == frozenset()
    assert not sent.mention_everyone


async def test_without_allowed_mentions_everyone_is_pinged(scene: Scene) -> None:
    role = scene.guild.add_role("Quiet")  # not mentionable, but the bot may mention everyone
    text = f"@everyone {scene.vol.mention} {role.mention}"
    await channel_of(scene).send(text)
    posted = await scene.double.wait_for_message(scene.general)
    assert posted.allowed_mentions is None
    assert scene.double.pings(posted) == {EVERYONE, scene.vol.id, role.id}


async def test_only_listed_users_ping_and_embeds_never_do(scene: Scene) -> None:
    allowed = discord.AllowedMentions(
        everyone=False, users=[discord.Object(scene.vol.id)], roles=False
    )
    embed = discord.Embed(description=f"{scene.mod.mention} @here")
    text = f"{scene.vol.mention} {scene.mod.mention} @here"
    await channel_of(scene).send(text, embed=embed, allowed_mentions=allowed)
    posted = await scene.double.wait_for_message(scene.general)
    assert scene.double.pings(posted) == {scene.vol.id}
    assert HERE not in scene.double.pings(posted)


async def test_nonce_with_enforce_nonce_creates_one_message(scene: Scene) -> None:
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=scene.general.id)
    body = {"content": "digest", "nonce": "digest-2026-w01", "enforce_nonce": True}
    first = await scene.bot.http.request(route, json=body)
    again = await scene.bot.http.request(route, json=body)
    assert first["id"] == again["id"]
    assert [m.content for m in scene.double.messages(scene.general)] == ["digest"]
    other = await scene.bot.http.request(route, json={**body, "nonce": "digest-2026-w02"})
    assert other["id"] != first["id"]


async def test_deleted_channel_and_revoked_permission(scene: Scene) -> None:
    gone = scene.guild.add_text_channel("old")
    keep = scene.guild.add_text_channel("announcements")
    scene.guild.remove_channel(gone)
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=gone.id)
    with pytest.raises(discord.NotFound) as missing:
        await scene.bot.http.request(route, json={"content": "hi"})
    assert missing.value.code == 10003
    scene.double.revoke_send(keep)
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=keep.id)
    with pytest.raises(discord.Forbidden) as forbidden:
        await scene.bot.http.request(route, json={"content": "hi"})
    assert forbidden.value.code == 50013
    scene.double.restore_send(keep)
    await scene.bot.http.request(route, json={"content": "hi again"})
    assert [m.content for m in scene.double.messages(keep)] == ["hi again"]


async def test_dms_open_and_closed(scene: Scene) -> None:
    user = await scene.bot.fetch_user(scene.vol.id)
    await user.send("your reminder")
    assert (await scene.double.wait_for_dm(scene.vol)).content == "your reminder"
    scene.double.close_dms(scene.vol)
    with pytest.raises(discord.Forbidden) as refused:
        await user.send("again")
    assert refused.value.code == 50007
    stranger = await scene.bot.fetch_user(scene.double.add_user("Stranger").id)
    with pytest.raises(discord.Forbidden):
        await stranger.send("hello")  # shares no guild with the bot
    assert [m.content for m in scene.double.dm_messages(scene.vol)] == ["your reminder"]


async def test_wait_for_message_returns_each_post_once(scene: Scene) -> None:
    channel = channel_of(scene)
    await channel.send("one")
    await channel.send("two")
    edited = await channel.send("three")
    await edited.edit(content="three, edited")
    assert (await scene.double.wait_for_message(scene.general)).content == "one"
    matched = await scene.double.wait_for_message(scene.general, lambda m: "three" in m.content)
    assert matched.content == "three, edited" and matched.edited_at is not None
    assert (await scene.double.wait_for_message(scene.general)).content == "two"
    with pytest.raises(TimeoutError):
        await scene.double.wait_for_message(scene.general, timeout=0.05)


async def test_empty_and_oversized_posts_are_violations(scene: Scene) -> None:
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=scene.general.id)
    with pytest.raises(discord.HTTPException) as empty:
        await scene.bot.http.request(route, json={"content": "  "})
    assert empty.value.code == 50006
    with pytest.raises(discord.HTTPException) as long:
        await channel_of(scene).send("x" * 2001)
    assert long.value.code == 50035
    assert [v.message for v in scene.double.violations] == [
        "Cannot send an empty message",
        "content: Must be 2000 or fewer in length. (got 2001)",
    ]
    scene.double.violations.clear()
