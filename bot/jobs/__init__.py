"""All scheduled and after-the-answer work: what the bot does when no one is waiting.

- `waker`: wakes each dispatcher when its next work is due (APScheduler only wakes us:
  the truth is in the database);
- `sender`: the one way a message is posted, DMed or edited outside an interaction;
- `reminders`, `digests`, `reviews`, `wiki` (automatic publishing): the dispatchers;
  each claims its due rows in the database and does them exactly once.

Dispatchers are named by the constants below, for `PartnerBot.wake(name, when)`.
"""

REMINDERS = "reminders"
DIGESTS = "digests"
REVIEWS = "reviews"
WIKI = "wiki"
