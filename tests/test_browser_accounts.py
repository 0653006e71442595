"""A new resident registers, signs in, switches language and signs out, in Chromium."""
import re

import pytest
from playwright.sync_api import expect

from browser import open_menu, open_person_menu, screenshot

pytestmark = pytest.mark.browser
PASSWORD = "green-tea-2026"


def test_resident_registers_signs_in_switches_language_and_signs_out(live_server, phone):
    page = phone
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    open_menu(page)
    page.get_by_role("link", name="注册", exact=True).click()

    # A mistake first: the form says what is wrong, in Chinese, and keeps what was typed.
    page.get_by_label("对外显示的名字").fill("陈小雨")
    page.get_by_label("电子邮箱").fill("xiaoyu@example.cn")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("再次输入密码").fill("something-else")
    page.get_by_label("我知悉").check()
    page.get_by_role("button", name="创建账号").click()
    expect(page.get_by_text("两次输入的密码不一致。")).to_be_visible()
    expect(page.get_by_label("电子邮箱")).to_have_value("xiaoyu@example.cn")

    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_label("我知悉").check()
    page.get_by_role("button", name="创建账号").click()
    expect(page).to_have_url(re.compile(r"/residence$"))
    expect(page.get_by_text("欢迎来到 Market")).to_be_visible()
    screenshot(page, "registered-zh")

    open_person_menu(page)
    page.locator("[data-test=logout]").click()
    expect(page.get_by_text("您已退出登录。")).to_be_visible()

    page.goto(live_server + "/login")
    page.get_by_label("电子邮箱").fill("xiaoyu@example.cn")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("在这台设备上保持登录").check()
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("您已登录。")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/desk$"))  # the desk is the first page after signing in
    open_menu(page)
    expect(page.locator("[data-test=person-menu] > summary")).to_have_text("陈小雨")

    page.locator("[data-test=lang-en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    open_person_menu(page)
    expect(page.get_by_role("link", name="My community")).to_be_visible()
    expect(page.get_by_role("link", name="API tokens")).to_have_count(0)  # a resident has no use for them
    screenshot(page, "signed-in-en")

    page.locator("[data-test=logout]").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    open_menu(page)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()
    screenshot(page, "signed-out-en")


def test_navigation_is_open_on_a_wide_screen(live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(live_server + "/")
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="地区")).to_be_visible()
    expect(page.locator("details.menu > summary")).to_be_hidden()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="地区").click()
    expect(page.get_by_role("heading", name="江苏省 · 苏州市")).to_be_visible()
    screenshot(page, "places-desktop-zh")
    context.close()
