"""The rubric engine: arithmetic against examples worked by hand, outlines, copying and freezing."""
from decimal import Decimal as D

import pytest

from market.accounts.roles import Role
from market.core import scoring
from market.core.errors import PermissionDenied, ServiceError
from market.core.unit import command
from market.evaluation import rubrics
from market.evaluation.models import Rubric
from market.extensions import db
from market.procurement import awards as bid_awards
from tests.factories import user

N = scoring.Node


def tree():
    # 1 (40) = 1.1 (10) + 1.2 (30);  2 (60) = 2.1 (20) + 2.2 (20) + 2.3 (20);  3 bonus (10)
    return [N(1, 40, [N(11, 10), N(12, 30)]), N(2, 60, [N(21, 20), N(22, 20), N(23, 20)]), N(3, 10, bonus=True)]


def test_a_full_sheet_adds_up():
    # 8 + 24 + 15 + 18 + 12 = 77, no bonus.
    result = scoring.score_tree(tree(), {11: D(8), 12: D(24), 21: D(15), 22: D(18), 23: D(12), 3: D(0)}, cap=100)
    assert result.total == D("77.00")
    assert result.by_node[1] == D("32.00") and result.by_node[2] == D("45.00")


def test_not_applicable_leaves_the_average_and_the_parent_is_scaled():
    # 2.3 not applicable: part 2 earned 15 + 18 = 33 of 40 applicable points, scaled to 60 → 49.5.
    # Total = 32 + 49.5 = 81.5.
    result = scoring.score_tree(tree(), {11: D(8), 12: D(24), 21: D(15), 22: D(18), 23: scoring.NA, 3: D(0)},
                                cap=100)
    assert result.by_node[2] == D("49.50")
    assert result.total == D("81.50")


def test_a_whole_part_not_applicable_scales_the_total():
    # Part 1 entirely not applicable: part 2 earns 45 of 60 → total 45 × 100 / 60 = 75.
    result = scoring.score_tree(tree(), {11: scoring.NA, 12: scoring.NA, 21: D(15), 22: D(18), 23: D(12),
                                         3: scoring.NA}, cap=100)
    assert result.by_node[1] is None
    assert result.total == D("75.00")


def test_bonus_points_add_on_top_and_the_cap_holds():
    # 77 + 7 bonus = 84; 98 + 10 = 108 capped at 100.
    scores = {11: D(8), 12: D(24), 21: D(15), 22: D(18), 23: D(12), 3: D(7)}
    assert scoring.score_tree(tree(), scores, cap=100).total == D("84.00")
    full = {11: D(10), 12: D(30), 21: D(20), 22: D(18), 23: D(20), 3: D(10)}
    assert scoring.score_tree(tree(), full, cap=100).total == D("100.00")


def test_thirds_round_half_up_only_at_the_end():
    # One part of 10 points with three leaves of 1 point each scaled: 1 + 1 + 0 of 3 → 6.666… → 6.67.
    result = scoring.score_tree([N(1, 10, [N(11, 1), N(12, 1), N(13, 1)])], {11: D(1), 12: D(1), 13: D(0)}, cap=10)
    assert result.total == D("6.67")


def test_points_outside_the_range_and_all_not_applicable_are_refused():
    with pytest.raises(ValueError):
        scoring.score_tree(tree(), {11: D(11)}, cap=100)
    with pytest.raises(ValueError):
        scoring.score_tree([N(1, 10)], {1: scoring.NA}, cap=10)


def test_bands_satisfaction_and_the_score_tied_tranche():
    bands = [[90, "excellent"], [80, "good"], [60, "fair"], [0, "poor"]]
    assert [scoring.band(D(v), bands) for v in ("90", "89.99", "80", "60", "59.99", "0")] == \
        ["excellent", "good", "good", "fair", "poor", "poor"]
    grading = [[951, "5A"], [901, "4A"], [851, "3A"], [801, "2A"], [0, "1A"]]
    assert [scoring.band(D(v), grading) for v in ("1000", "951", "950.99", "851", "800")] == \
        ["5A", "5A", "4A", "3A", "1A"]
    # Stars 5, 4, 4, 3: mean 4 → (4 − 1) × 25 = 75.  One star only → 0; five only → 100.
    assert scoring.satisfaction_index([5, 4, 4, 3]) == D("75.00")
    assert scoring.satisfaction_index([1]) == D("0.00") and scoring.satisfaction_index([5, 5]) == D("100.00")
    assert scoring.satisfaction_index([]) is None
    # A ¥36,000.00 tranche, withheld below 60, full from 80: 59.99 → 0; 70 → 36,000 × 70/80 = 31,500;
    # 76.5 → 34,425; 80 → all; 66.67 → 3,600,000 × 66.67 / 80 = 3,000,150 fen.
    pay = lambda s: scoring.tranche_payable(3_600_000, D(s), 60, 80)  # noqa: E731
    assert [pay(s) for s in ("59.99", "60", "70", "76.5", "80", "95")] == \
        [0, 2_700_000, 3_150_000, 3_442_500, 3_600_000, 3_600_000]
    assert pay("66.67") == 3_000_150
    # An odd amount rounds down to the fen: 1,001 fen × 70 / 80 = 875.875 → 875.
    assert scoring.tranche_payable(1_001, D(70), 60, 80) == 875


def test_bids_and_rubrics_share_the_panel_mean():
    assert scoring.panel_mean([10, 20, 30]) == D(20)
    # Five experts: the highest and lowest drop: (12 + 14 + 16) / 3 = 14.
    assert scoring.panel_mean([0, 12, 14, 16, 40], trim=True) == D(14)
    ranked = bid_awards.combine({1: {7: [0, 12, 14, 16, 40]}}, {1: 100}, 0, trim=True)
    assert ranked[0].technical == D("14.00")


def test_the_shipped_rubrics_follow_the_domain_weights(app, rubric_defaults):
    with command(app):
        performance = db.session.scalar(db.select(Rubric).where(Rubric.purpose == "performance"))
        assert [(i.name, i.points) for i in performance.indicators if i.parent_id is None] == \
            [("预算执行", 10), ("产出", 50), ("效益", 30), ("服务对象满意度", 10)]
        assert [i.source for i in rubrics.leaves(performance)].count("satisfaction") == 1
        national, jiangsu = db.session.scalars(db.select(Rubric).where(Rubric.purpose == "grading")
                                               .order_by(Rubric.id)).all()
        assert [i.points for i in national.indicators if i.parent_id is None] == [60, 420, 400, 120]
        assert rubrics.regular_points(national) == 1000 and national.cap == 1000
        assert rubrics.regular_points(jiangsu) == 1100 and jiangsu.cap == 1000  # party building 100, bonus 30
        assert [i.name for i in jiangsu.indicators if i.bonus and i.parent_id is None] == ["加分项"]


def test_an_administrator_copies_adapts_and_publishes_a_rubric(app, make_user, rubric_defaults):
    admin = make_user("admin@example.cn", "吴建华", roles={Role.CIVIL_AFFAIRS: None})
    someone = make_user("someone@example.cn")
    with command(app):
        original = db.session.scalar(db.select(Rubric).where(Rubric.purpose == "performance"))
        with pytest.raises(PermissionDenied):
            rubrics.copy(user(someone), original)
        draft = rubrics.copy(user(admin), original)
        assert draft.status == "draft" and draft.copied_from_id == original.id
        assert rubrics.outline_of(draft) == rubrics.outline_of(original)
        # Every error of an outline is reported at once, and nothing is saved.
        errors = rubrics.save_draft(user(admin), draft, "社区绩效（改）", "", "1 | 产出 | 60 | | |\n"
                                    "1.1 | 数量 | 30 | | |\n1.2 | 质量 | 20 | | |\nx | 坏行 | 5 | | |\n"
                                    "2 | 满意度 | 40 | | | satisfaction maybe\n", 100, "90 excellent, 0 poor")
        messages = " ".join(e.message for e in errors)
        assert "x" in messages and "maybe" in messages and "60" in messages
        assert rubrics.outline_of(draft) == rubrics.outline_of(original)
        with pytest.raises(ServiceError):
            rubrics.save_draft(user(admin), draft, "社区绩效（改）", "", "1 | 产出 | 100 | | |\n", 100, "90 excellent")
        assert (
            rubrics.save_draft(
                user(admin),
                draft,
                "社区绩效（改）",
                "",
                "1 | 产出 | 60 | | |\n1.1 | 数量 | 30 | | |\n"
                "1.2 | 质量 | 30 | | | na\n2 | 满意度 | 40 | | | satisfaction\n",
                100,
                "90 excellent, 80 good, 60 fair, 0 poor",
            )
            == []
        )
        rubrics.publish(user(admin), draft)
        assert draft.status == "published" and [i.code for i in draft.indicators] == ["1", "1.1", "1.2", "2"]
        # Published: frozen.
        with pytest.raises(ServiceError) as refused:
            rubrics.save_draft(user(admin), draft, "x", "", "1 | a | 10 | | |\n", 10, "0 poor")
        assert refused.value.code == "rubric_published"
        assert original.status == "published" and len(original.indicators) == 13


def test_rubric_pages_show_the_tree_and_the_editor_reports_lines(app, client, login, make_user, rubric_defaults):
    make_user("admin@example.cn", "吴建华", roles={Role.CIVIL_AFFAIRS: None})
    page = client.get("/evaluation/rubrics").get_data(as_text=True)
    assert "购买服务项目绩效评估指标" in page and "社会组织等级评估指标（江苏" in page
    rubric_id = rubric_defaults["购买服务项目绩效评估指标（100分）"]
    page = client.get(f"/evaluation/rubrics/{rubric_id}").get_data(as_text=True)
    assert "服务对象满意度" in page and "复制" not in page
    login("admin@example.cn")
    response = client.submit(f"/evaluation/rubrics/{rubric_id}/copy", {}, form_url=f"/evaluation/rubrics/{rubric_id}")
    edit_url = response.headers["Location"]
    assert "/edit" in edit_url
    response = client.submit(edit_url, {"name": "改过的指标", "cap": "100", "bands": "90 excellent, 0 poor",
                                        "outline": "1 | 产出 | 60 | | |\n1.1 | 数量 | 50 | | |\n", "description": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "没有保存" in page and "1.1" in page


def test_a_bid_rubric_fills_a_new_tenders_criteria(app, client, login, make_user, places, rubric_defaults):
    make_user("buyer@example.cn", "陈志强", roles={Role.PURCHASER: places["department"]})
    login("buyer@example.cn")
    bid_rubric = rubric_defaults["服务类项目综合评分（技术部分70分）"]
    page = client.get(f"/procurement/tenders/new?rubric={bid_rubric}").get_data(as_text=True)
    assert "服务方案：40\n团队与资质：20\n类似项目经验：10" in page
    assert 'name="price_weight" type="number" value="30"' in page or 'value="30"' in page
    performance = rubric_defaults["购买服务项目绩效评估指标（100分）"]
    page = client.get(f"/procurement/tenders/new?rubric={performance}").get_data(as_text=True)
    assert "请选择已发布的投标评审指标体系。" in page
