"""A form the bot refused costs nothing: the answer names the field and the problem, and
offers the form again with what was typed; a name that exists, that entry too."""

from __future__ import annotations

from collections.abc import Callable

import discord

from bot.checks import guild_id_of
from bot.errors import describe, report
from bot.i18n import t, user_locale
from bot.render.limits import truncate
from bot.ui import OwnedView
from commands.common import bot_of
from commands.entry_actions.showing import entry_embed_of
from storage.errors import DuplicateName, InvalidInput
from storage.models import Entry
from storage.services import entries

CONFIRM_TIMEOUT = 15 * 60
BUTTON_LABEL = 80


class FormOffer(OwnedView):
    """A button that opens a form (`form` makes it: a revision, or a refused form again
    with what was typed); for a name that exists, also one that opens that entry."""

    def __init__(
        self,
        *,
        owner_id: int,
        locale: str,
        label: str,
        form: Callable[[], discord.ui.Modal],
        existing: Entry | None = None,
    ) -> None:
        super().__init__(owner_id=owner_id, locale=locale, timeout=CONFIRM_TIMEOUT)
        self.form = form
        self.existing = existing
        self.fix.label = truncate(label, BUTTON_LABEL)
        if existing is None:
            self.remove_item(self.open_existing)
        else:
            label = t(locale, "form-open-existing", existing.name)
            self.open_existing.label = truncate(label, BUTTON_LABEL)

    @discord.ui.button(style=discord.ButtonStyle.primary)
    async def fix(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await interaction.response.send_modal(self.form())

    @discord.ui.button(style=discord.ButtonStyle.secondary)
    async def open_existing(
        self, interaction: discord.Interaction, _button: discord.ui.Button
    ) -> None:
        assert self.existing is not None
        embed = await entry_embed_of(interaction, self.existing, user_locale(interaction))
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def refuse_form(
    interaction: discord.Interaction,
    error: Exception,
    reopen: Callable[[], discord.ui.Modal],
) -> None:
    """A form's error: a refused value or an existing name gets the way to fix it (the
    form again, pre-filled by `reopen`); anything else takes the one error path."""
    if not isinstance(error, InvalidInput | DuplicateName) or interaction.response.is_done():
        await report(interaction, error)
        return
    locale = user_locale(interaction)
    existing = None
    if isinstance(error, DuplicateName):
        async with bot_of(interaction).database.sessions() as session:
            existing = await entries.find_by_name(
                session=session, guild_id=guild_id_of(interaction), name=str(error.params[0])
            )
    label = t(locale, "form-fix" if existing is None else "form-rename")
    view = FormOffer(
        owner_id=interaction.user.id, locale=locale, label=label, form=reopen, existing=existing
    )
    text = describe(error, locale) or t(locale, "error-generic")
    await interaction.response.send_message(
        text + "\n" + t(locale, "form-kept"), view=view, ephemeral=True
    )
