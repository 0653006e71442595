"""Notifications: what a person is told in Market (and by mail if they asked), by any area.

Low in the layers (just above accounts) so that every area can tell someone something: an area
calls `services.notify` with a kind, the details and the page it is about, and registers how its
kinds read with `wording.describes`. The list of a person's notifications is here too.
"""
