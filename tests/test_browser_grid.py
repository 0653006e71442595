"""The grid ledger at 390 px, in Chromium (issue 22): a building leader records a problem on a
phone, the community dispatches it, the bureau sends it back, the community dispatches it again to
itself, accepts it, records progress and closes it, and the leader rates it for the resident; a second
problem passes its deadline, `flask tasks run-due` escalates it, and the street's staff take it over."""
import pytest
from playwright.sync_api import expect

from browser import fits_phone, screenshot, signed_in_phone
from market.core.unit import command
from market.extensions import db
from market.grid.models import Problem

pytestmark = pytest.mark.browser

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_problem_from_the_stairwell_to_the_rating_and_another_past_its_deadline(
        app, live_server, browser, grid_ledger, frozen):
    base = live_server
    leader = signed_in_phone(browser, base, "leader@example.cn")
    leader.goto(base + "/grid/problems/new")
    leader.get_by_label("问题概述").fill("3幢东侧楼道堆放杂物")
    leader.get_by_label("问题类别").select_option(label="环境卫生")
    expect(leader.get_by_label("楼栋")).to_have_value(str(grid_ledger["building"]))  # their one building
    leader.get_by_label("具体位置（公开显示）").fill("东侧楼道二楼")
    leader.locator("input[type=file]").set_input_files(files=[{"name": "楼道.png", "mimeType": "image/png",
                                                               "buffer": PNG}])
    leader.get_by_text("反映人及详细情况").click()
    leader.get_by_label("或居民姓名（不公开）").fill("陈阿姨")
    leader.get_by_label("及电话（不公开）").fill("1391234")  # too short: refused at its field
    fits_phone(leader)
    leader.get_by_role("button", name="录入问题").click()
    expect(leader.locator("[data-test=error-summary]")).to_contain_text("请填写由数字组成的电话号码")
    leader.get_by_label("及电话（不公开）").fill("13912345678")
    leader.locator("input[type=file]").set_input_files(files=[{"name": "楼道.png", "mimeType": "image/png",
                                                               "buffer": PNG}])
    leader.get_by_role("button", name="录入问题").click()
    expect(leader.get_by_text("已录入。社区会把它派给责任单位。")).to_be_visible()
    expect(leader.locator("[data-test=problem-status]")).to_have_text("待派单")
    expect(leader.locator("[data-test=reporter]")).to_contain_text("陈阿姨 13912345678")
    problem_url = leader.url
    fits_phone(leader)
    screenshot(leader, "grid-recorded-390")

    # The community dispatches it by the district's rule: to the city-management bureau.
    worker = signed_in_phone(browser, base, "worker@example.cn")
    worker.goto(base + "/desk")
    worker.get_by_role("link", name="3幢东侧楼道堆放杂物").click()
    worker.locator("[data-test=task-dispatch]").click()
    expect(worker.locator("[data-test=rule]")).to_contain_text("第1版")
    expect(worker.get_by_label("派给")).to_have_value(f"department:{grid_ledger['city_management']}")
    worker.get_by_role("button", name="派单").click()
    expect(worker.get_by_text("已派单。")).to_be_visible()
    expect(worker.locator("[data-test=body]")).to_have_text("姑苏区城市管理局")

    # The bureau sends it back with its reason; the stranger never sees the resident's phone.
    city = signed_in_phone(browser, base, "city@example.cn")
    city.goto(base + "/desk")
    city.get_by_role("link", name="3幢东侧楼道堆放杂物").click()
    expect(city.locator("[data-test=reporter]")).to_contain_text("13912345678")
    city.locator("[data-test=task-return]").click()
    city.get_by_role("button", name="退单").click()
    expect(city.locator("[data-test=error-summary]")).to_be_visible()  # a reason is required
    city.get_by_label("不属于本单位办理的原因").fill("楼道堆物属物业和社区管理范围")
    city.get_by_role("button", name="退单").click()
    expect(city.get_by_text("已退回，待重新派单。")).to_be_visible()
    stranger = signed_in_phone(browser, base, "stranger@example.cn")
    stranger.goto(problem_url)
    expect(stranger.locator("[data-test=timeline]")).to_contain_text("楼道堆物属物业和社区管理范围")
    expect(stranger.get_by_text("13912345678")).to_have_count(0)
    expect(stranger.locator("[data-test=next-steps]")).to_have_count(0)

    # The community dispatches it again, to itself, accepts it, records progress and closes it.
    worker.goto(problem_url)
    worker.locator("[data-test=task-dispatch]").click()
    worker.get_by_label("派给").select_option(f"community:{grid_ledger['community']}")
    worker.get_by_role("button", name="派单").click()
    worker.get_by_role("button", name="受理").click()
    expect(worker.locator("[data-test=problem-status]")).to_have_text("办理中")
    worker.locator("[data-test=task-progress]").click()
    worker.get_by_label("所做工作").fill("已联系住户，约定周二清理")
    worker.get_by_role("button", name="记录进展").click()
    worker.locator("[data-test=task-close]").click()
    worker.get_by_label("已解决").check()
    worker.get_by_label("处理结果（公开显示）").fill("杂物已清走，楼道已打扫")
    worker.get_by_role("button", name="办结").click()
    expect(worker.get_by_text("已办结。系统会请居民评价是否满意。")).to_be_visible()
    fits_phone(worker)

    # The leader rates it for the resident, from the desk.
    leader.goto(base + "/desk")
    leader.get_by_role("link", name="3幢东侧楼道堆放杂物").click()
    leader.locator("[data-test=task-rate]").click()
    leader.get_by_label("基本满意").check()
    leader.get_by_role("button", name="评价").click()
    expect(leader.locator("[data-test=rating]")).to_have_text("基本满意")
    expect(leader.locator("[data-test=timeline]")).to_contain_text("已派给姑苏区城市管理局")
    expect(leader.locator("[data-test=timeline]")).to_contain_text("进展：已联系住户，约定周二清理")
    fits_phone(leader)
    screenshot(leader, "grid-rated-390")

    # A second problem, urgent, passes its 24 hours: run-due escalates it to the street's staff.
    leader.goto(base + "/grid/problems/new")
    leader.get_by_label("问题概述").fill("3幢化粪池外溢")
    leader.get_by_label("问题类别").select_option(label="环境卫生")
    leader.get_by_label("紧急").check()
    leader.get_by_role("button", name="录入问题").click()
    second_url = leader.url
    worker.goto(second_url)
    worker.locator("[data-test=task-dispatch]").click()
    worker.get_by_role("button", name="派单").click()
    frozen.advance(hours=25)
    result = app.test_cli_runner().invoke(args=["tasks", "run-due"])
    assert "1 problems escalated" in result.output, result.output
    street = signed_in_phone(browser, base, "street@example.cn")
    street.goto(base + "/desk")
    expect(street.locator("[data-test=pile-problems-escalated] [data-test=count]")).to_have_text("1")
    street.get_by_role("link", name="3幢化粪池外溢").click()
    expect(street.locator("[data-test=overdue]")).to_be_visible()
    expect(street.locator("[data-test=escalated]")).to_have_text("已升级至街道")
    street.locator("[data-test=task-dispatch]").click()
    street.get_by_label("派给").select_option(label="平江街道办事处")
    street.get_by_role("button", name="派单").click()
    street.get_by_role("button", name="受理").click()
    expect(street.locator("[data-test=body]")).to_have_text("平江街道办事处")
    fits_phone(street)
    screenshot(street, "grid-escalated-390")
    with command(app):
        levels = dict(db.session.execute(db.select(Problem.summary, Problem.level)).all())
    assert levels == {"3幢东侧楼道堆放杂物": 0, "3幢化粪池外溢": 1}
