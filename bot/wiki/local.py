"""A real MediaWiki on loopback, for the publishing tests and bench/wiki.py (as the
Discord double is for Discord): Debian's package, installed into a temporary folder on
SQLite and served by PHP's built-in server.

It has the bot's account (a bot password, as on Meta-Wiki), a person's account for
"someone edited the page", and maintenance scripts for what an administrator does
(protect a page, block an account).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mwclient

MEDIAWIKI = Path("/usr/share/mediawiki")
ADMIN_PASSWORD = "Admin-pass-123456"
BOT_USER, BOT_APP, BOT_PASSWORD = "Partnerbot", "partnerbot", "botpassword0123456789abcdefghijk"
PERSON_USER, PERSON_APP, PERSON_PASSWORD = "Rosa", "editing", "personpassword0123456789abcdefgh"
GRANTS = "basic,highvolume,editpage,createeditmovepage"
SETTINGS = """
$wgEnableBotPasswords = true;
$wgRateLimits = [];
$wgMainCacheType = CACHE_NONE;
$wgJobRunRate = 0;
$wgEnableUploads = false;
$wgAllowExternalImages = false;
$wgPasswordPolicy['policies']['default'] = [];
$wgGroupPermissions['sysop']['protect'] = true;
"""


def missing() -> str | None:
    """Why the MediaWiki tests cannot run here, or None."""
    if shutil.which("php") is None or not (MEDIAWIKI / "maintenance/install.php").exists():
        return "MediaWiki is not installed (apt-get install mediawiki php-sqlite3 php-cli)"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class MediaWiki:
    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api.php"

    @property
    def bot_username(self) -> str:
        return f"{BOT_USER}@{BOT_APP}"

    def _php(self, script: str, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            ["php", str(MEDIAWIKI / "maintenance" / script), "--conf", str(self.settings), *args],
            input=stdin.encode() if stdin is not None else None,
            capture_output=True,
            check=True,
            timeout=120,
        )
        return done.stdout.decode()

    @property
    def settings(self) -> Path:
        return self.folder / "LocalSettings.php"

    def install(self) -> None:
        subprocess.run(
            [
                "php",
                str(MEDIAWIKI / "maintenance/install.php"),
                "--dbtype=sqlite",
                f"--dbpath={self.folder / 'db'}",
                "--dbname=wiki",
                f"--server=http://127.0.0.1:{self.port}",
                "--scriptpath=",
                f"--confpath={self.folder}",
                f"--pass={ADMIN_PASSWORD}",
                "--lang=en",
                "TestWiki",
                "Admin",
            ],
            capture_output=True,
            check=True,
            timeout=300,
        )
        with self.settings.open("a") as settings:
            settings.write(SETTINGS)
        for user, app, password in (
            (BOT_USER, BOT_APP, BOT_PASSWORD),
            (PERSON_USER, PERSON_APP, PERSON_PASSWORD),
        ):
            self._php("createAndPromote.php", user, f"{password}-main")
            self._php(
                "createBotPassword.php", f"--appid={app}", f"--grants={GRANTS}", user, password
            )

    def start(self) -> None:
        environment = os.environ | {"MW_CONFIG_FILE": str(self.settings)}
        self.process = subprocess.Popen(
            ["php", "-S", f"127.0.0.1:{self.port}", "-t", str(MEDIAWIKI)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.api_url}?action=query&format=json", timeout=5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
            if self.process.poll() is None:
                self.process.kill()

    # --- what people and administrators do -------------------------------

    def person(self) -> mwclient.Site:
        site = mwclient.Site(
            f"127.0.0.1:{self.port}",
            path="/",
            scheme="http",
            clients_useragent="partnerbot-tests/1 (tests)",
            max_retries=0,
        )
        site.login(f"{PERSON_USER}@{PERSON_APP}", PERSON_PASSWORD)
        return site

    def edit_as_person(self, title: str, text: str) -> int:
        site = self.person()
        result = site.api(
            "edit", title=title, text=text, summary="by hand", token=site.get_token("csrf")
        )
        return int(result["edit"]["newrevid"])

    def text(self, title: str) -> str:
        return str(self.person().pages[title].text())

    def row(self, title: str, name: str) -> tuple[str, str]:
        """The page's text and the line of the table's row for the entry `name`."""
        text = self.text(title)
        return text, next(line for line in text.splitlines() if line.startswith(f"| {name} "))

    def revisions(self, title: str) -> list[dict[str, object]]:
        return list(self.person().pages[title].revisions(prop="ids|user|comment"))

    def protect(self, title: str, *, on: bool = True) -> None:
        self._php("protect.php", "--user=Admin", *([] if on else ["--unprotect"]), title)

    def delete(self, title: str) -> None:
        self._php("deleteBatch.php", "-u", "Admin", stdin=title)

    def block_bot(self, *, on: bool = True) -> None:
        self._php(
            "blockUsers.php", "--performer=Admin", *([] if on else ["--unblock"]), stdin=BOT_USER
        )


@contextlib.contextmanager
def running_mediawiki(folder: Path) -> Iterator[MediaWiki]:
    wiki = MediaWiki(folder, free_port())
    wiki.install()
    wiki.start()
    try:
        yield wiki
    finally:
        wiki.stop()
