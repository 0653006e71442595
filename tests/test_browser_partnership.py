"""Government and community as partners at 390 px, in Chromium (issue 23): the district's staff start
a new version of the two lists, import a sheet with a bad row (every error listed, nothing saved),
import it corrected and publish it; a department asks admission for work beyond the lists for every
community of a street (its errors listed at the top first); civil affairs admits it with conditions
from the desk; the department reads the decision; a community reports work pushed without admission
and civil affairs upholds it. Then the department entrusts the work to two communities' residents'
committees by agreement, both sides sign, a committee reports its delivery, the department accepts it
and pays the tranche through the ledger; the burden figures show on the community's and the
department's pages; and at year end each side evaluates the other from its desk."""
from datetime import date

import pytest
from playwright.sync_api import expect

from browser import fits_phone, screenshot, signed_in_phone
from market.accounts.models import User
from market.accounts.roles import Role
from market.core.unit import command
from market.extensions import db
from market.money import services as money
from market.organizations import credit_code
from market.organizations import services as organizations
from market.organizations.models import ServiceCategory
from market.places.models import Community, Department

pytestmark = pytest.mark.browser

GOOD = ("编码,类别,事项,依据\nZ01,依法履行职责,调解民间纠纷,《城市居民委员会组织法》第三条\n"
        "X01,协助政府工作,协助开展低保入户调查,《社会救助暂行办法》第十一条\n")
BAD = GOOD + "X02,自治事务,协助开展人口普查,\n"


def _upload(page, text):
    page.locator("input[type=file]").set_input_files(files=[{"name": "两份清单.csv", "mimeType": "text/csv",
                                                             "buffer": text.encode("utf-8")}])
    page.get_by_role("button", name="导入", exact=True).click()


def test_lists_admission_pushed_and_entrusted_work_on_a_phone(app, live_server, browser, make_user, places,
                                                              frozen):
    with command(app):
        city = db.session.scalar(db.select(Department.id).filter_by(name="姑苏区城市管理局"))
    admin_id = make_user("admin@example.cn", "吴建华", roles={Role.CIVIL_AFFAIRS: None})
    make_user("district@example.cn", "何伟", roles={Role.DISTRICT_STAFF: places["district"]})
    city_id = make_user("city@example.cn", "黄志明", roles={Role.PURCHASER: city})
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
    department.keyboard.type("平江街道所有")
    department.locator(".ts-dropdown .option", has_text="平江街道所有社区").first.click()
    expect(department.locator("#scope")).to_have_value(f"street-{places['street']}")
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

    # --- the work entrusted by agreement to two committees, delivered, accepted, paid, evaluated ------
    director = make_user("director@example.cn", "陈静")
    director2 = make_user("director2@example.cn", "赵敏")
    committees = _committees(app, places, admin_id, directors=(director, director2))
    with command(app):
        money.appropriate(db.session.get(User, city_id), city, 10_000_000, "姑财〔2026〕12号", "b1")
    department.goto(request_url)
    expect(department.locator("[data-test=agreements]")).to_contain_text("7个社区中有0个")
    department.locator("[data-test=entrust]").click()
    department.get_by_label("工作任务和标准").fill("")
    department.get_by_role("button", name="起草委托协议").click()
    expect(department.locator("[data-test=error-summary]")).to_contain_text("工作任务和标准")
    fits_phone(department)
    screenshot(department, "partnership-entrust-390")
    contracts = []
    for (_name, label), price in zip(committees, ("24000", "12000")):
        if contracts:
            department.goto(request_url)
            department.locator("[data-test=entrust]").click()
        department.get_by_label("社区居民委员会或社区工作站").select_option(label=label)
        department.get_by_label("服务领域").select_option(label="垃圾分类与环境")
        department.get_by_label("随事转费金额（元）").fill(price)
        department.get_by_label("工作任务和标准").fill("早晚高峰每个投放点一名督导员；社区排班并每周记录。")
        department.get_by_role("button", name="起草委托协议").click()
        expect(department.locator("[data-test=contract-status]")).to_have_text("草案，待签署")
        expect(department.locator("[data-test=contract-origin]")).to_contain_text("生活垃圾分类桶边督导排班")
        department.get_by_label("我已阅读条款，代表本方签署").check()
        department.get_by_role("button", name="以购买主体（甲方）身份签署").click()
        contracts.append(department.url)
    for email, url in zip(("director@example.cn", "director2@example.cn"), contracts):
        body = signed_in_phone(browser, base, email)
        body.goto(url)
        body.get_by_label("我已阅读条款，代表本方签署").check()
        body.get_by_role("button", name="以承接主体（乙方）身份签署").click()
        expect(body.locator("[data-test=contract-status]")).to_have_text("履行中")
    committee = signed_in_phone(browser, base, "director@example.cn")
    committee.goto(contracts[0])
    committee.locator("[data-test=milestone-1]").get_by_role("link", name="报告服务情况").click()
    committee.get_by_label("开展的服务活动").fill("十二月每周排班督导，记录各投放点早晚高峰投放情况。")
    committee.get_by_label("服务人数").fill("320")
    committee.get_by_role("button", name="提交报告").click()
    fits_phone(committee)
    department.goto(contracts[0])
    first = department.locator("[data-test=milestone-1]")
    first.get_by_label("验收结论", exact=True).select_option("accepted")
    first.get_by_label("我已审核报告；验收通过后该期款项即为应付").check()
    first.get_by_role("button", name="记录验收结论").click()
    first = department.locator("[data-test=milestone-1]")
    first.get_by_label(f"确认向{committees[0][0]}支付该期款项").check()
    first.get_by_role("button", name="支付 ¥7,200.00").click()
    expect(department.locator("[data-test=paid]")).to_have_text("¥7,200.00")
    fits_phone(department)
    screenshot(department, "partnership-agreement-paid-390")

    public = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    public.goto(f"{base}/places/community/{places['community']}")
    burden = public.locator("[data-test=community-burden]")
    expect(burden.locator("[data-test=paid_fen]")).to_have_text("¥7,200.00")
    expect(burden.locator("[data-test=pushed_upheld]")).to_have_text("1")
    expect(burden.locator("[data-test=share_with_money]")).to_have_text("50%")  # 1 agreement of 2 tasks
    fits_phone(public)

    for who, pile, comment, scores in (
            (department, "purchaser-year_reviews", "排班记录完整。", ("to_standard", "on_time", "residents")),
            (committee, "organization-year_reviews", "创文迎检仍有台账下派。",
             ("guidance", "paid_on_time", "respects_lists", "no_pushed_work"))):
        who.goto(base + "/desk")
        who.locator(f"[data-test=pile-{pile}]").get_by_role("link").first.click()
        who.get_by_role("button", name="提交评价").click()
        expect(who.locator("[data-test=error-summary]")).to_contain_text("请打1至5分。")
        for score, item in enumerate(scores):
            who.locator(f"input[name={item}][value='{5 - score % 3}']").check()
        who.get_by_label("评语（公开）").fill(comment)
        fits_phone(who)
        who.get_by_role("button", name="提交评价").click()
        expect(who.get_by_text("评价已提交并公开。")).to_be_visible()
    public.goto(f"{base}/evaluation/departments/{city}")
    section = public.locator("[data-test=department-partnership]")
    expect(section.locator("[data-test=agreements]")).to_contain_text("¥36,000.00")
    expect(section.locator("[data-test=reviews-of_department]")).to_contain_text("遵守两份清单")
    expect(section.locator("[data-test=reviews-of_community]")).to_contain_text("居民满意")
    fits_phone(public)
    screenshot(public, "partnership-department-390")


def _committees(app, places, admin_id: int, directors) -> list[tuple[str, str]]:
    """The residents' committees of the street's first two communities, registered and approved (the
    registration form is the organizations' own): (name, the entrusting form's label) each."""
    found = []
    with command(app):
        category = db.session.scalar(db.select(ServiceCategory.id).where(ServiceCategory.code == "environment"))
        for index, (key, director) in enumerate(zip(("community", "community2"), directors)):
            community = db.session.get(Community, places[key])
            name = f"{community.name}居民委员会"
            body = organizations.register_organization(db.session.get(User, director), organizations.OrganizationData(
                name=name, credit_code=credit_code.make("5", "9", "320508", f"JW{index + 1:06d}"),
                org_type="residents_committee", registered_on=date(2001, 3, 1), registration_authority="姑苏区民政局",
                district_id=places["district"], description="", staff_count=9, volunteer_count=40, contact_phone="",
                category_ids=[category], community_ids=[community.id]))
            organizations.review_organization(db.session.get(User, admin_id), body, True)
            found.append((name, f"{community.name} · {name}"))
    return found
