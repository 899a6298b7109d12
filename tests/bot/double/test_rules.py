"""Discord's rules as the double enforces them: through the bare bot, and rule by rule."""

from __future__ import annotations

import aiohttp
import discord
import pytest

from bot.double import NoResponse
from bot.double.command_rules import command_problems, commands_problems
from bot.double.component_rules import modal_problems
from bot.double.rules import autocomplete_problems, message_problems
from bot.double.spec import OpenAPI, find_spec, openapi
from tests.support.bare_bot import Scene, double, scene, until

__all__ = ["double", "scene"]  # fixtures


def describe(scene: Scene) -> list[str]:
    found = [f"{v.method} {v.route}: {v.message}" for v in scene.double.violations]
    scene.double.violations.clear()
    return found


async def test_embed_title_over_256_is_refused_and_recorded(scene: Scene) -> None:
    ix = await scene.double.slash(scene.vol, "bigtitle")
    await until(lambda: scene.bot.errors)
    error = scene.bot.errors[0]
    assert isinstance(error, discord.HTTPException)
    assert (error.status, error.code) == (400, 50035)
    assert "256" in error.text
    assert ix.first is None  # a refused answer acknowledges nothing
    with pytest.raises(NoResponse, match="256 or fewer"):
        await ix.response(timeout=0.01)
    assert describe(scene) == [
        "POST /interactions/{interaction_id}/{interaction_token}/callback: "
        "data.embeds.0.title: Must be 256 or fewer in length. (got 257)"
    ]


async def test_second_acknowledgement_gets_40060(scene: Scene) -> None:
    ix = await scene.double.slash(scene.vol, "ping")
    await ix.response()
    url = f"{scene.double.api_base_url}/interactions/{ix.id}/{ix.token}/callback"
    async with aiohttp.ClientSession() as http:
        answer = await http.post(url, json={"type": 4, "data": {"content": "again"}})
        body = await answer.json()
    assert answer.status == 400 and body["code"] == 40060
    assert describe(scene) == [
        "POST /interactions/{interaction_id}/{interaction_token}/callback: "
        "Interaction has already been acknowledged."
    ]
    assert ix.acknowledgements == 1


async def test_first_response_after_three_seconds_gets_10062(scene: Scene) -> None:
    ix = await scene.double.slash(scene.vol, "late", {"seconds": 3.05})
    await until(lambda: scene.bot.errors, seconds=6)
    error = scene.bot.errors[0]
    assert isinstance(error, discord.NotFound) and error.code == 10062
    assert "after the 3 s deadline" in describe(scene)[0]
    assert ix.first is None


async def test_unknown_route_and_missing_token_fail_loudly(scene: Scene) -> None:
    async with aiohttp.ClientSession() as http:
        missing = await http.get(f"{scene.double.api_base_url}/guilds/1/bans")
        anonymous = await http.get(f"{scene.double.api_base_url}/users/@me")
    assert (missing.status, anonymous.status) == (404, 401)
    found = describe(scene)
    assert "no such route in the Discord double: GET /api/v10/guilds/1/bans" in found[0]
    assert "Authorization" in found[1]


async def test_command_schema_rules_on_sync(scene: Scene) -> None:
    bad = [
        {"name": "Search", "description": "Upper case", "type": 1},
        {
            "name": "find",
            "description": "Optional first",
            "type": 1,
            "options": [
                {"name": "a", "description": "x", "type": 3},
                {"name": "b", "description": "y", "type": 3, "required": True},
            ],
        },
        {
            "name": "buscar",
            "description": "Bad locale",
            "type": 1,
            "name_localizations": {"xx": "buscar", "es-ES": "Buscar"},
        },
    ]
    with pytest.raises(discord.HTTPException) as refused:
        await scene.bot.http.bulk_upsert_guild_commands(
            scene.double.application_id, scene.guild.id, bad
        )
    assert refused.value.code == 50035
    messages = " | ".join(describe(scene))
    assert "0.name: Command name 'Search'" in messages
    assert "1.options.1.required: Required options must be placed before" in messages
    assert "2.name_localizations.xx: 'xx' is not a valid Discord locale" in messages
    assert "2.name_localizations.es-ES: Command name 'Buscar'" in messages


def test_message_limits() -> None:
    body = {
        "content": "x" * 2001,
        "embeds": [
            {
                "title": "t" * 256,
                "description": "d" * 4096,
                "footer": {"text": "f" * 2049},
                "author": {"name": "a" * 257},
                "fields": [{"name": "n", "value": "v" * 1025}] * 26,
            }
        ]
        + [{}] * 10,
    }
    paths = {".".join(map(str, p.path)) for p in message_problems(body)}
    assert paths == {
        "content",
        "embeds",
        "embeds.0.footer.text",
        "embeds.0.author.name",
        "embeds.0.fields",
        *{f"embeds.0.fields.{i}.value" for i in range(26)},
    }
    big = {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}
    assert [p.code for p in message_problems(big)] == ["MAX_EMBED_SIZE_EXCEEDED"]
    assert message_problems({"content": "x" * 2000, "embeds": [{"title": "t" * 256}]}) == []


def test_component_limits() -> None:
    button = {"type": 2, "style": 1, "label": "ok", "custom_id": "b"}
    rows = [
        {"type": 1, "components": [{**button, "custom_id": f"b{r}{i}"} for i in range(5)]}
        for r in range(6)
    ]
    assert [p.describe() for p in message_problems({"components": rows})] == [
        "components: Must be 5 or fewer in length. (got 6)"
    ]
    row = {
        "type": 1,
        "components": [
            {**button, "custom_id": "c" * 101, "label": "l" * 81},
            {"type": 2, "style": 5, "label": "link", "url": "https://x.org", "custom_id": "x"},
            {
                "type": 3,
                "custom_id": "s",
                "options": [{"label": "o", "value": str(i)} for i in range(26)],
            },
            {**button, "custom_id": "s"},
        ],
    }
    found = {p.describe() for p in message_problems({"components": [row]})}
    assert found == {
        "components.0.components: A select menu must be alone in its action row",
        "components.0.components.0.custom_id: Must be 100 or fewer in length. (got 101)",
        "components.0.components.0.label: Must be 80 or fewer in length. (got 81)",
        "components.0.components.1: A link button needs a url and no custom_id",
        "components.0.components.2.options: Must have between 1 and 25 options (got 26)",
        "components.0.components.3.custom_id: Duplicate custom_id 's'",
    }


def test_modal_limits() -> None:
    text = {"type": 4, "custom_id": "t", "style": 1, "label": "l" * 46, "value": "v" * 4001}
    modal = {
        "title": "m" * 46,
        "custom_id": "m",
        "components": [
            {"type": 1, "components": [{**text, "custom_id": f"t{i}"}]} for i in range(6)
        ],
    }
    found = {p.describe() for p in modal_problems(modal)}
    assert "data.title: Must be 45 or fewer in length. (got 46)" in found
    assert "data.components: Must have between 1 and 5 components (got 6)" in found
    assert "data.components.0.components.0.label: Must be 45 or fewer in length. (got 46)" in found
    assert (
        "data.components.0.components.0.value: Must be 4000 or fewer in length. (got 4001)" in found
    )


def test_command_names_descriptions_and_limits() -> None:
    def ok(name: str) -> bool:
        return not command_problems({"name": name, "description": "d"})

    assert ok("búsqueda") and ok("alianza-nueva") and ok("数据") and ok("x_1")
    assert not ok("Search") and not ok("two words") and not ok("a" * 33) and not ok("")
    assert (
        command_problems({"name": "u", "description": "d" * 101})[0].code == "BASE_TYPE_BAD_LENGTH"
    )
    assert not command_problems({"name": "Report User", "description": "", "type": 2})
    options = [{"name": f"o{i}", "description": "d", "type": 3} for i in range(26)]
    assert command_problems({"name": "many", "description": "d", "options": options})
    choices = [{"name": "c", "value": "v" * 101}]
    assert command_problems(
        {
            "name": "c",
            "description": "d",
            "options": [{"name": "o", "description": "d", "type": 3, "choices": choices}],
        }
    )
    twice = [{"name": "same", "description": "d"}] * 2
    assert [p.code for p in commands_problems(twice)] == ["APPLICATION_COMMANDS_DUPLICATE_NAME"]


def test_openapi_validation_is_precise() -> None:
    # Its speed is a figure bench/interaction.py prints (the check of a callback body),
    # not a timed test that fails on a busy machine.
    spec = openapi(str(find_spec()))
    route = "/channels/{channel_id}/messages"
    body = {
        "content": "hello",
        "nonce": "n-1",
        "enforce_nonce": True,
        "allowed_mentions": {"parse": [], "users": [123456789012345678]},
        "embeds": [
            {
                "title": "t",
                "description": "d",
                "color": 5,
                "url": "https://x.org",
                "fields": [{"name": "n", "value": "v", "inline": True}],
                "timestamp": "2026-01-01T00:00:00+00:00",
            }
        ],
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 1, "label": "b", "custom_id": "b"},
                    {"type": 2, "style": 5, "label": "l", "url": "https://x.org"},
                ],
            }
        ],
    }
    assert spec.problems("POST", route, body) == []
    broken = {
        **body,
        "embeds": [{"url": "not a url", "color": -1}],
        "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": 5}]}],
    }
    assert {p.describe() for p in spec.problems("POST", route, broken)} == {
        "embeds.0.url: Not a well formed uri. (got 'not a url')",
        "embeds.0.color: int value should be greater than or equal to 0. (got -1)",
        "components.0.components.0.label: 5 is not of type 'string', 'null'",
    }


def test_without_the_description_only_the_rules_apply(caplog: pytest.LogCaptureFixture) -> None:
    spec = OpenAPI(None)
    assert not spec.loaded and "not found" in caplog.text
    assert spec.problems("POST", "/channels/{channel_id}/messages", {"content": 1}) == []


async def test_callback_type_followup_timing_and_token_lifetime(scene: Scene) -> None:
    double = scene.double
    ix = await double.slash(scene.vol, "late", {"seconds": 0.3})
    base = double.api_base_url
    async with aiohttp.ClientSession() as http:
        wrong_type = await http.post(
            f"{base}/interactions/{ix.id}/{ix.token}/callback",
            json={"type": 8, "data": {"choices": []}},
        )
        early = await http.post(
            f"{base}/webhooks/{double.application_id}/{ix.token}", json={"content": "too soon"}
        )
        assert (wrong_type.status, early.status) == (400, 404)
        assert (await early.json())["code"] == 10015
        assert (await ix.response()).message is not None  # the bot's own answer still counts
        double.token_lifetime = 0.0
        expired = await double.slash(scene.vol, "ping")
        await expired.response()
        stale = await http.post(
            f"{base}/webhooks/{double.application_id}/{expired.token}",
            json={"content": "15 minutes later"},
        )
        assert stale.status == 401 and (await stale.json())["code"] == 50027
    assert describe(scene) == [
        "POST /interactions/{interaction_id}/{interaction_token}/callback: "
        "type: Callback type 8 cannot answer an interaction of type 2",
        "POST /webhooks/{webhook_id}/{webhook_token}: "
        "follow-up or edit before the interaction was acknowledged",
        "POST /webhooks/{webhook_id}/{webhook_token}: interaction token older than 15 minutes",
    ]


def test_autocomplete_choices_rules() -> None:
    choices = [{"name": f"c{i}", "value": f"v{i}"} for i in range(26)]
    assert [p.describe() for p in autocomplete_problems({"choices": choices}, 3)] == [
        "data.choices: Must be 25 or fewer in length. (got 26)"
    ]
    wrong = [{"name": "", "value": "x"}, {"name": "n", "value": "one"}]
    assert {p.describe() for p in autocomplete_problems({"choices": wrong}, 4)} == {
        "data.choices.0.name: This field is required",
        "data.choices.0.value: Value 'x' does not fit an option of type 4",
        "data.choices.1.value: Value 'one' does not fit an option of type 4",
    }
