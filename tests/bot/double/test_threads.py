"""Threads: started once from a message, posted in, archived and locked; permissions."""

from __future__ import annotations

import discord
import pytest
from discord.http import Route

from bot.double.state import P
from tests.support.bare_bot import Scene, double, scene

__all__ = ["double", "scene"]  # fixtures


async def post(scene: Scene, channel_id: int, content: str) -> dict:
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
    return await scene.bot.http.request(route, json={"content": content})


async def test_a_thread_on_a_message_once_then_archived_and_locked(scene: Scene) -> None:
    message = await post(scene, scene.general.id, "A proposal")
    http = scene.bot.http
    thread = await http.start_thread_with_message(
        scene.general.id, message["id"], name="Museo Abierto", auto_archive_duration=10080
    )
    assert thread["id"] == message["id"] and thread["parent_id"] == str(scene.general.id)
    (made,) = scene.double.threads(scene.general)
    assert made.name == "Museo Abierto" and not made.archived
    with pytest.raises(discord.HTTPException) as again:
        await http.start_thread_with_message(
            scene.general.id, message["id"], name="again", auto_archive_duration=10080
        )
    assert again.value.code == 160004
    assert scene.double.violations == []  # what Discord answers, not a misuse
    await post(scene, made.id, "Approved")
    assert [m.content for m in scene.double.messages(made)] == ["Approved"]
    await http.edit_channel(made.id, archived=True, locked=True)
    assert made.archived and made.locked
    await post(scene, made.id, "moderators may still post")  # the bot has Manage Threads
    assert made.archived is False and made.locked


async def test_threads_need_their_permissions(scene: Scene) -> None:
    message = await post(scene, scene.general.id, "A proposal")
    scene.double.deny_bot(scene.general, P.CREATE_PUBLIC_THREADS)
    with pytest.raises(discord.Forbidden) as refused:
        await scene.bot.http.start_thread_with_message(
            scene.general.id, message["id"], name="x", auto_archive_duration=10080
        )
    assert refused.value.code == 50013
    scene.double.restore_send(scene.general)
    await scene.bot.http.start_thread_with_message(
        scene.general.id, message["id"], name="x", auto_archive_duration=10080
    )
    (thread,) = scene.double.threads(scene.general)
    scene.double.deny_bot(scene.general, P.SEND_MESSAGES_IN_THREADS | P.MANAGE_THREADS)
    with pytest.raises(discord.Forbidden):
        await post(scene, thread.id, "hello")
    with pytest.raises(discord.Forbidden):
        await scene.bot.http.edit_channel(thread.id, locked=True)
    assert {v.message for v in scene.double.violations} <= {"Missing Permissions"}
    scene.double.violations.clear()
