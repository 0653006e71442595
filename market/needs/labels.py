"""What the pages of needs, requests and hearings show for their codes and timeline entries."""
from market.needs import timeline
from market.needs.models import (
    HEARING_KINDS,
    HEARING_MACHINE,
    NEED_MACHINE,
    OUTCOMES,
    REQUEST_MACHINE,
    TRACKS,
    URGENCIES,
    VOTE_CHOICES,
)

LABELS = {"urgencies": URGENCIES, "tracks": TRACKS, "hearing_kinds": HEARING_KINDS, "vote_choices": VOTE_CHOICES,
          "outcomes": OUTCOMES, "need_machine": NEED_MACHINE, "request_machine": REQUEST_MACHINE,
          "hearing_machine": HEARING_MACHINE, "describe": timeline.describe}
