"""/partnership: the directory of alliances and partnerships.

Reading it (`directory`), proposing to it (`proposing`) and changing its entries
(`changes`), and publishing it to a wiki page (`publishing`); each module lists its
subcommands in COMMANDS, added here in order.
"""

from __future__ import annotations

from discord import app_commands

from commands.partnership import changes, directory, proposing, publishing

partnership = app_commands.Group(
    name="partnership",
    description="Search, show and propose alliances and partnerships",
    guild_only=True,
)
for _command in (
    *directory.COMMANDS,
    *proposing.COMMANDS,
    *changes.COMMANDS,
    *publishing.COMMANDS,
):
    partnership.add_command(_command)
