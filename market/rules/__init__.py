"""Numbers that vary by province or city, kept as data with a version and an effective date,
and the working-day calendar that deadlines count in."""
