"""The site itself: the home page, the language switch, the health check and the development outbox."""
