"""Which language each message is written in, with DEFAULT_LOCALE=es.

A post in a channel (a reminder, a review post, the digest preview) is in the guild's
language, else DEFAULT_LOCALE; a message to one person (the proposer's DM) is in their
language as last seen, else the guild's, else DEFAULT_LOCALE.
"""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import channel_locale, is_language, languages, person_locale, t
from bot.jobs.digests import preview
from bot.jobs.reminders import ReminderDispatcher
from bot.jobs.reviews import ReviewJobs
from storage.db import Database
from storage.models import Entry, GuildSettings
from storage.services import entries
from storage.services.settings import remember_locale, remembered_locale
from tests.support.clocks import FixedClock
from tests.support.factories import GUILD, MODERATOR, VOLUNTEER, entry_input
from tests.support.fakes import RecordingSender
from tests.support.milestone_factories import CHANNEL, DAY, START, configure, new_milestone

REVIEW_CHANNEL = 7001


def test_the_languages_are_the_catalogues() -> None:
    assert languages() == ["en", "es"]
    assert is_language("es") and not is_language("qqq") and not is_language("fr")


def test_a_channel_post_speaks_the_guilds_language_else_the_default() -> None:
    assert channel_locale(None, "es") == "es"
    assert channel_locale("en", "es") == "en"
    assert channel_locale(None, "fr") == "en"  # a language we lack: the fallback


def test_a_message_to_a_person_speaks_theirs_first() -> None:
    assert person_locale("en", "es", "es") == "en"
    assert person_locale(None, "en", "es") == "en"
    assert person_locale(None, None, "es") == "es"


async def _guild(database: Database, *, locale: str | None) -> None:
    async with database.transaction() as session:
        guild = await configure(session, locale=locale)
        guild.review_channel_id = REVIEW_CHANNEL
        session.add(guild)


async def _proposal(database: Database) -> Entry:
    async with database.transaction() as session:
        return await entries.create_entry(
            entry_input(name="Museo Abierto"),
            session=session,
            guild_id=GUILD,
            actor_id=VOLUNTEER,
            now=START,
        )


async def test_reminders_follow_default_locale_es_and_the_guilds_own(database: Database) -> None:
    await _guild(database, locale=None)
    due = START + 10 * DAY
    async with database.transaction() as session:
        entry = await entries.create_entry(
            entry_input(name="Wiki-to-print"),
            session=session,
            guild_id=GUILD,
            actor_id=None,
            now=START,
        )
        await new_milestone(session, entry, due=due, title="Informe")
    sender = RecordingSender()
    dispatcher = ReminderDispatcher(database, sender, default_locale="es")
    clock = FixedClock(due - 7 * DAY)
    await dispatcher.run_due(clock.now())
    ((channel, payload, _),) = sender.sent
    assert channel == CHANNEL
    assert "Recordatorio: «Informe»" in payload["content"]

    async with database.transaction() as session:  # the guild chose English
        guild = await session.get(GuildSettings, GUILD)
        assert guild is not None
        guild.locale = "en"
        session.add(guild)
    clock.set(due - DAY)
    await dispatcher.run_due(clock.now())
    assert "Reminder: “Informe”" in sender.sent[-1][1]["content"]


async def test_review_post_and_dm_with_default_locale_es(database: Database) -> None:
    await _guild(database, locale=None)
    entry = await _proposal(database)
    sender = RecordingSender()
    reviews = ReviewJobs(database, sender, default_locale="es")
    await reviews.post(entry)
    ((channel, post, _),) = sender.sent
    assert channel == REVIEW_CHANNEL
    labels = [button["label"] for button in post["components"][0]["components"]]
    assert labels[0] == t("es", "review-approve") == "Aprobar"

    # The proposer last wrote to the bot in English: their DM is in English.
    async with database.transaction() as session:
        await remember_locale(session=session, user_id=VOLUNTEER, locale="en", now=START)
        decided = await entries.decide(
            entry.id,
            approve=True,
            session=session,
            guild_id=GUILD,
            actor_id=MODERATOR,
            now=START,
        )
        assert await remembered_locale(session=session, user_id=VOLUNTEER) == "en"
    await reviews.tell_decision(decided, now=START + timedelta(minutes=1))
    dm = next(payload for channel, payload, _ in sender.sent if channel == -VOLUNTEER)
    assert dm["content"] == t("en", "review-notice-approved", "Museo Abierto")
    # The review post was edited in the channel's language.
    ((_, _, edited),) = sender.edited
    assert edited["components"][0]["components"][0]["disabled"] is True
    assert edited["components"][0]["components"][0]["label"] == "Aprobar"


async def test_a_proposer_never_seen_is_told_in_the_default(database: Database) -> None:
    await _guild(database, locale=None)
    entry = await _proposal(database)
    async with database.transaction() as session:
        decided = await entries.decide(
            entry.id,
            approve=True,
            session=session,
            guild_id=GUILD,
            actor_id=MODERATOR,
            now=START,
        )
    sender = RecordingSender()
    await ReviewJobs(database, sender, default_locale="es").tell_decision(decided, now=START)
    ((_, dm, _),) = sender.sent
    assert dm["content"] == t("es", "review-notice-approved", "Museo Abierto")


async def test_digest_preview_without_a_schedule_uses_default_locale_es(
    database: Database,
) -> None:
    await _guild(database, locale=None)
    (payload, *_) = await preview(
        database=database, guild_id=GUILD, channel_id=None, now=START, default_locale="es"
    )
    assert "Una semana tranquila" in payload["embeds"][0]["description"]
