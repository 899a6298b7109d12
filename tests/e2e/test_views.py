"""Clicks find their views: one that comes before discord.py stored the view waits for
it; one on a view that is gone is answered, politely."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from discord.webhook.async_ import AsyncWebhookAdapter

from bot import view_store
from tests.e2e.conftest import World, start_bot, stop_bot
from tests.e2e.test_directory import _add_networks
from tests.e2e.test_proposals import confirmation


async def test_a_click_before_the_view_is_stored_waits_for_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot is held after Discord took its answer and before discord.py stores the
    view (a busy event loop): the member's click on Next comes in between."""
    await _add_networks(world, "Library", 25)
    held, released = asyncio.Event(), asyncio.Event()
    respond = AsyncWebhookAdapter.create_interaction_response

    async def slow_after_discord_took_it(*args: Any, **kwargs: Any) -> Any:
        answer = await respond(*args, **kwargs)
        held.set()
        await released.wait()
        return answer

    monkeypatch.setattr(
        AsyncWebhookAdapter, "create_interaction_response", slow_after_discord_took_it
    )
    ix = await world.double.slash(
        world.volunteer, "partnership search", {"query": "library"}, channel=world.general
    )
    message = (await ix.response()).message
    await held.wait()
    monkeypatch.setattr(AsyncWebhookAdapter, "create_interaction_response", respond)
    next_id = message.components[0]["components"][1]["custom_id"]
    click = await world.double.click(world.volunteer, message, next_id)
    await asyncio.sleep(0.2)  # the click has reached the bot, which finds no view yet
    released.set()
    moved = await click.response()
    assert moved.type == 7
    assert "Page 2 of 3" in message.embeds[0]["footer"]["text"]


async def test_a_click_on_buttons_gone_with_a_restart_is_answered(
    world: World, e2e_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(view_store, "VIEW_GRACE", 0.2)
    message, confirm_id = await confirmation(world)
    await stop_bot(world.bot, world.bot_task)
    world.bot, world.bot_task = await start_bot(world.double, e2e_db_url)
    click = await world.double.click(world.volunteer, message, confirm_id)
    answer = await click.response()
    assert answer.ephemeral
    assert "no longer active" in answer.message.content
    spanish = await world.double.click(world.volunteer, message, confirm_id, locale="es-ES")
    assert "ya no están activos" in (await spanish.response()).message.content
