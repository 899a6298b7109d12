"""What a person does to the bot in the sandbox: run a command, press, choose, fill a form.

Mixed into `bot.sandbox.Sandbox`; every action goes through the Discord double as a
real client's would, then shows the bot's answer and whatever it set off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.double import Interaction, Member, Message
from bot.double.state import Channel, Role
from bot.sandbox.parse import ParseError, parse, permission_names
from bot.sandbox.render import Target, modal_fields

if TYPE_CHECKING:
    from bot.sandbox import Sandbox

MODAL, CHOICES = 9, 8


class GuildLookup:
    """The parser's view of the sandbox's members, roles and channels, by typed name."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def member(self, name: str) -> Member | None:
        folded = name.casefold()
        aliases = {"me": self.sandbox.actor, "volunteer": self.sandbox.volunteer}
        if folded in aliases:
            return aliases[folded]
        members = self.sandbox.guild.members.values()
        return next((m for m in members if folded in _names(m)), None)

    def role(self, name: str) -> Role | None:
        roles = self.sandbox.guild.roles.values()
        return next((r for r in roles if r.name.casefold() == name.casefold()), None)

    def channel(self, name: str) -> Channel | None:
        folded = name.lstrip("#").casefold()
        channels = self.sandbox.guild.text_channels()
        return next((c for c in channels if c.name.casefold() == folded), None)


def _names(member: Member) -> set[str]:
    return {n.casefold() for n in (member.user.username, member.nick, member.user.global_name) if n}


class Chat:
    """The bot-facing half of the sandbox."""

    async def slash(self: Sandbox, line: str) -> None:
        invocation = parse(line, self.commands(), GuildLookup(self))
        needed = invocation.command.get("default_member_permissions")
        have = self.actor.permissions_in(self.channel)
        if needed is not None and have & int(needed) != int(needed):
            raise ParseError(
                f"Discord does not offer /{invocation.command['name']} to you ({self.role_name()}):"
                f" it needs {permission_names(int(needed))}. Try /as moderator."
            )
        options = dict(invocation.options)
        for name in invocation.autocompleted():
            options[name] = await self.autocomplete(invocation.path, options, name)
        ix = await self.double.slash(
            self.actor, invocation.path, options, channel=self.channel, locale=self.locale
        )
        await self.follow(ix)

    async def autocomplete(self: Sandbox, path: str, options: dict[str, Any], name: str) -> str:
        """What a person would pick from the bot's suggestions for the text they typed:
        the one named exactly so, or the only one; otherwise the text as typed."""
        typed = options[name]
        if typed.isdecimal():  # an id, as an autocomplete choice's value would be
            return typed
        choices = await self.double.autocomplete(
            self.actor, path, options, focused=name, channel=self.channel, locale=self.locale
        )
        exact = [c for c in choices if c["name"].casefold() == typed.casefold()]
        picked = exact[0] if exact else choices[0] if len(choices) == 1 else None
        if picked is not None:
            if picked["name"] != typed:
                self.feed.say(f"(picked from the suggestions: {picked['name']})")
            return str(picked["value"])
        if choices:
            listed = "; ".join(f"{c['name']} ({c['value']})" for c in choices[:10])
            self.feed.say(f"(suggestions for {name}: {listed})")
        return typed

    def target(self: Sandbox, text: str) -> tuple[Message, Target]:
        """A numbered item of the last message with buttons, by its number or its label."""
        if self.feed.current is None:
            raise ParseError("No message with buttons has been shown yet.")
        message, targets = self.feed.current
        if text.isdecimal():
            if not 1 <= int(text) <= len(targets):
                raise ParseError(
                    f"Choose from 1 to {len(targets)} (the last message with buttons)."
                )
            return message, targets[int(text) - 1]
        found = [t for t in targets if text and text.casefold() in t.label.casefold()]
        if len(found) != 1:
            listed = ", ".join(f"[{n}] {t.label}" for n, t in enumerate(targets, 1))
            raise ParseError(f"Press a number or label of the last message with buttons: {listed}.")
        return message, found[0]

    async def press(self: Sandbox, text: str) -> None:
        message, target = self.target(text.strip())
        if target.disabled:
            raise ParseError(f"{target.label} is disabled: Discord does not let you press it.")
        if target.kind == "option":
            await self.choose([text])
            return
        if target.kind == "select":
            raise ParseError(f"That is a menu: choose {text} <name>.")
        self.feed.say(f"(pressing {target.label})")
        ix = await self.double.click(self.actor, message, target.custom_id, locale=self.locale)
        await self.follow(ix)

    async def choose(self: Sandbox, words: list[str]) -> None:
        if not words:
            raise ParseError("choose N [M ...]: the numbers of the options to choose.")
        message, first = self.target(words[0])
        values: list[Any]
        if first.kind == "select":  # a member, role or channel menu: pick them by name
            lookup = GuildLookup(self)
            values = [
                lookup.member(w.lstrip("@")) or lookup.role(w.lstrip("@")) or lookup.channel(w)
                for w in words[1:]
            ]
            if any(v is None for v in values):
                raise ParseError("Name members as @name, roles as @role and channels as #channel.")
        else:
            picked = [self.target(w)[1] for w in words]
            if any(t.kind != "option" or t.custom_id != first.custom_id for t in picked):
                raise ParseError("choose takes options of one menu, by their numbers.")
            values = [t.value for t in picked]
        ix = await self.double.select(
            self.actor, message, first.custom_id, values, locale=self.locale
        )
        await self.follow(ix)

    async def follow(self: Sandbox, ix: Interaction) -> None:
        """Show the bot's answer and everything it set off; fill in a form if it opened one."""
        response = await ix.response()
        if response.type == CHOICES:
            listed = ", ".join(f"{c['name']} ({c['value']})" for c in response.choices or [])
            self.feed.say(f"Suggestions: {listed or 'none'}")
            return
        await self.feed.settle(None if response.type == MODAL else ix)
        self.feed.flush(self.actor.id)
        if response.type == MODAL:
            submitted = await self.fill_modal(ix)
            if submitted is not None:
                await self.follow(submitted)

    async def fill_modal(self: Sandbox, ix: Interaction) -> Interaction | None:
        """Ask for each field of the form in turn, then submit it; None if it was closed."""
        modal = ix.modal or {}
        title = modal.get("title", "")
        self.feed.say(f"📝 Form: {title}  (Enter keeps [shown], - empties, :cancel closes)")
        values: dict[str, str] = {}
        for field in modal_fields(modal):
            while True:
                answer = await self.lines.answer(field.prompt())
                if answer == ":cancel":
                    self.feed.say("Form closed; nothing was sent.")
                    return None
                value = answer.replace("\\n", "\n") if answer else field.default
                value = "" if answer == "-" else value
                problem = None
                if field.required and not value:
                    problem = f"{field.label} is required"
                elif field.max_length and len(value) > field.max_length:
                    problem = f"{field.label} takes up to {field.max_length} characters"
                if problem is None:
                    break
                if answer is None or not self.lines.interactive:
                    self.feed.say(f"✗ {problem}: the form was not sent.")
                    return None
                self.feed.say(f"  ✗ {problem}.")
            values[field.custom_id] = value
        return await self.double.submit_modal(self.actor, ix, values, locale=self.locale)
