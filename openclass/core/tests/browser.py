"""What the browser tests of every area share: page sizes, signing in, and the checks each
page must pass (no sideways scroll on a phone, no serious axe-core violation)."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from openclass.core.tests.live_server import Person

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
LOGIN_PATH = "/accounts/login/"


def log_in(page: Page, person: Person, password: str | None = None) -> None:
    page.goto(LOGIN_PATH)
    page.locator("#id_username").fill(person.username)
    page.locator("#id_password").fill(password or person.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def follow(page: Page, link: Locator) -> None:
    """Click a link and wait for the page it leads to, so what comes next reads the new page."""
    with page.expect_navigation():
        link.click()
    page.wait_for_load_state()


def switch_language(page: Page, code: str) -> None:
    toggle = page.locator("[data-menu-toggle]")  # signed in on a phone, the switch is in the menu
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    page.locator(f"form.lang-switch button[value={code}]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)
    buttons = page.locator("form.lang-switch button")
    expect(buttons.and_(page.locator("[aria-pressed=true]"))).to_have_attribute("value", code)
    expect(buttons.and_(page.locator("[aria-pressed=false]"))).to_have_count(1)


def assert_no_horizontal_scroll(page: Page) -> None:
    width = page.viewport_size["width"]
    page.wait_for_load_state()  # a navigation still under way has no document to measure yet
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    # With is_mobile, chromium widens the layout viewport to fit overflowing content, so
    # innerWidth alone would hide an overflow: compare with the device width too.
    assert sizes["inner"] == width, f"layout viewport widened to {sizes['inner']} px on {page.url}"
    assert sizes["scroll"] <= width, f"{page.url} scrolls sideways: {sizes['scroll']} > {width}"


def serious_axe_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => ({id: v.id, impact: v.impact,
                              targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5)}));
        }"""
    )
    return [f"{page.url} {v['impact']} {v['id']}: {json.dumps(v['targets'])}" for v in result]


def menu_item(page: Page, selector: str) -> Locator:
    """A link or button of the header's main menu (``selector`` inside ``nav.main-nav``), made
    visible to click: the phone's menu button pressed and the menu group that holds it opened."""
    item = page.locator(f"nav.main-nav {selector}").first
    # The page that has it, not the one still being left (a form just sent): the toggle's
    # visibility is read from it.
    item.wait_for(state="attached")
    toggle = page.locator("[data-menu-toggle]")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    group = page.locator("nav.main-nav details").filter(has=page.locator(selector))
    if group.count() and not group.first.evaluate("details => details.open"):
        group.first.locator("summary").click()
    return item
