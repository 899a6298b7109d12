"""What the milestone and reminder tests share: the world's bot on a fixed clock, and
steps of a member (add a milestone, run a command, press a button) through the double."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.double import Channel, Member, Message
from storage.models import Milestone
from storage.services import entries, milestones
from tests.e2e.conftest import World
from tests.support.clocks import FixedClock

ENTRY = "Wiki-to-print"
DAY = timedelta(days=1)
FULL_DATE = re.compile(r"<t:(\d+):F>")


async def add(
    world: World, user: Member, *, locale: str | None = None, **options: object
) -> Message:
    """/milestone add on ENTRY as `user`; returns the answer."""
    ix = await world.double.slash(
        user, "milestone add", {"entry": ENTRY, **options}, channel=world.general, locale=locale
    )
    return (await ix.response()).message


async def stored(world: World, title: str) -> Milestone | None:
    async with world.bot.database.sessions() as session:
        found, _ = await milestones.list_milestones(
            session=session, guild_id=world.guild.id, include_done=True, limit=500
        )
    return next((m for m in found if m.title == title), None)


async def run(
    world: World,
    command: str,
    user: Member,
    options: dict[str, object],
    channel: Channel | None = None,
) -> Message:
    ix = await world.double.slash(user, command, options, channel=channel or world.general)
    return (await ix.response()).message


async def set_reminder_channel(world: World, channel: Channel | None = None) -> None:
    await run(
        world, "settings reminder-channel", world.moderator, {"channel": channel or world.reminders}
    )


def ids(message: Message) -> list[str]:
    return [c["custom_id"] for c in message.walk_components() if c.get("custom_id")]


def unseen(world: World) -> list[Message]:
    """Reminder-channel posts no wait has returned yet."""
    return [m for m in world.double.messages(world.reminders) if m.kind == "post" and not m.awaited]


async def click(world: World, user: Member, message: Message, custom_id: str) -> Message:
    ix = await world.double.click(user, message, custom_id)
    return (await ix.response()).message


async def past_first_reminder(
    world: World, clock: FixedClock, title: str, coordinator: Member | None = None
) -> Milestone:
    """A milestone due in 2 days, coordinated by `coordinator` (None: added by no one, as
    an import, so the coordinator role's); then the clock passes its 1-day reminder and
    it is sent."""
    await set_reminder_channel(world)
    if coordinator is not None:
        await add(world, world.moderator, title=title, due="in 2 days", coordinator=coordinator)
    else:
        async with world.bot.database.transaction() as session:
            entry = await entries.resolve_entry(ENTRY, session=session, guild_id=world.guild.id)
            await milestones.add_milestone(
                session=session,
                guild_id=world.guild.id,
                entry_id=entry.id,
                title=title,
                due_at=clock.now() + 2 * DAY,
                coordinator_id=None,
                actor_id=None,
                now=clock.now(),
            )
    milestone = await stored(world, title)
    assert milestone is not None
    clock.advance(DAY + timedelta(minutes=1))
    await world.bot.waker.run_all()
    return milestone


async def first_reminder(
    world: World, clock: FixedClock, title: str, coordinator: Member
) -> tuple[Milestone, Message]:
    milestone = await past_first_reminder(world, clock, title, coordinator)
    return milestone, await world.double.wait_for_message(world.reminders)
