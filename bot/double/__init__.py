"""A Discord-API-compatible server for tests and the offline sandbox ("the Discord double").

double = DiscordDouble()
guild = double.add_guild("Wikimedia ES")
await double.start()
point_discord_py_at(double.api_base_url, double.gateway_url)   # bot.endpoints
... start the bot with double.token ...
await double.wait_until_ready()
ix = await double.slash(member, "partnership search", {"query": "osm"})
response = await ix.response()
"""

from bot.double.commands import ClientRefused, Upload
from bot.double.driver import DiscordDouble
from bot.double.errors import Violation
from bot.double.faults import ServedFault
from bot.double.gateway import Identify
from bot.double.interactions import Interaction, NoResponse, Response
from bot.double.mentions import EVERYONE, HERE, Pings
from bot.double.messages import Attachment, Message
from bot.double.ratelimits import MessageLimit, Refusal
from bot.double.server import RequestRecord
from bot.double.state import Channel, Guild, Member, P, Role, User

__all__ = [
    "EVERYONE",
    "HERE",
    "Attachment",
    "Channel",
    "ClientRefused",
    "DiscordDouble",
    "Guild",
    "Identify",
    "Interaction",
    "Member",
    "Message",
    "MessageLimit",
    "NoResponse",
    "P",
    "Pings",
    "Refusal",
    "RequestRecord",
    "Response",
    "Role",
    "ServedFault",
    "Upload",
    "User",
    "Violation",
]
