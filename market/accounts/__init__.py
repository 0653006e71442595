"""People: registration, login, roles, residence verification."""
