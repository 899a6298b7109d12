"""Publishing the directory to a real MediaWiki: created, left alone when nothing
changed, people's text and rows kept, conflicts read again."""

from __future__ import annotations

from sqlmodel import select

from bot.i18n import languages
from bot.wiki.client import Page
from bot.wiki.local import PERSON_USER, MediaWiki
from bot.wiki.mediawiki import MwClient
from bot.wiki.publish import CREATED, EDITED, UNCHANGED, publish
from storage.db import Database
from storage.models import WikiChange
from storage.schemas import EntryUpdate
from storage.services import entries, settings, wiki
from storage.wiki_text import END, START
from tests.support.clocks import FixedClock
from tests.support.factories import GUILD, MODERATOR


async def choose_page(database: Database, title: str, clock: FixedClock) -> None:
    async with database.transaction() as session:
        await wiki.set_page(
            session=session, guild_id=GUILD, title=title, actor_id=MODERATOR, now=clock.now()
        )


async def run(database: Database, client: MwClient, clock: FixedClock, **options: object):
    return await publish(
        database, client, guild_id=GUILD, now=clock.now(), default_locale="en", **options
    )


async def rename_summary(database: Database, name: str, summary: str, clock: FixedClock) -> None:
    async with database.transaction() as session:
        entry = await entries.find_by_name(session=session, guild_id=GUILD, name=name)
        assert entry is not None and entry.id is not None
        await entries.update_entry(
            entry.id,
            EntryUpdate(summary=summary),
            session=session,
            guild_id=GUILD,
            actor_id=MODERATOR,
            now=clock.now(),
        )


async def items(database: Database) -> list[WikiChange]:
    async with database.sessions() as session:
        return list((await session.exec(select(WikiChange).order_by(WikiChange.id))).all())


async def test_the_first_publish_creates_the_page_and_a_second_makes_no_edit(
    directory: Database, client: MwClient, mediawiki: MediaWiki, title: str, clock: FixedClock
) -> None:
    await choose_page(directory, title, clock)
    first = await run(directory, client, clock)
    assert first.outcome == CREATED and first.revid
    text = mediawiki.text(title)
    assert text.startswith(START) and text.rstrip().endswith(END)
    assert "Wiki-to-print" in text and 'class="wikitable sortable"' in text
    assert first.diff_url and f"diff={first.revid}" in first.diff_url

    second = await run(directory, client, clock)
    assert second.outcome == UNCHANGED and second.revid == first.revid
    assert len(mediawiki.revisions(title)) == 1
    edit = mediawiki.revisions(title)[0]
    assert edit["user"] == "Partnerbot" and "5 entries" in str(edit["comment"])


async def test_text_people_wrote_outside_the_markers_stays(
    directory: Database, client: MwClient, mediawiki: MediaWiki, title: str, clock: FixedClock
) -> None:
    mediawiki.edit_as_person(title, "Please contribute your ideas!\n\n== Ideas ==\n* one")
    await choose_page(directory, title, clock)
    appended = await run(directory, client, clock)
    assert appended.outcome == EDITED
    text = mediawiki.text(title)
    assert text.startswith("Please contribute your ideas!\n\n== Ideas ==\n* one\n\n" + START)

    page = mediawiki.text(title)
    mediawiki.edit_as_person(title, "Intro by Rosa.\n" + page + "\n[[Category:Lists]]")
    await rename_summary(directory, "Wiki-to-print", "Printed books from wikis.", clock)
    edited = await run(directory, client, clock)
    assert edited.outcome == EDITED and edited.old_revid is not None
    text = mediawiki.text(title)
    assert text.startswith("Intro by Rosa.\nPlease contribute your ideas!")
    assert text.endswith("\n[[Category:Lists]]") and "Printed books from wikis." in text
    assert await items(directory) == []


async def test_a_persons_row_becomes_a_review_item_and_survives_the_next_publish(
    directory: Database, client: MwClient, mediawiki: MediaWiki, title: str, clock: FixedClock
) -> None:
    await choose_page(directory, title, clock)
    await run(directory, client, clock)
    text, line = mediawiki.row(title, "Wiki-to-print")
    changed = line.replace("| Wiki-to-print ||", "| Wiki-to-print || ROSA WAS HERE", 1)
    person_revid = mediawiki.edit_as_person(title, text.replace(line, changed))

    await rename_summary(directory, "Wiki-to-print", "The directory's new summary.", clock)
    published = await run(directory, client, clock)
    # The only change is to the row the person changed: held as they left it, no edit.
    assert published.outcome == UNCHANGED
    [item] = published.changes
    assert (item.kind, item.row_name, item.revid, item.wiki_user) == (
        "changed",
        "Wiki-to-print",
        person_revid,
        PERSON_USER,
    )
    text = mediawiki.text(title)
    assert "ROSA WAS HERE" in text and "The directory's new summary." not in text

    await rename_summary(directory, "Wikimedia–OpenStreetMap", "Maps, together.", clock)
    again = await run(directory, client, clock)
    assert again.outcome == EDITED and again.changes == []
    text = mediawiki.text(title)
    assert "ROSA WAS HERE" in text and "Maps, together." in text
    assert len(await items(directory)) == 1


async def test_a_removed_row_is_reported_and_not_put_back_until_decided(
    directory: Database, client: MwClient, mediawiki: MediaWiki, title: str, clock: FixedClock
) -> None:
    await choose_page(directory, title, clock)
    await run(directory, client, clock)
    text, line = mediawiki.row(title, "Wiki-to-print")
    mediawiki.edit_as_person(title, text.replace("|-\n" + line + "\n", ""))
    published = await run(directory, client, clock)
    [item] = published.changes
    assert (item.kind, item.wiki_row) == ("removed", None)
    assert "| Wiki-to-print " not in mediawiki.text(title)

    async with directory.transaction() as session:
        assert item.id is not None
        await wiki.decide(
            session=session,
            guild_id=GUILD,
            change_id=item.id,
            decision=wiki.KEEP_DIRECTORY,
            actor_id=MODERATOR,
            now=clock.now(),
        )
    put_back = await run(directory, client, clock)
    assert put_back.outcome == EDITED and "| Wiki-to-print " in mediawiki.text(title)


class EditsBetween(MwClient):
    """The wiki's client, with a person's edit landing between its first read and edit."""

    def __init__(self, mediawiki: MediaWiki, change: tuple[str, str], **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.mediawiki, self.change = mediawiki, change
        self.reads = 0

    async def read(self, title: str) -> Page:
        page = await super().read(title)
        self.reads += 1
        if self.reads == 1:
            old, new = self.change
            self.mediawiki.edit_as_person(title, page.text.replace(old, new))
        return page


async def test_an_edit_made_between_the_read_and_the_write_is_read_again(
    directory: Database, mediawiki: MediaWiki, title: str, clock: FixedClock
) -> None:
    from tests.bot.wiki.conftest import wiki_client

    plain = wiki_client(mediawiki, clock)
    await choose_page(directory, title, clock)
    await run(directory, plain, clock)
    await rename_summary(directory, "Wiki-to-print", "Changed in the directory.", clock)

    text, line = mediawiki.row(title, "Wiki-to-print")
    racing = EditsBetween(
        mediawiki,
        (line, line.replace("| Wiki-to-print ||", "| Wiki-to-print || RACED", 1)),
        api_url=mediawiki.api_url,
        username=mediawiki.bot_username,
        password=plain._credentials[1],
        contact="tests@example.org",
        clock=clock,
        edit_interval=0,
        max_retries=0,
    )
    published = await run(directory, racing, clock)
    assert racing.reads == 2  # the conflict was read again
    assert [item.row_name for item in published.changes] == ["Wiki-to-print"]
    assert published.changes[0].wiki_user == PERSON_USER
    text = mediawiki.text(title)
    assert "RACED" in text and "Changed in the directory." not in text


async def test_the_table_and_the_edit_summary_are_in_the_guilds_language(
    directory: Database, client: MwClient, mediawiki: MediaWiki, title: str, clock: FixedClock
) -> None:
    async with directory.transaction() as session:
        await settings.update_settings(
            session=session,
            guild_id=GUILD,
            actor_id=MODERATOR,
            now=clock.now(),
            languages=languages(),
            locale="es",
        )
    await choose_page(directory, title, clock)
    await run(directory, client, clock)
    assert "! Nombre !! Tipo" in mediawiki.text(title)
    assert "(5 entradas)" in str(mediawiki.revisions(title)[0]["comment"])


async def test_a_deleted_page_is_created_again_with_nothing_to_review(
    directory: Database, client: MwClient, mediawiki: MediaWiki, title: str, clock: FixedClock
) -> None:
    await choose_page(directory, title, clock)
    await run(directory, client, clock)
    mediawiki.delete(title)
    again = await run(directory, client, clock)
    assert again.outcome == CREATED and again.changes == []
    assert "Wiki-to-print" in mediawiki.text(title)
