"""Publishing the directory to a wiki page: the client of the wiki's API (`client`, on
mwclient in `mediawiki`) and the publish itself (`publish`)."""

from __future__ import annotations

from bot.config import Settings
from bot.wiki.client import WikiClient
from storage.clock import Clock


def client_from(settings: Settings, clock: Clock) -> WikiClient | None:
    """The host's wiki account, or None when none is configured (publishing is off)."""
    if not settings.wiki_configured:
        return None
    assert settings.wiki_username is not None and settings.wiki_password is not None
    from bot.wiki.mediawiki import MwClient  # mwclient loads only where a wiki is configured

    return MwClient(
        settings.wiki_api_url,
        settings.wiki_username,
        settings.wiki_password,
        contact=settings.wiki_contact_or_user_page,
        clock=clock,
        edit_interval=settings.wiki_edit_interval,
        max_retries=settings.wiki_max_retries,
    )
