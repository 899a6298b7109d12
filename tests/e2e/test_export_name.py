"""The export file is named after the server and the date."""

from __future__ import annotations

import re

from tests.e2e.conftest import World


async def test_export_is_named_after_the_server(world: World) -> None:
    ix = await world.double.slash(
        world.moderator, "partnership export", {"format": "csv"}, channel=world.general
    )
    await ix.response()
    followup = await ix.followup()
    name = followup.attachments[0].filename
    assert re.fullmatch(r"partnerships-wikimedia-es-\d{8}-\d{4}\.csv", name), name
    assert str(world.guild.id) not in name


async def test_the_mediawiki_export_is_a_table_for_meta_wiki(world: World) -> None:
    ix = await world.double.slash(
        world.moderator, "partnership export", {"format": "wikitext"}, channel=world.general
    )
    await ix.response()
    followup = await ix.followup()
    attachment = followup.attachments[0]
    table = attachment.data.decode() if isinstance(attachment.data, bytes) else attachment.data
    assert attachment.filename.startswith("partnerships-wikimedia-es-")
    assert table.startswith('{| class="wikitable sortable"\n! Name !! Kind !! Area')
    assert "Wiki-to-print" in table and "partnership" in table
    assert str(world.guild.id) not in table
