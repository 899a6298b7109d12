"""Interactive views: a View whose failures take the one error path, and the pager."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import discord

from bot.errors import report, send_ephemeral
from bot.i18n import t

log = logging.getLogger(__name__)

PageLoader = Callable[[int], Awaitable[tuple[discord.Embed, int]]]
"""Given an offset, the page's embed and the total number of items."""

# An interaction token lives 15 minutes: the buttons are disabled through it just before.
PAGER_TIMEOUT = 14 * 60


class View(discord.ui.View):
    """A view whose failures take the same path as commands'."""

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item
    ) -> None:
        await report(interaction, error)


class OwnedView(View):
    """Buttons for the member who asked; others are told politely that they are not theirs."""

    def __init__(self, *, owner_id: int, locale: str, timeout: float | None = None) -> None:
        # PAGER_TIMEOUT read at each call (not bound as a default): tests shorten it.
        super().__init__(timeout=PAGER_TIMEOUT if timeout is None else timeout)
        self.owner_id = owner_id
        self.locale = locale

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await send_ephemeral(interaction, t(interaction.locale.value, "pager-not-yours"))
        return False


class Pager(OwnedView):
    """Previous / Next over a list."""

    def __init__(
        self, *, owner_id: int, locale: str, load: PageLoader, total: int, per_page: int
    ) -> None:
        super().__init__(owner_id=owner_id, locale=locale)
        self.load = load
        self.total = total
        self.per_page = per_page
        self.offset = 0
        # The answered interaction: its token edits the message at timeout, with no fetch
        # of the message beforehand (a request and an object kept per search).
        self.answered: discord.Interaction | None = None
        self.previous.label = t(locale, "button-previous")
        self.next.label = t(locale, "button-next")
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.previous.disabled = self.offset <= 0
        self.next.disabled = self.offset + self.per_page >= self.total

    async def _show(self, interaction: discord.Interaction, offset: int) -> None:
        embed, self.total = await self.load(offset)
        self.offset = offset
        self._update_buttons()
        await interaction.response.edit_message(embed=embed, view=self)

    @discord.ui.button(style=discord.ButtonStyle.secondary, emoji="◀️")
    async def previous(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await self._show(interaction, max(0, self.offset - self.per_page))

    @discord.ui.button(style=discord.ButtonStyle.secondary, emoji="▶️")
    async def next(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await self._show(interaction, self.offset + self.per_page)

    async def on_timeout(self) -> None:
        if self.answered is not None:
            for item in self.children:
                if isinstance(item, discord.ui.Button):
                    item.disabled = True
            try:
                await self.answered.edit_original_response(view=self)
            except discord.HTTPException as exc:
                # The message was deleted or its token expired: nothing left to update.
                log.debug("could not disable pager buttons: %s", exc)


async def send_paged(
    interaction: discord.Interaction,
    embed: discord.Embed,
    *,
    total: int,
    per_page: int,
    load: PageLoader,
    locale: str,
    extra: Sequence[discord.ui.Item] = (),
) -> None:
    """Answer with the first page, and Previous/Next only when there is more than one;
    `extra`: items under it (lasting ones, whoever presses them)."""
    if total <= per_page:
        view = discord.ui.View(timeout=None) if extra else None
        for item in extra:
            view.add_item(item)  # type: ignore[union-attr]
        await interaction.response.send_message(embed=embed, **({"view": view} if view else {}))
        return
    pager = Pager(
        owner_id=interaction.user.id, locale=locale, load=load, total=total, per_page=per_page
    )
    for item in extra:
        pager.add_item(item)
    await interaction.response.send_message(embed=embed, view=pager)
    pager.answered = interaction


async def send_list(
    interaction: discord.Interaction, *, load: PageLoader, per_page: int, locale: str, empty: str
) -> None:
    """The first page of a list, paged; `empty` (ephemeral) when it has no items."""
    embed, total = await load(0)
    if total == 0:
        await interaction.response.send_message(empty, ephemeral=True)
        return
    await send_paged(interaction, embed, total=total, per_page=per_page, load=load, locale=locale)
