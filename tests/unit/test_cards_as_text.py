from bot.cards.as_text import card_as_html, card_as_text
from bot.cards.elements import bullets, card, command_button, facts, heading, paragraph


def _card():
    return card(
        [heading("Your programme"), facts([("Name", "Sam <Example>")]), paragraph("**Coming up**"), bullets(["Kent is Lead Reviewer for Portsmouth"])],
        [command_button("Help", "help")],
    )


def test_text_rendering_keeps_the_content_and_turns_buttons_into_replies():
    text = card_as_text(_card())
    assert "Your programme\n==============" in text and "Name: Sam <Example>" in text
    assert "Kent is Lead Reviewer for Portsmouth" in text and "Reply with: help" in text


def test_html_rendering_escapes_values_and_uses_semantic_markup():
    html = card_as_html(_card())
    assert "Sam &lt;Example&gt;" in html and "<h2" in html and "<li>Kent is Lead Reviewer for Portsmouth</li>" in html
    assert "<strong>Coming up</strong>" in html
