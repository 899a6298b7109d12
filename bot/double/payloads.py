"""The JSON Discord sends for users, members, roles, channels, guilds and messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.double.ids import iso
from bot.double.mentions import mentioned
from bot.double.state import DM, Channel, Guild, Member, Role, User, World

if TYPE_CHECKING:
    from bot.double.messages import Attachment, Message


class Payloads:
    def __init__(self, world: World, base_url: str, application_id: int) -> None:
        self.world = world
        self.base_url = base_url  # where attachment downloads are served
        self.application_id = application_id

    def user(self, user: User) -> dict[str, Any]:
        return {
            "id": str(user.id),
            "username": user.username,
            "global_name": user.global_name,
            "discriminator": "0",
            "avatar": None,
            "bot": user.bot,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }

    def member(self, member: Member, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(role.id) for role in member.roles],
            "nick": member.nick,
            "avatar": None,
            "joined_at": iso(member.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user(member.user)
        return data

    def member_in(self, member: Member, channel: Channel | None) -> dict[str, Any]:
        """A member as interactions carry it: with permissions in the channel."""
        return {**self.member(member), "permissions": str(member.permissions_in(channel))}

    def member_event(self, member: Member) -> dict[str, Any]:
        return {**self.member(member), "guild_id": str(member.guild.id)}

    def role(self, role: Role) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(role.id),
            "name": role.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": role.position,
            "permissions": str(role.permissions),
            "managed": role.managed_by is not None,
            "mentionable": role.mentionable,
            "flags": 0,
        }
        if role.managed_by is not None:
            data["tags"] = {"bot_id": str(role.managed_by)}
        return data

    def role_event(self, role: Role) -> dict[str, Any]:
        return {"guild_id": str(role.guild.id), "role": self.role(role)}

    def channel(self, channel: Channel) -> dict[str, Any]:
        if channel.type == DM:
            assert channel.recipient is not None
            return {
                "id": str(channel.id),
                "type": DM,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.user(channel.recipient)],
            }
        assert channel.guild is not None
        if channel.parent is not None:
            return self.thread(channel)
        return {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(channel.guild.id),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": [
                {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
                for o in channel.overwrites.values()
            ],
            "topic": channel.topic,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }

    def thread(self, thread: Channel) -> dict[str, Any]:
        assert thread.guild is not None and thread.parent is not None
        return {
            "id": str(thread.id),
            "type": thread.type,
            "guild_id": str(thread.guild.id),
            "parent_id": str(thread.parent.id),
            "owner_id": str(thread.owner_id),
            "name": thread.name,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": thread.archived,
                "auto_archive_duration": 10080,
                "archive_timestamp": "2026-01-01T00:00:00+00:00",
                "locked": thread.locked,
            },
        }

    def guild(self, guild: Guild) -> dict[str, Any]:
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "preferred_locale": guild.preferred_locale,
            "features": [],
            "roles": [self.role(role) for role in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "max_members": 500000,
        }

    def guild_create(self, guild: Guild) -> dict[str, Any]:
        members = list(guild.members.values())
        return {
            **self.guild(guild),
            "joined_at": iso(guild.joined_at),
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "members": [self.member(m) for m in members],
            "channels": [self.channel(c) for c in guild.channels.values() if not c.deleted],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def attachment(self, attachment: Attachment) -> dict[str, Any]:
        url = f"{self.base_url}/attachments/{attachment.id}/{attachment.filename}"
        return {
            "id": str(attachment.id),
            "filename": attachment.filename,
            "size": len(attachment.data),
            "url": url,
            "proxy_url": url,
            "content_type": attachment.content_type,
            "description": attachment.description,
            "ephemeral": attachment.ephemeral,
        }

    def message(self, message: Message) -> dict[str, Any]:
        user_ids, role_ids, everyone, _ = mentioned(message.content)
        users = [self.world.users[i] for i in dict.fromkeys(user_ids) if i in self.world.users]
        data: dict[str, Any] = {
            "id": str(message.id),
            "channel_id": str(message.channel.id),
            "type": message.type,
            "author": self.user(message.author),
            "content": message.content,
            "timestamp": iso(message.created_at),
            "edited_timestamp": iso(message.edited_at),
            "tts": False,
            "mention_everyone": everyone and "@everyone" in message.pings,
            "mentions": [self.user(u) for u in users],
            "mention_roles": [str(r) for r in role_ids],
            "attachments": [self.attachment(a) for a in message.attachments],
            "embeds": message.embeds,
            "components": message.components,
            "pinned": False,
            "flags": message.flags,
        }
        if message.channel.guild is not None:
            data["guild_id"] = str(message.channel.guild.id)
            member = message.channel.guild.members.get(message.author.id)
            if member is not None and message.webhook_id is None:
                data["member"] = self.member(member, with_user=False)
        if message.nonce is not None:
            data["nonce"] = message.nonce
        if message.webhook_id is not None:
            data["webhook_id"] = str(message.webhook_id)
            data["application_id"] = str(self.application_id)
        if message.interaction is not None:
            data["interaction_metadata"] = message.interaction
        if message.reference is not None:
            data["message_reference"] = message.reference
        return data
