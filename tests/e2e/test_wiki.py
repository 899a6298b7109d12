"""Publishing to the wiki end to end: slash commands through the Discord double, the real
bot, and a real MediaWiki; a moderator chooses the page, publishes, sees what a person
changed there and decides. In Spanish (the moderator's language) and in English."""

from __future__ import annotations

import uuid

import pytest

from bot.double import Message
from bot.wiki.local import BOT_PASSWORD, PERSON_USER, MediaWiki
from storage.schemas import EntryUpdate
from storage.services import entries
from tests.e2e.conftest import World, start_bot, stop_bot


@pytest.fixture
async def wiki_world(world: World, e2e_db_url: str, mediawiki: MediaWiki) -> World:
    """The world's bot, restarted with the host's account on the test wiki."""
    await stop_bot(world.bot, world.bot_task)
    world.bot, world.bot_task = await start_bot(
        world.double,
        e2e_db_url,
        wiki_api_url=mediawiki.api_url,
        wiki_username=mediawiki.bot_username,
        wiki_password=BOT_PASSWORD,
        wiki_edit_interval=0,
        wiki_max_retries=0,
    )
    return world


async def answer(world: World, command: str, options: dict | None = None, **how: str) -> Message:
    ix = await world.double.slash(world.moderator, command, options, **how)
    first = await ix.response()
    if first.type == 5:  # deferred: the answer is the follow-up
        return await ix.followup()
    return first.message


def button(message: Message, label: str) -> str:
    for row in message.components:
        for component in row["components"]:
            if component.get("label") == label:
                return str(component["custom_id"])
    raise AssertionError(f"no button {label!r} in {message.components}")


async def change_summary(world: World, name: str, summary: str) -> None:
    async with world.bot.database.transaction() as session:
        entry = await entries.find_by_name(session=session, guild_id=world.guild.id, name=name)
        assert entry is not None and entry.id is not None
        await entries.update_entry(
            entry.id,
            EntryUpdate(summary=summary),
            session=session,
            guild_id=world.guild.id,
            actor_id=world.moderator.id,
            now=world.bot.clock.now(),
        )


def persons_edit(mediawiki: MediaWiki, title: str, name: str, mark: str) -> None:
    text, line = mediawiki.row(title, name)
    mediawiki.edit_as_person(title, text.replace(line, line.replace(" || ", f" || {mark} ", 1)))


async def test_a_moderator_publishes_and_decides_on_a_persons_change_in_spanish(
    wiki_world: World, mediawiki: MediaWiki
) -> None:
    world = wiki_world
    title = f"Alianzas/{uuid.uuid4().hex[:8]}"
    saved = await answer(world, "settings wiki", {"page": title, "every": 0})
    assert saved.ephemeral and f"«{title}»" in saved.content and "desactivada" in saved.content
    shown = (await answer(world, "settings show")).embeds[0]["fields"]
    wiki_field = next(field for field in shown if field["name"] == "Página del wiki")
    assert wiki_field["value"] == f"«{title}»; publicación automática: desactivada"

    created = await answer(world, "partnership publish")
    assert created.ephemeral and f"se creó la página «{title}»" in created.content
    assert "index.php?diff=" in created.content
    text = mediawiki.text(title)
    assert "<!-- partnerbot:start -->" in text and "Wiki-to-print" in text
    # The guild has no language set: the page and the summary are in DEFAULT_LOCALE.
    assert "entries)" in str(mediawiki.revisions(title)[0]["comment"])

    persons_edit(mediawiki, title, "Wiki-to-print", "CAMBIO DE ROSA")
    await change_summary(world, "Wiki-to-print", "Resumen nuevo del directorio.")
    held = await answer(world, "partnership publish")
    assert "Una fila cambiada en el wiki espera" in held.content
    assert "CAMBIO DE ROSA" in mediawiki.text(title)

    queue = await answer(world, "review wiki")
    embed = queue.embeds[0]
    assert f"{PERSON_USER} cambió la fila «Wiki-to-print»" in embed["description"]
    assert "index.php?diff=" in embed["description"]
    assert "CAMBIO DE ROSA" in embed["fields"][0]["value"]
    assert "Resumen nuevo del directorio." in embed["fields"][1]["value"]
    click = await world.double.click(
        world.moderator, queue, button(queue, "Usar la fila del directorio")
    )
    decided = (await click.response()).message
    assert "La próxima publicación escribirá la fila del directorio" in decided.content

    published = await answer(world, "partnership publish")
    assert f"Publicado en «{title}»" in published.content
    text = mediawiki.text(title)
    assert "CAMBIO DE ROSA" not in text and "Resumen nuevo del directorio." in text
    assert "No hay filas cambiadas" in (await answer(world, "review wiki")).content


async def test_in_english_keeping_the_wikis_row_and_a_protected_page(
    wiki_world: World, mediawiki: MediaWiki
) -> None:
    world = wiki_world
    english = {"locale": "en-US"}
    title = f"Partnerships/{uuid.uuid4().hex[:8]}"
    await answer(world, "settings wiki", {"page": title}, **english)
    await answer(world, "partnership publish", **english)
    persons_edit(mediawiki, title, "Wiki-to-print", "ROSA'S WORDING")
    await change_summary(world, "Wiki-to-print", "The directory's summary.")
    held = await answer(world, "partnership publish", **english)
    assert "One row people changed on the wiki waits for your decision" in held.content

    queue = await answer(world, "review wiki", **english)
    assert f"changed on the wiki by {PERSON_USER}" in queue.embeds[0]["description"]
    click = await world.double.click(
        world.moderator, queue, button(queue, "Keep the wiki's row"), locale="en-US"
    )
    assert "keeps the wiki's version" in (await click.response()).message.content
    again = await answer(world, "partnership publish", **english)
    assert "already shows the directory" in again.content
    assert "ROSA'S WORDING" in mediawiki.text(title)

    await change_summary(world, "Wikimedia–OpenStreetMap", "Maps, together.")
    mediawiki.protect(title)
    try:
        refused = await answer(world, "partnership publish", **english)
    finally:
        mediawiki.protect(title, on=False)
    assert refused.ephemeral and "The wiki page is protected" in refused.content
    assert "Maps, together." not in mediawiki.text(title)
    done = await answer(world, "partnership publish", **english)
    assert "See the changes" in done.content and "Maps, together." in mediawiki.text(title)


async def test_without_the_hosts_account_the_commands_say_so(world: World) -> None:
    english = {"locale": "en-US"}
    for command, options in (("partnership publish", None), ("settings wiki", {"page": "X"})):
        message = await answer(world, command, options, **english)
        assert message.ephemeral and "not set up on this bot" in message.content


async def test_a_title_the_wiki_would_refuse_is_refused_politely(wiki_world: World) -> None:
    refused = await answer(
        wiki_world, "settings wiki", {"page": "Directory [draft]"}, locale="en-US"
    )
    assert refused.ephemeral and "not a valid wiki page title" in refused.content
    nothing = await answer(wiki_world, "partnership publish", locale="en-US")
    assert "No wiki page is chosen for this server" in nothing.content
