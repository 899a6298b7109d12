"""`partnerbot run` for the kill test, with crash-recovery windows of seconds.

A killed process leaves reminder stages `sending` (retried after `reminders.LEASE`,
a minute) and digest weeks `claimed` (retried after `STALE_CLAIM`, minutes): windows
sized to Discord's nonce memory, which the test cannot wait out. Shortened here (the
double remembers nonces for ten minutes, so the retries are just as safe); everything
else is the real command. Run as a script: `python crashable_bot.py run`.
"""

from __future__ import annotations

from datetime import timedelta

from storage.services import digest, proposals, reminders

RETRY_AFTER = timedelta(seconds=4)

if __name__ == "__main__":
    reminders.LEASE = RETRY_AFTER
    proposals.POST_GRACE = RETRY_AFTER  # the review post, decision and DM left undone
    # Before bot.jobs.digests is imported: the dispatcher takes it as a default argument.
    digest.STALE_CLAIM = RETRY_AFTER
    from bot.cli import main

    raise SystemExit(main())
