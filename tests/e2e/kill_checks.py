"""What must hold after the kill test, read from the database and the double's record.

The checks collect problems (sentences naming the row or message); the test fails on any.
What the bot does on Discord after it answered (the review post, its update once decided,
the proposer's DM) is recorded as done in the database; what a killed process left undone
is done by the `reviews` dispatcher of whichever process runs next, so it is checked too.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select

from bot.double import DiscordDouble, Message
from storage.db import Database
from storage.models import (
    AuditEvent,
    DigestPost,
    DigestSchedule,
    Entry,
    Milestone,
    Reminder,
    ReminderState,
    Status,
)
from tests.e2e.kill_burst import EXPECTED_REFUSALS, Action, Cast
from tests.e2e.kill_fleet import Fleet

DECISIONS = {"approve": Status.ACTIVE, "reject": Status.REJECTED}
FINAL = (ReminderState.SENT, ReminderState.CANCELLED)


@dataclass
class Stored:
    """The test guilds' rows."""

    entries: list[Entry]
    events: list[AuditEvent]
    milestones: list[Milestone]
    stages: list[Reminder]
    schedules: list[DigestSchedule]
    weeks: list[DigestPost]

    @classmethod
    async def load(cls, database: Database, guild_ids: list[int]) -> Stored:
        async with database.sessions() as session:

            async def rows(model: type) -> list:
                query = select(model).where(col(model.guild_id).in_(guild_ids))
                return list((await session.exec(query)).all())

            return cls(
                await rows(Entry),
                await rows(AuditEvent),
                await rows(Milestone),
                await rows(Reminder),
                await rows(DigestSchedule),
                await rows(DigestPost),
            )

    def events_of(self, action: str, entry_id: int) -> list[AuditEvent]:
        return [e for e in self.events if e.action == action and e.entry_id == entry_id]

    def milestone_events(self, action: str, milestone: Milestone) -> list[AuditEvent]:
        return [
            e
            for e in self.events_of(action, milestone.entry_id)
            if (e.after or e.before or {}).get("id") == milestone.id
        ]


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    figures: Counter[str] = field(default_factory=Counter)


def milestones_in(message: Message) -> set[int]:
    """The milestones a reminder message is about: its buttons' and menus' ids."""
    found = set()
    for component in message.walk_components():
        custom_id = component.get("custom_id", "")
        if custom_id.startswith("ms:done:"):
            found.add(int(custom_id.rsplit(":", 1)[1]))
        found.update(int(option["value"]) for option in component.get("options") or [])
    return found


def posts(double: DiscordDouble, casts: list[Cast], channel: str) -> list[Message]:
    return [
        m
        for cast in casts
        for m in double.messages(getattr(cast, channel))
        if m.kind == "post" and not m.deleted
    ]


class Checker:
    def __init__(
        self,
        double: DiscordDouble,
        fleet: Fleet,
        casts: list[Cast],
        stored: Stored,
        actions: list[Action],
    ) -> None:
        self.double, self.fleet, self.casts, self.stored = double, fleet, casts, stored
        self.actions = actions
        self.proposals = {(a.guild_id, a.subject): a for a in actions if a.kind == "propose"}
        self.findings = Findings()
        self.entries = {e.id: e for e in stored.entries}
        self.by_name = {(e.guild_id, e.name): e for e in stored.entries}
        self.milestones = {m.id: m for m in stored.milestones}
        self.review_posts = {  # message id -> entry id, from the post's nonce
            m.id: int(m.nonce.removeprefix("rv-"))
            for m in posts(double, casts, "review")
            if isinstance(m.nonce, str) and m.nonce.startswith("rv-")
        }
        self.unrecorded_posts = {
            entry_id: double.store.by_id[message_id]
            for message_id, entry_id in self.review_posts.items()
            if entry_id in self.entries and self.entries[entry_id].review_message_id != message_id
        }

    def problem(self, text: str) -> None:
        self.findings.problems.append(text)

    def _undone(self, what: str) -> None:
        self.problem(f"{what}, and not done since by any process")

    def _after_answer(self, action: Action, effect: str) -> None:
        self._undone(f"{action.kind} {action.subject!r}: {effect}")

    # --- every answered action is stored ----------------------------------------------------

    def answered(self) -> None:
        for action in self.actions:
            figures = self.findings.figures
            figures["actions"] += 1
            if not action.acknowledged:
                continue
            figures["answered"] += 1
            if not action.succeeded:
                if not any(refusal in (action.answer or "") for refusal in EXPECTED_REFUSALS):
                    self.problem(f"{action.kind} {action.subject!r} answered {action.answer!r}")
                figures["refused"] += 1
                continue
            figures[action.kind] += 1
            if action.kind == "propose":
                self._proposed(action)
            elif action.kind in DECISIONS:
                self._decided(action)
            else:
                self._milestone_action(action)

    def _proposed(self, action: Action) -> None:
        entry = self.by_name.get((action.guild_id, str(action.subject)))
        if entry is None:
            self.problem(f"proposal {action.subject!r} was answered but is not stored")
            return
        if not self.stored.events_of("create", entry.id):
            self.problem(f"proposal {action.subject!r} has no create event")
        if entry.review_message_id not in self.double.store.by_id and (
            entry.id not in self.unrecorded_posts  # posted: checked in `whole`
        ):
            self._after_answer(action, "no review post")

    def _decided(self, action: Action) -> None:
        entry = self.entries.get(int(action.subject))
        if entry is None or entry.status != DECISIONS[action.kind]:
            status = entry.status if entry else "missing"
            self.problem(f"{action.kind} of entry {action.subject} was answered; it is {status}")
            return
        if len(self.stored.events_of(action.kind, entry.id)) != 1:
            self.problem(f"entry {entry.id}: not exactly one {action.kind} event")
        post = self.double.store.by_id.get(entry.review_message_id or 0)
        if post is None or not all(b.get("disabled") for b in post.buttons()[:3]):
            self._after_answer(action, "review post not updated")
        nonce = f"dc{entry.id}-{entry.status[:2]}"
        volunteer = next(c.volunteer for c in self.casts if c.guild.id == entry.guild_id)
        if not any(m.nonce == nonce for m in self.double.dm_messages(volunteer)):
            self._after_answer(action, "proposer not told")

    def _milestone_action(self, action: Action) -> None:
        if action.kind == "add":
            milestone = next((m for m in self.stored.milestones if m.title == action.subject), None)
        else:
            milestone = self.milestones.get(int(action.subject))
        if milestone is None:
            self.problem(f"{action.kind} {action.subject!r} answered; milestone not stored")
            return
        changed = {
            "add": True,
            "done": milestone.done_at is not None,
            "snooze": milestone.snoozed_until is not None,
        }[action.kind]
        if not changed:
            self.problem(f"{action.kind} of milestone {milestone.id} answered but not stored")
        if not self.stored.milestone_events(f"milestone-{action.kind}", milestone):
            self.problem(f"{action.kind} of milestone {milestone.id} has no audit event")

    # --- nothing half-written ---------------------------------------------------------------

    def whole(self) -> None:
        for entry in self.stored.entries:
            if entry.proposer_id is None:
                continue  # the imported examples
            if len(self.stored.events_of("create", entry.id)) != 1:
                self.problem(f"entry {entry.id} has not exactly one create event")
            decisions = {a for a in DECISIONS if self.stored.events_of(a, entry.id)}
            expected = {a for a, status in DECISIONS.items() if entry.status == status}
            if decisions != expected:
                self.problem(f"entry {entry.id} is {entry.status} with events {decisions}")
        reviewed = Counter(self.review_posts.values())
        for entry_id, count in reviewed.items():
            if count > 1 or entry_id not in self.entries:
                self.problem(f"entry {entry_id} has {count} review posts")
        for entry_id in self.unrecorded_posts:
            self._undone(f"entry {entry_id}: review post id unrecorded")
        self.findings.figures["review posts"] = sum(reviewed.values())
        self.findings.figures["review posts unrecorded"] = len(self.unrecorded_posts)
        for milestone in self.stored.milestones:
            if len(self.stored.milestone_events("milestone-add", milestone)) != 1:
                self.problem(f"milestone {milestone.id} has not exactly one add event")
            stages = [s for s in self.stored.stages if s.milestone_id == milestone.id]
            if milestone.done_at is None and not any(
                s.state == ReminderState.PENDING for s in stages
            ):
                self.problem(f"open milestone {milestone.id} has no pending reminder stage")

    # --- every due reminder delivered exactly once --------------------------------------------

    def reminders(self, cutoff: datetime) -> None:
        figures = self.findings.figures
        sent = [s for s in self.stored.stages if s.state == ReminderState.SENT]
        for stage in self.stored.stages:
            if stage.fire_at <= cutoff and stage.state not in FINAL:
                self.problem(f"reminder {stage.id} due {stage.fire_at} left {stage.state}")
        messages = posts(self.double, self.casts, "reminders")
        seen: dict[int, list[int]] = defaultdict(list)  # milestone -> messages naming it
        for message in messages:
            for milestone_id in milestones_in(message):
                seen[milestone_id].append(message.id)
        sent_to: dict[int, list[int]] = defaultdict(list)
        for stage in sent:
            sent_to[stage.milestone_id].append(stage.message_id or 0)
            if stage.message_id not in self.double.store.by_id:
                self.problem(f"reminder {stage.id} marked sent; message not in the channel")
        for milestone_id in set(seen) | set(sent_to):
            if sorted(seen[milestone_id]) != sorted(sent_to[milestone_id]):
                self.problem(
                    f"milestone {milestone_id}: posted in {seen[milestone_id]}, "
                    f"sent stages say {sent_to[milestone_id]}"
                )
        nonces = Counter(
            r.body.get("nonce")
            for r in self.double.requests
            if r.method == "POST" and isinstance(r.body, dict)
            if str(r.body.get("nonce", "")).startswith("rem-")
        )
        figures["reminders sent"] = len(sent)
        figures["reminder messages"] = len(messages)
        figures["reminder repeats dropped by nonce"] = sum(nonces.values()) - len(nonces)

    def digests(self) -> None:
        for schedule in self.stored.schedules:
            weeks = [w for w in self.stored.weeks if w.schedule_id == schedule.id]
            if [w.state for w in weeks] != ["posted"]:
                self.problem(
                    f"digest {schedule.id}: weeks {[(w.iso_week, w.state) for w in weeks]}"
                )
            prefix = f"dg-{schedule.id}-"
            parts = [
                m.nonce
                for m in posts(self.double, self.casts, "digest")
                if isinstance(m.nonce, str) and m.nonce.startswith(prefix)
            ]
            if not parts or len(parts) != len(set(parts)):
                self.problem(f"digest {schedule.id} posted as {parts}")
            self.findings.figures["digest messages"] += len(parts)
