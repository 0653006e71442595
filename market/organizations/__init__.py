"""Social organizations: profiles, members, documents, civil-affairs approval."""
