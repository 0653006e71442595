"""Government and community as partners at 390 px, in Chromium (issue 23, first step): the district's
staff start a new version of the two lists, import a sheet with a bad row (every error listed,
nothing saved), import it corrected and publish it; a department asks admission for work beyond the
lists (its errors listed at the top first); civil affairs admits it with conditions from the desk;
the department reads the decision; a community reports work pushed without admission and civil
affairs upholds it."""
import pytest
from playwright.sync_api import expect

from browser import fits_phone, screenshot, signed_in_phone
from market.accounts.roles import Role
from market.core.unit import command
from market.extensions import db
from market.places.models import Department

pytestmark = pytest.mark.browser

GOOD = ("编码,类别,事项,依据\nZ01,依法履行职责,调解民间纠纷,《城市居民委员会组织法》第三条\n"
        "X01,协助政府工作,协助开展低保入户调查,《社会救助暂行办法》第十一条\n")
BAD = GOOD + "X02,自治事务,协助开展人口普查,\n"


def _upload(page, text):
    page.locator("input[type=file]").set_input_files(files=[{"name": "两份清单.csv", "mimeType": "text/csv",
                                                             "buffer": text.encode("utf-8")}])
    page.get_by_role("button", name="导入", exact=True).click()


def test_lists_admission_and_pushed_work_on_a_phone(app, live_server, browser, make_user, places, frozen):
    with command(app):
        city = db.session.scalar(db.select(Department.id).filter_by(name="姑苏区城市管理局"))
    make_user("admin@example.cn", "吴建华", roles={Role.CIVIL_AFFAIRS: None})
    make_user("district@example.cn", "何伟", roles={Role.DISTRICT_STAFF: places["district"]})
    make_user("city@example.cn", "黄志明", roles={Role.PURCHASER: city})
    make_user("worker@example.cn", "王丽华", roles={Role.COMMUNITY_WORKER: places["community"]})
    base = live_server

    keeper = signed_in_phone(browser, base, "district@example.cn")
    keeper.goto(base + "/partnership/lists/new")
    keeper.get_by_label("标题").fill("姑苏区社区工作事项两份清单（2027年版）")
    keeper.get_by_label("起始日期").fill("2027-01-01")
    keeper.get_by_role("button", name="新建版本").click()
    expect(keeper.locator("[data-test=list-status]")).to_have_text("草稿")
    _upload(keeper, BAD)
    errors = keeper.locator("[data-test=import-errors]")
    expect(errors).to_contain_text("类别")
    expect(errors).to_contain_text("此单元格为空")
    expect(keeper.locator("[data-test=duties]")).to_contain_text("没有事项")  # nothing was saved
    fits_phone(keeper)
    _upload(keeper, GOOD)
    expect(keeper.get_by_text("已导入 2 项。")).to_be_visible()
    keeper.get_by_label("确认发布：发布后的版本不能更改").check()
    keeper.get_by_role("button", name="发布", exact=True).click()
    expect(keeper.locator("[data-test=list-status]")).to_have_text("已发布")
    expect(keeper.locator("[data-test=assistance]")).to_contain_text("协助开展低保入户调查")
    fits_phone(keeper)
    screenshot(keeper, "partnership-lists-390")

    department = signed_in_phone(browser, base, "city@example.cn")
    department.goto(base + "/partnership/admissions/new")
    department.get_by_role("button", name="申请准入").click()
    expect(department.locator("[data-test=error-summary]")).to_contain_text("工作事项")
    department.get_by_label("工作事项").fill("生活垃圾分类桶边督导排班")
    department.get_by_label("为什么需要社区承担").fill("撤桶并点后，投放点需要早晚督导。")
    department.get_by_label("每周").check()
    hours = department.get_by_label("社区每次投入的工时")
    hours.fill("4")
    department.get_by_label("每个社区每年随事转拨的经费（元；没有填0）").fill("24000")
    department.locator(".ts-control", has=department.locator("#scope-ts-control")).click()  # the picker
    department.keyboard.type("桐芳")
    department.locator(".ts-dropdown .option", has_text="桐芳社区").first.click()
    expect(department.locator("#scope")).to_have_value(f"community-{places['community']}")
    expect(hours).to_have_value("4")
    fits_phone(department)
    department.get_by_role("button", name="申请准入").click()
    expect(department.locator("[data-test=admission-status]")).to_have_text("待决定")
    request_url = department.url

    admin = signed_in_phone(browser, base, "admin@example.cn")
    admin.goto(base + "/desk")
    admin.get_by_role("link", name="生活垃圾分类桶边督导排班").click()
    admin.locator("[data-test=decide]").click()
    admin.get_by_label("准入", exact=True).check()
    admin.get_by_label("准入条件（准入时选填）或理由（不予准入时必填）").fill("督导员由街道招募，社区只负责排班。")
    fits_phone(admin)
    admin.get_by_role("button", name="记录准入决定").click()
    expect(admin.locator("[data-test=admission-status]")).to_have_text("已准入")

    department.goto(request_url)
    expect(department.locator("[data-test=decision]")).to_contain_text("督导员由街道招募，社区只负责排班。")
    fits_phone(department)
    screenshot(department, "partnership-admitted-390")

    worker = signed_in_phone(browser, base, "worker@example.cn")
    worker.goto(base + "/partnership/pushed/new")
    worker.get_by_label("下派工作的部门").select_option(label="姑苏区城市管理局")
    worker.get_by_label("工作事项").fill("创文迎检台账每日填报")
    worker.get_by_label("工作是如何下派到社区的").fill("网格群里每天要求填报三张表，没有准入。")
    worker.get_by_label("耗费工时").fill("42")
    worker.get_by_role("button", name="提交反映").click()
    expect(worker.locator("[data-test=pushed-status]")).to_have_text("核查中")
    admin.goto(worker.url)
    admin.locator("[data-test=decide]").click()
    admin.get_by_label("属实：未经准入下派").check()
    admin.get_by_label("核查情况").fill("未经准入下派，已要求停止。")
    admin.get_by_role("button", name="记录核查结论").click()
    expect(admin.locator("[data-test=finding]")).to_contain_text("未经准入下派，已要求停止。")
    fits_phone(admin)
