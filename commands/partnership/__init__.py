"""/partnership: the directory of alliances and partnerships.

Reading it (`directory`), proposing to it (`proposing`) and changing its entries
(`changes`); each module lists its subcommands in COMMANDS, added here in order.
"""

from __future__ import annotations

from discord import app_commands

from commands.partnership import changes, directory, proposing

partnership = app_commands.Group(
    name="partnership",
    description="Search, show and propose alliances and partnerships",
    guild_only=True,
)
for _command in (*directory.COMMANDS, *proposing.COMMANDS, *changes.COMMANDS):
    partnership.add_command(_command)
