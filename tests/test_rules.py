from datetime import date, datetime

import pytest

from market.core.unit import command
from market.rules import services


@pytest.mark.parametrize("start,days,expected", [
    (datetime(2026, 11, 20, 9, 0), 1, datetime(2026, 11, 23, 9, 0)),   # Friday → Monday
    (datetime(2026, 9, 30, 9, 0), 1, datetime(2026, 10, 8, 9, 0)),    # National Day week skipped
    (datetime(2026, 9, 18, 9, 0), 1, datetime(2026, 9, 20, 9, 0)),    # Sunday 20 Sept is a make-up workday
    (datetime(2026, 2, 13, 17, 0), 1, datetime(2026, 2, 14, 17, 0)),  # so is Saturday 14 Feb before 春节
    (datetime(2026, 2, 14, 17, 0), 1, datetime(2026, 2, 24, 17, 0)),  # 春节 15–23 Feb
    (datetime(2026, 11, 23, 9, 0), 7, datetime(2026, 12, 2, 9, 0)),   # a challenge period: 7 working days
    (datetime(2026, 11, 23, 9, 0), 0, datetime(2026, 11, 23, 9, 0)),
])
def test_working_days_follow_the_holiday_calendar(app, start, days, expected):
    with command(app):
        assert services.add_working_days(start, days) == expected


def test_calendar_and_working_periods(app):
    with command(app):
        assert services.add_period(datetime(2026, 9, 30), 20, "calendar") == datetime(2026, 10, 20)
        assert services.add_period(datetime(2026, 9, 30), 3, "working") == datetime(2026, 10, 10)  # Saturday 调休
        assert not services.is_workday(date(2026, 10, 5)) and services.is_workday(date(2026, 10, 10))


def test_rules_in_force_are_data_with_versions(app, frozen):
    from market import clock
    from market.extensions import db
    from market.places.models import City
    from market.rules.models import RuleSet

    with command(app):
        rules = services.in_force()
        assert rules["methods"]["open_tender"]["min_suppliers"] == 3
        assert rules["methods"]["competitive_consultation"]["price_weight"] == [10, 30]
        city_id = db.session.scalar(db.select(City.id))
        db.session.add(RuleSet(city_id=city_id, version=2, effective_from=date(2027, 1, 1), created_at=clock.now(),
                               values={**rules, "challenge_working_days": 10}))
        db.session.commit()
        try:
            assert services.in_force()["challenge_working_days"] == 7  # not yet in force
            assert services.in_force(date(2027, 1, 1))["challenge_working_days"] == 10
        finally:
            db.session.execute(db.delete(RuleSet).where(RuleSet.version == 2))
            db.session.commit()
