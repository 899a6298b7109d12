"""Where component clicks find their views: discord.py's store, patient for a moment.

discord.py keeps a view for its buttons only once the answer carrying it has been sent,
that is after Discord's reply reached the bot. A click that arrives before (a quick
member, a bot busy for a few hundred milliseconds) finds nothing, and discord.py drops
it: Discord shows "This interaction failed". bench/load.py met it under load (3 of 1,724
confirmations unanswered). Here a click that finds no view waits for one, a little; and a
click on a view that is gone (it timed out, the bot restarted) gets a polite answer.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from discord.ui.view import ViewStore

from bot.errors import send_ephemeral
from bot.i18n import t, user_locale

# How long a click waits for its view: within Discord's 3 s to answer, with room for the
# answer itself.
VIEW_GRACE = 1.5  # seconds


class PatientViewStore(ViewStore):
    def __init__(self, state: Any) -> None:
        super().__init__(state)
        self._added = asyncio.Event()  # set, and replaced, each time a view is stored

    def add_view(self, view: Any, message_id: int | None = None) -> None:
        super().add_view(view, message_id)
        self._added.set()
        self._added = asyncio.Event()

    def dispatch_view(
        self, component_type: int, custom_id: str, interaction: discord.Interaction
    ) -> None:
        if self._holds(component_type, custom_id, interaction) or self._lasting(custom_id):
            super().dispatch_view(component_type, custom_id, interaction)
            return
        waiting = self._when_stored(component_type, custom_id, interaction)
        self.add_task(asyncio.create_task(waiting, name=f"view-wait-{custom_id}"))

    def _holds(self, component_type: int, custom_id: str, interaction: discord.Interaction) -> bool:
        """As discord.py looks: under the message's id, then among views of no message."""
        key = (component_type, custom_id)
        message_id = interaction.message.id if interaction.message else None
        return key in self._views.get(message_id, {}) or key in self._views.get(None, {})

    def _lasting(self, custom_id: str) -> bool:
        """A DynamicItem's (bot.add_dynamic_items): dispatched by its pattern, always."""
        return any(pattern.fullmatch(custom_id) for pattern in self._dynamic_items)

    async def _when_stored(
        self, component_type: int, custom_id: str, interaction: discord.Interaction
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + VIEW_GRACE
        while not self._holds(component_type, custom_id, interaction):
            left = deadline - loop.time()
            if left <= 0:
                gone = t(user_locale(interaction), "error-buttons-gone")
                await send_ephemeral(interaction, gone)
                return
            try:
                await asyncio.wait_for(self._added.wait(), left)
            except TimeoutError:
                continue
        super().dispatch_view(component_type, custom_id, interaction)
