"""Statements that each backend writes its own way."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession


async def update_returning_ids(
    session: AsyncSession, model: Any, id_column: Any, *where: Any, **values: Any
) -> list[int]:
    """UPDATE `model` SET `values` WHERE `where`: the ids of exactly the rows it changed,
    however many processes run it at once (each row goes to one of them)."""
    if session.get_bind().dialect.update_returning:
        statement = (
            sa.update(model)
            .where(*where)
            .values(**values)
            .returning(id_column)
            # The in-memory rows may be stale (another process): do not evaluate on them.
            .execution_options(synchronize_session=False)
        )
        return list((await session.exec(statement)).scalars().all())
    # MariaDB has no UPDATE … RETURNING. A locking read sees the latest commit and waits
    # for other writers of those rows, as PostgreSQL's UPDATE does; the rows stay locked
    # until the caller's transaction ends, so the UPDATE changes exactly these.
    locked = sa.select(id_column).where(*where).with_for_update()
    ids = list((await session.exec(locked)).scalars().all())
    if ids:
        update = sa.update(model).where(id_column.in_(ids)).values(**values)
        await session.exec(update.execution_options(synchronize_session=False))
    return ids
