"""The bot's Prometheus metrics (served on /metrics when PORT is set).

Process-wide, like the registry they are in: every part of the bot counts here, and
the default registry adds the process's own (memory, CPU, open files).
"""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import Counter, Histogram

# Discord gives an interaction 3 s to be answered: the buckets are around that.
ANSWER_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)

INTERACTIONS = Counter(
    "partnerbot_interactions",
    "Interactions answered, by command and outcome (ok, refused, unavailable, error)",
    ["command", "outcome"],
)
ANSWER_SECONDS = Histogram(
    "partnerbot_answer_seconds",
    "Time from an interaction's creation on Discord to the bot's answer",
    buckets=ANSWER_BUCKETS,
)
REMINDERS = Counter(
    "partnerbot_reminders",
    "Reminder stages delivered (sent), delivered late (late, also counted as sent), or "
    "not deliverable because the channel is gone (failed)",
    ["result"],
)
SCHEDULER_LAG = Histogram(
    "partnerbot_scheduler_lag_seconds",
    "How long after its planned time a scheduled run started",
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0),
)
DIGESTS_POSTED = Counter("partnerbot_digests_posted", "Weekly digests posted")
DATABASE_ERRORS = Counter(
    "partnerbot_database_errors", "Commands and scheduled runs that found the database away"
)
GATEWAY_RECONNECTS = Counter(
    "partnerbot_gateway_reconnects", "Gateway sessions resumed or started again after the first"
)


def answered(command: str, outcome: str, created_at: datetime) -> None:
    """Count an interaction's answer and how long after its creation it came."""
    INTERACTIONS.labels(command=command, outcome=outcome).inc()
    ANSWER_SECONDS.observe(max((datetime.now(UTC) - created_at).total_seconds(), 0.0))
