"""The assistant as a Director of Children's Services sees it: in the Microsoft 365 Agents
Playground (Microsoft's local Teams client), driven in headless Chromium.

Needs Chromium at /usr/bin/chromium, Node.js and `npm ci`'s node_modules; without them these tests
are skipped, or fail in CI (CI=true). Run: `.venv/bin/python -m pytest -q tests/playground/test_playground.py -s`.
"""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pytest
import yaml

from tests.support.playground import CHROMIUM, CHROMIUM_FLAGS, CONFIG_SCRIPT, running_playground
from tests.support.playground_browser import CARD, UI_TIMEOUT_MS, long_date, send
from tests.support.playground_database import plan_now, the_day_has_come

pytestmark = pytest.mark.playground

AUTHORITY = "wokingham"


def expected_view(calendar_path: Path, authority: str) -> dict:
    """What the cards should say about `authority`, read from the demo calendar file."""
    calendar = yaml.safe_load(calendar_path.read_text(encoding="utf-8"))
    names = {a["code"]: a["name"] for a in calendar["authorities"]}
    group = next(g for g in calendar["groups"] if any(m["authority"] == authority for m in g["members"]))
    kind = "Quartet" if group["kind"] == "quartet" else "Triad"
    challenge_day = group["date"] if isinstance(group["date"], date) else date.fromisoformat(str(group["date"]))
    return {
        "authority": names[authority],
        "group": group["name"],
        "group_heading": f"{group['name']} ({kind}, {calendar['cycle']['name']})",
        "challenge_day": long_date(challenge_day),
        "pairs": [
            f"{names[m['authority']]} is Lead Reviewer for {names[m['lead_reviewer_for']]}"
            for m in group["members"]
            if m.get("lead_reviewer_for")
        ],
    }


def test_a_dcs_is_welcomed_and_can_ask_for_help_and_status(tools, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    screenshot = tmp_path / "playground.png"
    with running_playground(tmp_path / "run", authority=AUTHORITY, role="dcs") as stack:
        first_name = stack.user["name"].split()[0]
        expected = expected_view(stack.calendar, AUTHORITY)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1400})
                page.set_default_timeout(UI_TIMEOUT_MS)
                try:
                    # Opening the Playground installs the app in a personal chat: the welcome card.
                    page.goto(stack.playground_url)
                    welcome = page.locator(CARD, has_text=f"Welcome, {first_name}")
                    expect(welcome).to_be_visible()
                    expect(welcome).to_contain_text("Director of Children's Services")
                    expect(welcome).to_contain_text(expected["group_heading"])
                    expect(welcome).to_contain_text("Lead Reviewers")
                    for pair in expected["pairs"]:
                        expect(welcome).to_contain_text(pair)
                    welcome.screenshot(path=str(tmp_path / "welcome-card.png"))

                    send(page, "help")
                    expect(page.locator(CARD, has_text="What I can do")).to_be_visible()

                    send(page, "status")
                    status = page.locator(CARD, has_text="Your programme")
                    expect(status).to_be_visible()
                    expect(status).to_contain_text(stack.user["name"])
                    expect(status).to_contain_text(expected["authority"])
                    expect(status).to_contain_text(expected["group"])
                    expect(status).to_contain_text(expected["challenge_day"])
                    expect(status).to_contain_text("is Lead Reviewer for")
                    for pair in expected["pairs"]:
                        expect(status).to_contain_text(pair)
                    expect(status).to_contain_text("Coming up")
                    expect(page.locator(CARD, has_text="Welcome,")).to_have_count(1)  # greeted once
                    status.scroll_into_view_if_needed()

                    # Status offers the dates for her calendar: the same events as her invitations.
                    status.get_by_role("button", name="Add to my calendar").click()
                    dates = page.locator(CARD, has_text="Your programme dates")
                    expect(dates).to_be_visible()
                    expect(dates).to_contain_text(f"Peer challenge day: {expected['group']}")
                    expect(dates).to_contain_text("Add to my calendar")  # the download link's button

                    # Her group meets today (moved so, for the test): the clock's round sends the briefing, and it arrives here.
                    group_key = str(next(g["key"] for g in yaml.safe_load(stack.calendar.read_text(encoding="utf-8"))["groups"]
                                         if any(m["authority"] == AUTHORITY for m in g["members"])))
                    the_day_has_come(stack.database_url, group_key)
                    plan_now(stack.database_url)
                    briefing = page.locator(CARD, has_text="the briefing for the day")
                    expect(briefing).to_be_visible(timeout=30_000)
                    expect(briefing).to_contain_text("The running order")
                    expect(briefing).to_contain_text("The plenary's four questions")

                    # Written as people write: a typo, a sentence, and a question asked back with buttons.
                    send(page, "hlep")
                    expect(page.locator(CARD, has_text="What I can do")).to_have_count(2)
                    send(page, "I'd like to nominate someone")
                    expect(page.locator(CARD, has_text="A DCS nomination is enough")).to_be_visible()
                    send(page, "Please send me the form")
                    asked = page.locator(CARD, has_text="Did you mean")
                    expect(asked).to_be_visible()
                    expect(asked).not_to_contain_text("Reply")
                    asked.get_by_role("button", name="enquiry", exact=True).click()
                    expect(page.locator(CARD, has_text="Independent verification of one key conclusion")).to_be_visible()
                    asked.screenshot(path=str(tmp_path / "did-you-mean.png"))
                except BaseException:
                    failure = tmp_path / "playground-failure.png"
                    page.screenshot(path=str(failure), full_page=True)
                    (tmp_path / "playground-failure.html").write_text(page.content(), encoding="utf-8")
                    print(f"\nPlayground screenshot at the failure: {failure}\n{stack.report()}")
                    raise
                page.screenshot(path=str(screenshot), full_page=True)
                print(f"\nPlayground screenshots: {screenshot} and {tmp_path / 'welcome-card.png'}")
            finally:
                browser.close()


def test_the_playground_configuration_has_the_person_and_five_others(tmp_path):
    """The Playground refuses a configuration without exactly five other users or with repeated ids."""
    spec = importlib.util.spec_from_file_location("playground_config", CONFIG_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    example = Path(__file__).resolve().parents[2] / "examples" / "south-east-2022-23.yaml"
    output = tmp_path / ".m365agentsplayground.yml"

    user = module.write_playground_config(example, output, authority=AUTHORITY)

    config = yaml.safe_load(output.read_text(encoding="utf-8"))
    for key in ("version", "tenantId", "bot", "currentUser", "users", "personalChat", "groupChat", "team"):
        assert key in config
    assert config["currentUser"] == user
    assert user["email"] == "harriet.quillfeather@wokingham.example"
    assert user["userPrincipleName"] == user["email"]
    assert user["aadObjectId"] == module.aad_object_id("Harriet.Quillfeather@wokingham.example")
    assert len(config["users"]) == 5
    ids = [user["id"]] + [other["id"] for other in config["users"]]
    assert len(set(ids)) == 6
    assert len(config["team"]["channels"]) == 1
    assert module.write_playground_config(example, output, authority=AUTHORITY) == user  # stable
