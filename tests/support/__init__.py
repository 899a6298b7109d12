"""What tests share: factories of rows, fakes of the narrow interfaces (sender, clock),
the PostgreSQL outage proxy and the bare discord.py bot used as a yardstick."""
