"""What an operator needs to run the bot: metrics, a health and metrics endpoint,
logs a host can index, and the invite link with exactly the permissions used."""
