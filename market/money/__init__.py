"""Money: a double-entry ledger in integer fen, and the payment providers that move real money."""
