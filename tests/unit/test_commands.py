from bot.commands import parse_command


def test_a_chat_command_with_arguments():
    command = parse_command("  Team kent  add participant Sam ")
    assert command.word == "team" and command.args == "kent add participant Sam"


def test_an_email_reply_ignores_the_quoted_message_and_html():
    text = "<p>feedback Great&nbsp;reminders</p>\n<p>They arrive on time</p>\nOn Mon, 5 Jan 2026, Assistant wrote:\n> status"
    command = parse_command(text)
    assert command.word == "feedback"
    assert "Great" in command.body and "on time" in command.body and "status" not in command.body


def test_empty_text():
    assert parse_command(None).word == "" and parse_command("\n\n").word == ""


def test_trailing_punctuation_is_not_part_of_the_word():
    assert parse_command("help!").word == "help"
