"""Browser tests of /bulletin, /subscribe and /contact in headless Chromium over the bundled database: the bulletin
button, the forms' consent rule, their error and success states, RU and EN, 1440 and 375 px screenshots."""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys

from tests.dashboard.conftest import console_errors, has_horizontal_scroll, save_screenshot

pytestmark = pytest.mark.browser


def open_page(dash_duo, path: str, width: int = 1440) -> None:
    dash_duo.driver.set_window_size(width, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}{path}")


def text_of(dash_duo, selector: str) -> str:
    elements = dash_duo.find_elements(selector)
    return elements[0].text if elements else ""


def wait_text(dash_duo, selector: str, expected: str, timeout: int = 30) -> None:
    until(lambda: expected in text_of(dash_duo, selector), timeout=timeout,
          msg=f"{expected!r} not in {selector}: {text_of(dash_duo, selector)!r}")


def test_bulletin_button_makes_the_pdf(dash_duo, atlas_app) -> None:
    dash_duo.start_server(atlas_app)
    open_page(dash_duo, "/bulletin?lang=en&month=2015-12")
    dash_duo.wait_for_text_to_equal("h1", "Bulletin")
    assert dash_duo.find_element("#bulletin-month").get_attribute("value") == "December 2015 (2015-12)"
    save_screenshot(dash_duo, "bulletin-1440")
    dash_duo.find_element("#bulletin-build").click()
    wait_text(dash_duo, "#bulletin-status", "The bulletin for December 2015 is ready", timeout=60)
    assert "KB" in text_of(dash_duo, "#bulletin-status")
    # Keyboard: the links to the digest and the contact form are reachable and go there.
    dash_duo.find_element("#bulletin-subscribe").click()
    until(lambda: dash_duo.driver.execute_script("return window.location.pathname;") == "/subscribe", timeout=10)
    open_page(dash_duo, "/bulletin?month=2015-12", width=375)
    dash_duo.wait_for_text_to_equal("h1", "Бюллетень")
    assert dash_duo.find_element("#bulletin-build").text == "Скачать бюллетень (PDF)"
    assert not has_horizontal_scroll(dash_duo)
    save_screenshot(dash_duo, "bulletin-375")
    assert console_errors(dash_duo) == []


def test_subscribe_form_requires_consent_then_sends_the_confirmation(dash_duo, atlas_app, smtp_server) -> None:
    dash_duo.start_server(atlas_app)
    open_page(dash_duo, "/subscribe?lang=en")
    dash_duo.wait_for_text_to_equal("h1", "Subscribe to the monthly bulletin")
    assert "I agree to the processing of my email address" in text_of(dash_duo, ".consent")
    dash_duo.find_element("#subscribe-email").send_keys("not-an-address")
    dash_duo.find_element("#subscribe-submit").click()
    wait_text(dash_duo, "#subscribe-result", "You cannot subscribe without consent")
    assert smtp_server.letters == []
    dash_duo.find_element("#subscribe-consent").click()
    dash_duo.find_element("#subscribe-submit").click()
    wait_text(dash_duo, "#subscribe-result", "does not look like an email address")
    save_screenshot(dash_duo, "subscribe-error-1440")
    # Select the typed text and type over it, as a reader would (React keeps the value of what is typed).
    dash_duo.find_element("#subscribe-email").send_keys(Keys.CONTROL, "a")
    dash_duo.find_element("#subscribe-email").send_keys("reader@example.test")
    dash_duo.find_element("#subscribe-submit").click()
    wait_text(dash_duo, "#subscribe-result", "A confirmation letter is on its way to reader@example.test")
    until(lambda: len(smtp_server.to("reader@example.test")) == 1, timeout=10)
    assert "/digest/confirm?" in smtp_server.to("reader@example.test")[0].get_body().get_content()
    save_screenshot(dash_duo, "subscribe-1440")

    open_page(dash_duo, "/subscribe", width=375)
    dash_duo.wait_for_text_to_equal("h1", "Подписка на ежемесячный бюллетень")
    dash_duo.find_element("#subscribe-submit").click()
    wait_text(dash_duo, "#subscribe-result", "Без согласия подписаться нельзя")
    assert not has_horizontal_scroll(dash_duo)
    save_screenshot(dash_duo, "subscribe-375")
    assert console_errors(dash_duo) == []


def test_subscribe_says_when_mail_is_not_set_up(dash_duo, atlas_app, monkeypatch) -> None:
    monkeypatch.setenv("SMTP_HOST", "")
    dash_duo.start_server(atlas_app)
    open_page(dash_duo, "/subscribe?lang=en")
    wait_text(dash_duo, "#subscribe-no-mail", "Subscription is not available right now")
    assert dash_duo.find_element("#subscribe-submit").get_attribute("disabled")
    assert console_errors(dash_duo) == []


def fill_contact(dash_duo, message: str) -> None:
    dash_duo.find_element("#contact-name").send_keys("Ivan Petrov")
    dash_duo.find_element("#contact-email").send_keys("ivan@investor.test")
    dash_duo.find_element("#contact-message").send_keys(message)


def test_contact_form_consent_success_and_rate_limit(dash_duo, atlas_app, smtp_server, monkeypatch) -> None:
    monkeypatch.setenv("CONTACT_TO", "team@atlas.test")
    monkeypatch.setenv("CONTACT_RATE_LIMIT", "1")
    dash_duo.start_server(atlas_app)
    open_page(dash_duo, "/contact?lang=en")
    dash_duo.wait_for_text_to_equal("h1", "Contact the team: for investors")
    fill_contact(dash_duo, "Which sites are free?")
    dash_duo.find_element("#contact-submit").click()
    wait_text(dash_duo, "#contact-result", "cannot be sent without consent")
    save_screenshot(dash_duo, "contact-error-1440")
    dash_duo.find_element("#contact-consent").click()
    dash_duo.find_element("#contact-submit").click()
    wait_text(dash_duo, "#contact-result", "Thank you: message no.")
    until(lambda: len(smtp_server.to("team@atlas.test")) == 1, timeout=10)
    assert smtp_server.to("team@atlas.test")[0]["Reply-To"] == "ivan@investor.test"
    save_screenshot(dash_duo, "contact-1440")
    # The same browser again within the hour: over the limit of 1, said plainly, nothing stored or sent.
    dash_duo.find_element("#contact-submit").click()
    wait_text(dash_duo, "#contact-result", "limit of messages from one address in an hour is reached (at most 1)")
    assert len(smtp_server.letters) == 1

    open_page(dash_duo, "/contact", width=375)
    dash_duo.wait_for_text_to_equal("h1", "Связаться с командой: для инвесторов")
    dash_duo.find_element("#contact-submit").click()
    wait_text(dash_duo, "#contact-result", "Без согласия сообщение не отправить")
    assert not has_horizontal_scroll(dash_duo)
    save_screenshot(dash_duo, "contact-375")
    assert console_errors(dash_duo) == []
