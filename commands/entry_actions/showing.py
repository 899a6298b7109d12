"""An entry as /partnership show has it: its embed, with supporters and milestones."""

from __future__ import annotations

import discord

from bot.render import entries as render
from commands.common import bot_of
from storage.models import Entry
from storage.services import milestones
from storage.services import support as support_service


async def entry_embed_of(
    interaction: discord.Interaction, entry: Entry, locale: str
) -> discord.Embed:
    assert entry.id is not None
    async with bot_of(interaction).database.sessions() as session:
        supporters = await support_service.supporters(
            session=session, guild_id=entry.guild_id, entry_id=entry.id
        )
        entry_milestones, _ = await milestones.list_milestones(
            session=session, guild_id=entry.guild_id, entry_id=entry.id
        )
    return render.entry_embed(
        entry, supporters=supporters, milestones=entry_milestones, locale=locale
    )
