"""PostgreSQL faults through the real bot and the Discord double: the database stopped
for 30 s while volunteers work and a reminder falls due, a server that hangs or is
starting up, a pool with no free connection.

The bot reaches PostgreSQL through `tests.support.pg_outage.OutageProxy`, which a test takes
down and brings back; the real server, shared with others, keeps running. Every
command gets a polite ephemeral "try again shortly" within Discord's 3 s deadline
(the double records a late answer as a violation and the world fails on it), nothing
is half-written, and what fell due goes out once when the database is back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import func, select

from bot.double import Message
from bot.double.interactions import Interaction, Response
from bot.i18n import t
from storage.models import AuditEvent, Reminder, ReminderKind, ReminderState
from storage.services import settings
from tests.e2e import test_digest_commands
from tests.e2e.conftest import World
from tests.e2e.test_faults import DUE, attempts, posted, reminder_due
from tests.e2e.test_proposals import PROPOSAL, confirmation, stored
from tests.support.clocks import FixedClock
from tests.support.pg_outage import OutageProxy

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)

clock = test_digest_commands.clock  # the fixture: the bot on a FixedClock
log = logging.getLogger(__name__)

OUTAGE = 30.0  # seconds, the figure
ROUND_EVERY = 6.0  # seconds between two rounds of commands during the outage
NEW_PROPOSAL = {**PROPOSAL, "Name": "Archivo Abierto"}


@pytest.fixture
def e2e_db_url(proxy: OutageProxy) -> str:
    """The world's bot uses a fresh migrated PostgreSQL database, through the proxy."""
    return proxy.url


async def asked(ix: Awaitable[Interaction]) -> tuple[Interaction, Response]:
    interaction = await ix
    return interaction, await interaction.response()


def told_to_try_again(ix: Interaction, response: Response) -> bool:
    """The polite, ephemeral "try again shortly", in the member's language."""
    message = response.message
    expected = t(ix.payload["locale"], "error-try-again")
    return message is not None and message.ephemeral and message.content == expected


async def audit_rows(world: World) -> int:
    async with world.bot.database.sessions() as session:
        return (await session.exec(select(func.count()).select_from(AuditEvent))).one()


async def followthrough_days(world: World) -> int:
    async with world.bot.database.sessions() as session:
        current = await settings.get_settings(session=session, guild_id=world.guild.id)
    return current.followthrough_days


Action = Callable[[], Awaitable[tuple[Interaction, Response]]]


def volunteers_at_work(world: World, confirm: Message, confirm_id: str) -> list[Action]:
    """What volunteers and a moderator do, all at once, in each round of the outage."""
    double, volunteer, stranger = world.double, world.volunteer, world.stranger

    async def propose_anew() -> tuple[Interaction, Response]:
        opened = await double.slash(
            stranger,
            "partnership propose",
            {"kind": "alliance", "area": "content", "steward": "volunteers"},
        )
        assert (await opened.response()).type == 9  # the modal opens: it needs no database
        return await asked(double.submit_modal(stranger, opened, NEW_PROPOSAL))

    return [
        lambda: asked(double.slash(volunteer, "partnership search", {"query": "wiki"})),
        lambda: asked(double.slash(stranger, "partnership show", {"entry": "Wiki-to-print"})),
        lambda: asked(double.slash(volunteer, "partnership list")),
        lambda: asked(double.slash(volunteer, "milestone list")),
        lambda: asked(double.slash(world.moderator, "settings follow-through", {"days": 45})),
        lambda: asked(double.click(volunteer, confirm, confirm_id)),
        propose_anew,
    ]


async def test_postgres_down_for_30_seconds(
    world: World, clock: FixedClock, proxy: OutageProxy, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    loop = asyncio.get_running_loop()
    await reminder_due(world, clock)
    confirm, confirm_id = await confirmation(world)
    days, audited = await followthrough_days(world), await audit_rows(world)
    work = volunteers_at_work(world, confirm, confirm_id)

    await proxy.stop()
    down_at = loop.time()
    clock.set(DUE + timedelta(minutes=1))
    assert world.bot.waker is not None
    await world.bot.waker.run_all()  # the reminder is due: the run fails, a retry is set
    assert world.bot.waker.failures["reminders"] == 1
    latencies: list[float] = []
    while loop.time() - down_at < OUTAGE - ROUND_EVERY / 2:
        started = loop.time()
        answers = await asyncio.gather(*(action() for action in work))
        for ix, response in answers:
            assert told_to_try_again(ix, response), response
            latencies.append(ix.latency or 0.0)
        await asyncio.sleep(ROUND_EVERY - (loop.time() - started))
    # An autocomplete offers nothing rather than failing.
    choices = await world.double.autocomplete(
        world.volunteer, "partnership show", {"entry": "wiki"}, focused="entry"
    )
    assert choices == []
    assert posted(world, world.reminders) == []
    await asyncio.sleep(down_at + OUTAGE - loop.time())

    await proxy.start()
    up_at = loop.time()
    reminder = await world.double.wait_for_message(world.reminders, timeout=25)
    delivered_after = loop.time() - up_at
    assert "Send the report" in reminder.text
    log.info(
        "outage: %d answers, slowest %.3f s; reminder out %.1f s after the database came back",
        len(latencies),
        max(latencies),
        delivered_after,
    )

    # Nothing from the outage was written, half or whole.
    assert await audit_rows(world) == audited and await followthrough_days(world) == days
    assert await stored(world, "Museo Abierto") is None
    assert await stored(world, "Archivo Abierto") is None

    # Commands work again, the confirmation the volunteer kept included.
    _, found = await asked(
        world.double.slash(world.volunteer, "partnership search", {"query": "wiki"})
    )
    assert found.message is not None and not found.ephemeral and found.message.embeds
    await asked(world.double.click(world.volunteer, confirm, confirm_id))
    review_post = await world.double.wait_for_message(world.review)
    assert "Museo Abierto" in review_post.text
    assert await stored(world, "Museo Abierto") is not None
    await asked(world.double.slash(world.moderator, "settings follow-through", {"days": 45}))
    assert await followthrough_days(world) == 45

    # The reminder went out once, and only once.
    await world.bot.waker.run_all()
    assert attempts(world, world.reminders) == [200]
    async with world.bot.database.sessions() as session:
        states = (
            await session.exec(select(Reminder.state).where(Reminder.kind == ReminderKind.DUE))
        ).all()
    assert states == [ReminderState.SENT]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def fill_the_pool(world: World) -> list[AsyncConnection]:
    """Check out connections until the pool has none left (the last checkout times out)."""
    held: list[AsyncConnection] = []
    with pytest.raises(sa.exc.TimeoutError):
        for _ in range(100):
            held.append(await world.bot.database.engine.connect())
    return held


@pytest.mark.parametrize("fault", ["stall", "starting-up", "pool-exhausted"])
async def test_hung_or_starting_server_and_full_pool_answer_in_time(
    world: World, proxy: OutageProxy, fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    held: list[AsyncConnection] = []
    if fault == "pool-exhausted":
        held = await fill_the_pool(world)
    elif fault == "stall":
        await proxy.stall()  # asyncpg would wait 60 s for it: the connect timeout cuts it short
    else:
        await proxy.starting_up()
    answers = await asyncio.gather(
        asked(world.double.slash(world.volunteer, "partnership search", {"query": "wiki"})),
        asked(world.double.slash(world.moderator, "settings follow-through", {"days": 45})),
    )
    for ix, response in answers:
        assert told_to_try_again(ix, response), response
    log.info("%s: answered in %s s", fault, [round(ix.latency or 0, 3) for ix, _ in answers])

    for connection in held:
        await connection.close()
    await proxy.start()
    _, found = await asked(
        world.double.slash(world.volunteer, "partnership search", {"query": "wiki"})
    )
    assert found.message is not None and not found.ephemeral
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
