"""Support: one per person for an entry, pressed again to withdraw; its count kept on the entry."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Entry, Support
from storage.services.entries import get_entry_for_update


async def toggle_support(
    entry_id: int, *, session: AsyncSession, guild_id: int, user_id: int
) -> tuple[Entry, bool]:
    """Support an entry, or withdraw support given before. Returns (entry, now_supporting)."""
    entry = await get_entry_for_update(entry_id, session=session, guild_id=guild_id)
    existing = await session.get(Support, (entry_id, user_id))
    if existing is not None:
        await session.delete(existing)
        supporting = False
    else:
        session.add(Support(entry_id=entry_id, user_id=user_id, guild_id=guild_id))
        supporting = True
    await session.flush()
    count = (
        await session.exec(
            select(func.count()).select_from(Support).where(Support.entry_id == entry_id)
        )
    ).one()
    await session.exec(
        sa.update(Entry).where(col(Entry.id) == entry_id).values(support_count=count)
    )
    await session.refresh(entry)
    return entry, supporting


async def supporters(*, session: AsyncSession, guild_id: int, entry_id: int) -> list[int]:
    statement = (
        select(Support.user_id)
        .where(Support.guild_id == guild_id, Support.entry_id == entry_id)
        .order_by(col(Support.created_at))
    )
    return list((await session.exec(statement)).all())
