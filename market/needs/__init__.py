"""The demand side: residents' needs, community requests, hearings, and the public timeline."""
