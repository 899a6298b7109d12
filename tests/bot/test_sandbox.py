"""`partnerbot sandbox`: scripts and piped chats against the real bot and the Discord double."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.double import DiscordDouble, Message
from bot.sandbox import run_sandbox
from bot.sandbox.parse import ParseError, parse
from bot.sandbox.render import Names, modal_fields, relative, render_message

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "docs" / "sandbox-demo.txt"


def transcript(tmp_path: Path, script: str) -> str:
    path = tmp_path / "script.txt"
    path.write_text(script, encoding="utf-8")
    output = io.StringIO()
    assert run_sandbox(path, input_stream=io.StringIO(""), output=output) == 0
    return output.getvalue()


def after(text: str, marker: str) -> str:
    """The transcript from the line `> marker` on: what that command produced."""
    return text.split(f"> {marker}\n", 1)[1]


def test_search_show_and_spanish(tmp_path: Path) -> None:
    text = transcript(
        tmp_path,
        "# a comment, not echoed\n"
        "/partnership search openstreetmap\n\n"
        "/partnership show openstreetmap\n"
        "/lang es\n"
        "/partnership search openstreetmap\n",
    )
    assert "a comment" not in text
    search = after(text, "/partnership search openstreetmap")
    assert search.startswith("[#general] Partner Bot:\n  │ Search: openstreetmap\n")
    assert "**Wikimedia–OpenStreetMap** ⭐ (#1) — alliance · technology · active" in search
    show = after(text, "/partnership show openstreetmap")
    assert show.startswith("(picked from the suggestions: Wikimedia–OpenStreetMap)")
    assert "  │ Partner organisations: OpenStreetMap\n" in show
    spanish = after(text, "/lang es")
    assert "Búsqueda: openstreetmap" in spanish and "Página 1 de 1" in spanish
    assert "Search:" not in spanish
    # Timestamps and mentions are shown as a client shows them, never as raw markup.
    assert "<t:" not in text and "<@" not in text
    assert text.rstrip().endswith("Bye: the sandbox's database is deleted.")


def test_moderator_only_and_propose_through_the_form(tmp_path: Path) -> None:
    text = transcript(
        tmp_path,
        "/settings show\n"
        "/partnership propose kind:alliance area:content steward:volunteers\n"
        "  Museo Abierto\n"
        "  Museo Nacional\n"
        "  Open images of the **national** museum.\\nTwo lines.\n"
        "press 1\n"
        "/as moderator\n"
        "/settings show\n"
        "press 1\n",
    )
    refused = after(text, "/settings show")
    assert refused.startswith("✗ Discord does not offer /settings to you (the volunteer)")
    form = after(text, "/partnership propose kind:alliance area:content steward:volunteers")
    assert "  Name (required, up to 100 characters; hint: " in form
    assert "): Museo Abierto\n" in form
    assert "  Links (optional, " in form and "(no answer given)" in form
    assert "[#general] Partner Bot (only you can see this):" in form
    # Markdown is shown as sent: the bot escaped the proposer's own.
    assert "  │ Open images of the \\*\\*national\\*\\* museum.\n  │ Two lines.\n" in form
    assert "  [1] Confirm and propose  [2] Cancel\n" in form
    confirmed = after(text, "press 1")
    assert "(only you can see this, edited):" in confirmed and "waits for review" in confirmed
    assert "[#review] Partner Bot:\n  │ Museo Abierto\n" in confirmed
    assert "  │ Proposed by: @you\n" in confirmed
    assert "  [1] Approve  [2] Reject  [3] Edit  [4] Support (0)\n" in confirmed
    moderator = after(text, "/as moderator")
    assert "  │ Review channel: #review\n" in moderator
    approved = moderator.split("> press 1\n", 1)[1]
    assert approved.startswith("(pressing Approve)\n[#review] Partner Bot (edited):")
    assert "Approved by @moderator on " in approved
    assert "[1] Approve (disabled)" in approved
    assert "[DM to you] Partner Bot:\n  Good news: your proposal “Museo Abierto” was approved" in (
        approved
    )


def test_piped_chat_explains_mistakes_and_ends_at_eof() -> None:
    lines = [
        "/partnrship search osm",
        "/partnership search qeury:osm",
        "/partnership search",
        "/partnership propose kind:alliance area:nowhere steward:volunteers",
        "/partnership propose kind:alliance area:content steward:volunteers",
        "Museo",
        ":cancel",
        "press 9",
        "hello",
        '/partnership search "zzzqqq nothing" models:no',
        "/as nobody",
    ]
    output = io.StringIO()
    status = run_sandbox(None, input_stream=io.StringIO("\n".join(lines)), output=output)
    text = output.getvalue()
    assert status == 0
    assert "✗ No command /partnrship. Did you mean 'partnership'?" in text
    assert (
        "has no option 'qeury'. Did you mean 'query'? Usage: /partnership search query:<text>"
        in (text)
    )
    assert "✗ /partnership search needs query." in text
    assert "✗ 'nowhere' is not a choice of 'area' in /partnership propose" in text
    assert "): Museo\n" in text and "Form closed; nothing was sent." in text
    assert "No message with buttons has been shown yet." in text
    assert "Bot commands start with /" in text
    nothing = after(text, '/partnership search "zzzqqq nothing" models:no')
    assert nothing.startswith("[#general] Partner Bot (only you can see this):")
    assert "Use /as moderator or /as volunteer." in text
    assert text.rstrip().endswith("Bye: the sandbox's database is deleted.")


def test_demo_script_as_a_subprocess() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    # Ignored: the sandbox always brings its own throwaway database.
    env["DATABASE_URL"] = "postgresql+asyncpg://nobody@127.0.0.1:1/nowhere"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", str(DEMO)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "> /partnership search openstreetmap\n[#general] Partner Bot:" in out
    assert "[#review] Partner Bot (edited):" in out and "Approved by @moderator" in out
    assert "Búsqueda: openstreetmap" in out
    assert "✗" in out  # the typo shown in the demo is explained
    assert "voice will NOT be supported" not in done.stderr


# --- rendering and parsing, without a bot ---------------------------------------------------


def test_render_mentions_times_components_and_files() -> None:
    double = DiscordDouble()
    guild = double.add_guild("Sandbox")
    review = guild.add_text_channel("review")
    moderator = guild.add_moderator("moderator")
    role = guild.role("Moderators")
    assert role is not None
    names = Names(double.world)
    local = datetime.fromtimestamp(1_700_000_000, tz=UTC).astimezone().strftime("%Y-%m-%d")
    readable = names.readable(
        f"<@{moderator.id}> in <#{review.id}> for <@&{role.id}> on <t:1700000000:d>"
    )
    assert readable == f"@moderator in #review for @Moderators on {local}"
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert relative(now + timedelta(days=3), now) == "in 3 days"
    assert relative(now - timedelta(hours=1), now) == "1 hour ago"

    body = {
        "content": "Pick one",
        "embeds": [{"title": "T", "fields": [{"name": "Kind", "value": "alliance"}]}],
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 1, "label": "Go", "custom_id": "go"},
                    {"type": 2, "style": 2, "label": "Off", "custom_id": "off", "disabled": True},
                    {"type": 2, "style": 5, "label": "Meta", "url": "https://meta.wikimedia.org"},
                ],
            },
            {
                "type": 1,
                "components": [
                    {
                        "type": 3,
                        "custom_id": "pick",
                        "placeholder": "Area",
                        "options": [
                            {"label": "Content", "value": "content"},
                            {"label": "Outreach", "value": "outreach", "description": "Events"},
                        ],
                    }
                ],
            },
        ],
    }
    message = double.store.create(review, double.world.bot, body, {}, kind="post")
    text, targets = render_message(message, names, viewer_id=moderator.id, edited=True)
    assert text.splitlines() == [
        "[#review] Partner Bot (edited):",
        "  Pick one",
        "  │ T",
        "  │ Kind: alliance",
        "  [1] Go  [2] Off (disabled)  [Meta ↗ https://meta.wikimedia.org]",
        "  ▾ Area (choose 1)",
        "    (3) Content",
        "    (4) Outreach — Events",
    ]
    assert [(t.kind, t.value) for t in targets[2:]] == [
        ("option", "content"),
        ("option", "outreach"),
    ]


def test_text_attachment_preview_and_modal_fields() -> None:
    from bot.double import Attachment

    double = DiscordDouble()
    channel = double.add_guild("Sandbox").add_text_channel("general")
    data = "\n".join(f"row {n}" for n in range(8)).encode()
    upload = Attachment(1, "export.csv", data, "text/csv")
    message: Message = double.store.create(
        channel, double.world.bot, {"content": ""}, {0: upload}, kind="post"
    )
    text, _ = render_message(message, Names(double.world), viewer_id=None, edited=False)
    assert "📎 export.csv (47 bytes)" in text
    assert "┆ row 4" in text and "┆ row 5" not in text and "┆ … (3 more lines)" in text

    modal = {
        "title": "Reject",
        "custom_id": "m",
        "components": [
            {
                "type": 1,
                "components": [{"type": 4, "custom_id": "a", "label": "Reason", "style": 2}],
            },
            {
                "type": 18,
                "label": "Note",
                "component": {"type": 4, "custom_id": "b", "required": False, "value": "x"},
            },
        ],
    }
    fields = modal_fields(modal)
    assert [(f.label, f.required, f.default, f.long) for f in fields] == [
        ("Reason", True, "", True),
        ("Note", False, "x", False),
    ]
    assert fields[1].prompt() == "  Note (optional) [x]: "


SCHEMA = [
    {
        "type": 1,
        "name": "partnership",
        "name_localizations": {"es-ES": "asociaciones"},
        "options": [
            {
                "type": 1,
                "name": "search",
                "name_localizations": {"es-ES": "buscar"},
                "options": [
                    {"type": 3, "name": "query", "required": True},
                    {
                        "type": 3,
                        "name": "kind",
                        "choices": [
                            {
                                "name": "alliance",
                                "value": "alliance",
                                "name_localizations": {"es-ES": "alianza"},
                            }
                        ],
                    },
                    {"type": 5, "name": "models"},
                    {"type": 4, "name": "limit"},
                ],
            }
        ],
    }
]


class NoGuild:
    def member(self, name: str) -> None:
        return None

    def role(self, name: str) -> None:
        return None

    def channel(self, name: str) -> None:
        return None


def test_parse_against_the_registered_schema() -> None:
    found = parse(
        '/asociaciones buscar kind:alianza models:yes open "street map" https://osm.org',
        SCHEMA,
        NoGuild(),
    )
    assert found.path == "partnership search"
    assert found.options == {
        "query": "open street map https://osm.org",
        "kind": "alliance",
        "models": True,
    }
    quoted = parse('/partnership search query:"a b" limit:3', SCHEMA, NoGuild())
    assert quoted.options == {"query": "a b", "limit": 3}
    for line, message in [
        ("/partnership search x limit:many", "'limit' in /partnership search takes whole number"),
        ("/partnership search x models:maybe", "takes true|false"),
        ("/partnership", "/partnership needs a subcommand. Choose one of: search."),
        ("/partnership search x kind:nope", "choose alliance"),
    ]:
        with pytest.raises(ParseError, match=message.replace("|", r"\|").replace(".", r"\.")):
            parse(line, SCHEMA, NoGuild())
