"""Notifications written once and rendered three ways: HTML email, plain text, Adaptive Card."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from jinja2 import ChoiceLoader, DictLoader, PackageLoader, TemplateError, UndefinedError

from notify.render import Renderer, plain


def _only(values: dict, *keys: str) -> dict:
    return {key: values[key] for key in keys}


ENQUIRY = {
    "enquiry_id": 7,
    "authority_name": "Kent",
    "support": "Universal moderation",
    "conclusion": "Our early help offer reduces repeat referrals.",
    "work": "Case file review",
    "expertise": "Safeguarding",
    "estimated_days": "3",
    "report_needed_by": "2022-12-01",
    "report_reason": "",
    "contact": "Alex Director (alex.director@kent.example)",
    "submitted_by": "Alex Director",
    "stage": "Received",
    "last_change_by": "Alex Director",
    "last_change_at": "2022-10-03T09:00:00+00:00",
}
ASSIGNMENT = {
    "assignment_id": 3,
    "enquiry_id": 7,
    "member_name": "Sam Example",
    "authority_name": "Kent",
    "support": "Universal moderation",
    "conclusion": "Our early help offer reduces repeat referrals.",
    "scope": "Case file review of 12 cases",
    "days": "3",
    "report_due": "2022-12-01",
    "times_offered": "Tuesday 10:00 or Wednesday 14:00",
    "member_availability": "",
    "inviter_name": "Robin Example",
    "status": "Invited: discussion to come",
}
SAMPLES = {
    "feedback_received": {"feedback_id": 3, "text": "The reminders came at a good time.", "from_name": "Sam Example", "channel": "Teams"},
    "team_member_added": {
        "person_name": "Sam Example",
        "role_label": "participant",
        "authority_name": "Kent",
        "added_by_name": "Alex Director",
    },
    "team_member_removed": {"person_name": "Sam Example", "role_label": "delegate", "authority_name": "Medway"},
    "delivery_test": {"person_name": "Sam Example"},
    "nomination_received": {
        "nominee_name": "Sam Example",
        "authority_name": "Kent",
        "nominated_by_name": "Alex Director",
        "job_title": "Head of Quality Assurance",
        "service_area": "Children's social care",
        "covers": "Both",
        "areas": "SEND, Fostering",
    },
    "panel_invitation": {
        "nominee_name": "Sam Example",
        "authority_name": "Kent",
        "nominated_by_name": "Alex Director",
        "covers": "Both",
        "areas": "SEND, Fostering",
    },
    "nomination_answer": {"nominee_name": "Sam Example", "authority_name": "Kent", "answer": "joined"},
    "nomination_confirmation": {"nominee_name": "Sam Example", "authority_name": "Kent", "covers": "Both", "areas": "SEND"},
    "enquiry_received": {**ENQUIRY, "warnings": ["Universal moderation is usually 2 to 4 days."]},
    "enquiry_confirmation": _only(
        {**ENQUIRY, "warnings": []}, "authority_name", "conclusion", "contact", "enquiry_id", "estimated_days",
        "report_needed_by", "support", "warnings",
    ),
    "enquiry_stage": {
        **_only(ENQUIRY, "authority_name", "enquiry_id", "last_change_by", "last_change_at", "stage"),
        "reason": "", "agreed_days": "3", "agreed_scope": "Case file review", "report_due": "2022-12-01",
    },
    "assignment_invitation": _only(
        ASSIGNMENT, "assignment_id", "authority_name", "conclusion", "days", "inviter_name", "member_name", "report_due",
        "scope", "support", "times_offered",
    ),
    "assignment_discussed": _only(
        ASSIGNMENT, "assignment_id", "authority_name", "days", "enquiry_id", "inviter_name", "member_name", "report_due", "scope",
    ),
    "assignment_update": {
        **_only(ASSIGNMENT, "authority_name", "enquiry_id", "member_availability", "member_name", "status"),
        "what": "Sam Example has accepted the work on enquiry 7.",
    },
    "assignment_cancelled": {"enquiry_id": 7, "authority_name": "Kent"},
    "panel_member_left": {"member_name": "Sam Example", "handed_back": 1},
    "reminder_moderation": {"stage": "opens", "person_name": "Sam Example", "authority_name": "Kent", "group_name": "Triad 2",
                            "challenge_date": "2023-02-24", "closes": "2022-12-30"},
    "reminder_self_assessment": {"stage": "due", "person_name": "Sam Example", "authority_name": "Kent", "group_name": "Triad 2",
                                 "challenge_date": "2023-02-24", "deadline": "2023-02-10"},
    "reminder_asks_offers": {"person_name": "Sam Example", "authority_name": "Kent", "group_name": "Triad 2", "challenge_date": "2023-02-24"},
    "note_agreement": {"authority_name": "Kent", "group_name": "Triad 2", "challenge_date": "2023-02-24", "version": 2,
                       "link": "https://sharepoint.example/notes/triad-2", "note_id": 4},
    "note_escalation": {"authority_name": "Kent", "group_name": "Triad 2", "version": 1, "link": "https://sharepoint.example/notes/triad-2"},
    "lead_member_share": {"number": 1, "authority_name": "Kent", "group_name": "Triad 2", "link": "https://sharepoint.example/notes/triad-2", "note_id": 4},
    "note_amendments": {"from_name": "Alex Director", "authority_name": "Kent", "group_name": "Triad 2", "version": 1,
                        "amendments": "Please add our point on transitions.", "link": "https://sharepoint.example/notes/triad-2"},
    "calendar_invitation": {"method": "REQUEST", "sequence": 0, "update": False, "uid": "challenge-day-2022-23-2-7",
                            "person_name": "Alex Director", "attendee": "alex.director@kent.example", "organizer": "peer-challenge@assistant.example",
                            "summary": "Peer challenge day: Triad 2", "description": "Triad 2's peer challenge day.", "location": "Brighton",
                            "on": "2023-02-24", "until": "2023-02-24", "starts": "10:00", "ends": "17:35"},
    "day_before_briefing": {"person_name": "Alex Director", "group_name": "Triad 2", "challenge_date": "2023-02-24",
                            "format": "Face to face", "location": "Brighton",
                            "running_order": [{"time": "10:00 to 10:15", "what": "Introductions"}],
                            "pairs": ["Kent is Lead Reviewer for Portsmouth"], "self_assessments": ["Kent: https://sharepoint.example/sa/kent"],
                            "questions": ["What has been the key learning from today?"]},
    "self_assessments_ready": {"group_name": "Triad 2", "challenge_date": "2023-02-24", "links": ["Kent: https://sharepoint.example/sa/kent"]},
    "group_changed": {"group_name": "Triad 2", "changes": ["The challenge day moved from Friday 24 February 2023 to Friday 10 March 2023."],
                      "challenge_date": "2023-03-10", "format": "Face to face, Brighton"},
    "match_confirmed": {
        "side": "asking", "ask_title": "Preparing for adulthood", "ask_authority": "Wokingham",
        "ask_description": "Transitions for young people with SEND", "offer_title": "Transitions to adult services",
        "offer_authority": "Surrey", "offer_description": "A joint transitions team", "theme": "SEND",
        "reason": "Same theme (SEND).", "other_contact": "Alex Example (alex.example@surrey.example)", "other_authority": "Surrey",
    },
    "digest": {
        "week_of": "Mon 19 Dec 2022", "since": "Mon 12 Dec 2022", "cycle": "2022-23",
        "new_nominations": [{"nominee": "Sam Example", "authority": "Kent", "covers": "Both", "areas": "SEND, Fostering", "status": "nominated"}],
        "panel_size": 2, "panel_joined": 1,
        "panel_by_area": [{"area": "SEND", "count": 1}, {"area": "Fostering", "count": 0}],
        "new_enquiries": 1,
        "enquiries_by_stage": [{"stage": "Received", "count": 1}, {"stage": "In progress", "count": 1}],
        "enquiries_waiting": [{"id": 7, "authority": "Wokingham", "stage": "In progress", "since": "Sun 20 Nov 2022", "days": 29}],
        "moderation_window": [{"authority": "Reading", "group": "Quartet 3", "challenge_date": "Thu 16 Feb 2023",
                               "closes": "Thu 22 Dec 2022", "closing_soon": True}],
        "self_assessments": [{"authority": "Slough", "group": "Triad 6", "deadline": "Thu 22 Dec 2022", "overdue": False, "sent": True}],
        "notes_not_agreed": [{"authority": "Slough", "group": "Triad 6", "version": 2, "sent_on": "Fri 6 Jan 2023", "working_days": 16,
                              "status": "amendments requested", "escalate": True}],
        "new_items": [{"kind": "ask", "authority": "Wokingham", "theme": "SEND", "title": "Preparing for adulthood"}],
        "suggestions": [{"ask": "Preparing for adulthood", "ask_authority": "Wokingham", "offer": "Transitions to adult services",
                         "offer_authority": "Surrey", "reason": "Same theme (SEND)."}],
        "suggestions_total": 3,
        "new_feedback": [{"on": "Tue 13 Dec 2022", "from_name": "Grace Albury", "channel": "email", "text": "Clear reminders.", "cut": False}],
        "failed_deliveries": [{"id": 42, "kind": "reminder_moderation", "recipient": "Grace Albury", "channel": "email",
                               "error": "SMTP 550", "on": "Fri 16 Dec 2022"}],
        "failed_total": 2,
        "missed_reminders": [{"what": "Self-assessment due", "authority": "Kent", "on": "Mon 12 Dec 2022", "recipients": 2}],
        "coming_dates": [{"on": "Thu 22 Dec 2022", "what": "Quartet 3: the moderation window closes"}],
    },
}
MALICIOUS_NAME = (
    '<script>alert("x")</script> [Click me](https://example.com) *now*\n\n'
    '{"block": "paragraph", "text": "forged"}\n\ue000rm -rf\ue001'
)
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr", "source"}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


class _Structure(HTMLParser):
    """Checks that tags nest and close, and collects what the tests look at."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.doctype = False
        self.text: list[str] = []

    def handle_decl(self, decl):
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data):
        if self.open and self.open[-1] not in ("title", "style"):
            self.text.append(data)


def _structure(html: str) -> _Structure:
    parser = _Structure()
    parser.feed(html)
    parser.close()
    assert parser.problems == [] and parser.open == [], (parser.problems, parser.open)
    return parser


def _unmarkdown(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text.replace("**", ""))


def _card_says(card: dict) -> str:
    said = []
    for element in card["body"]:
        if element["type"] == "TextBlock":
            said += [_unmarkdown(line.removeprefix("- ")) for line in element["text"].split("\n")]
        else:
            said += [f"{_unmarkdown(f['title'])}: {_unmarkdown(f['value'])}" for f in element["facts"]]
    return " ".join(" ".join(said).split())


def _text_says(text: str) -> str:
    body = text.split("\n-- \n")[0]
    lines = [line.removeprefix("- ") for line in body.splitlines() if not re.fullmatch(r"[=-]+", line)]
    return " ".join(" ".join(lines).replace('"', "").split())


def test_the_kinds_are_the_templates(renderer):
    assert renderer.kinds() == sorted(SAMPLES)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_html_is_one_accessible_email_layout(renderer, kind):
    rendered = renderer.render(kind, SAMPLES[kind])
    page = _structure(rendered.html)
    tags = [tag for tag, _ in page.tags]

    assert page.doctype and rendered.html.lstrip().startswith("<!DOCTYPE html>")
    assert ("html", {"lang": "en-GB", "xml:lang": "en-GB", "xmlns": "http://www.w3.org/1999/xhtml"}) in page.tags
    assert tags.count("h1") == 1 and "h2" in tags
    assert "img" not in tags and "<style" not in rendered.html and "<script" not in rendered.html
    assert all(attrs.get("scope") == "row" for tag, attrs in page.tags if tag == "th")
    assert [attrs.get("role") for tag, attrs in page.tags if tag == "table"][:2] == ["presentation", "presentation"]
    assert f"<title>{rendered.subject}</title>" in rendered.html
    assert "max-width:600px" in rendered.html
    # the preheader is the first thing in the body, hidden
    assert re.search(r'<body[^>]*>\s*<div style="display:none;', rendered.html)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_text_is_plain_and_wrapped(renderer, kind):
    rendered = renderer.render(kind, SAMPLES[kind])
    title = rendered.text.splitlines()[0]

    assert not re.search(r"</?[a-zA-Z!][^>]*>|&[a-z]+;|&#", rendered.text)
    assert rendered.text.splitlines()[1] == "=" * len(title)
    assert all(len(line) <= 72 for line in rendered.text.splitlines()[2:])
    assert "\n-- \nSent by the Peer Challenge Assistant" in rendered.text
    assert rendered.text.endswith("\n") and "\n\n\n" not in rendered.text


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_card_is_an_adaptive_card_1_5_saying_what_the_text_says(renderer, kind):
    rendered = renderer.render(kind, SAMPLES[kind])
    card = rendered.card

    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert isinstance(card["body"], list) and card["body"]
    assert {element["type"] for element in card["body"]} <= {"TextBlock", "FactSet"}
    assert all(element["wrap"] for element in card["body"] if element["type"] == "TextBlock")
    assert card["body"][0]["style"] == "heading" and card["body"][0]["size"] == "Large"
    for action in card.get("actions", []):
        if action["type"] == "Action.Execute":  # an action block: Universal Actions in Teams
            assert isinstance(action["verb"], str) and isinstance(action["data"], dict)
        else:
            assert action["type"] == "Action.Submit" and isinstance(action["data"]["command"], str)
    # The same words, but for each channel's own: emails speak of replying, cards of buttons.
    content = renderer.content(kind, SAMPLES[kind])
    email_only = [b for b in content.blocks if b.only == "email"]
    teams_only = [b for b in content.blocks if b.only == "teams"]
    card_said, text_said = _card_says(card), _text_says(rendered.text)
    if not email_only and not teams_only:
        assert card_said == text_said.removesuffix(_reply_with_line(content)).strip()
    for block in teams_only:
        assert " ".join(_words(block).split()) in card_said and " ".join(_words(block).split()) not in text_said
    for block in email_only:
        assert " ".join(_words(block).split()) not in card_said
    assert "reply to this email" not in card_said.lower() and "reply with" not in card_said.lower()


def _words(block) -> str:
    items = [block.runs] if block.runs else list(block.items)
    return " ".join(plain(runs).replace('"', "") for runs in items)


def _reply_with_line(content) -> str:
    commands = [c for b in content.blocks if b.kind == "reply_with" for c in b.commands]
    return ("Reply with: " + ", ".join(commands)) if commands else ""


def test_team_member_added_says_what_it_lets_them_do_and_how_to_reach_the_assistant(renderer):
    rendered = renderer.render("team_member_added", SAMPLES["team_member_added"])
    text = " ".join(rendered.text.split())

    assert rendered.subject == "You have been added as a participant for Kent"
    assert "Alex Director has added you as a participant for Kent in the Peer Challenge Assistant" in text
    assert 'send "status"' in text and 'reply to this message with "help"' in text
    assert "if your council has installed the Peer Challenge Assistant" in text
    assert [a["data"]["command"] for a in rendered.card["actions"]] == ["status", "help"]
    assert "<strong" in rendered.html and ">status</strong>" in rendered.html
    assert "Alex Director added you to the Peer Challenge Assistant for Kent." in rendered.html  # the preheader


def test_team_member_removed_and_delivery_test_say_what_happened(renderer):
    removed = renderer.render("team_member_removed", SAMPLES["team_member_removed"])
    test = renderer.render("delivery_test", SAMPLES["delivery_test"])

    assert removed.subject == "You are no longer a delegate for Medway"
    assert "You will no longer get reminders for Medway." in removed.text
    assert test.subject == "Test message from the Peer Challenge Assistant"
    assert "This is a test message from the Peer Challenge Assistant." in " ".join(test.text.split())


def test_values_are_escaped_and_cannot_add_blocks_or_commands(renderer):
    data = dict(SAMPLES["team_member_added"], person_name=MALICIOUS_NAME, authority_name='Kent" onmouseover="x')
    rendered = renderer.render("team_member_added", data)
    plain = renderer.content("team_member_added", SAMPLES["team_member_added"])
    content = renderer.content("team_member_added", data)

    assert [block.kind for block in content.blocks] == [block.kind for block in plain.blocks]
    assert "<script" not in rendered.html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in rendered.html
    assert 'onmouseover="x' not in rendered.html and "Kent&#34; onmouseover=&#34;x" in rendered.html
    _structure(rendered.html)
    # newlines in a value stay inside its paragraph; the command markers are dropped
    paragraphs = [" ".join(p.split()) for p in rendered.text.split("\n\n")]
    assert 'Hello <script>alert("x")</script> [Click me](https://example.com) *now* {"block": "paragraph", "text": "forged"} rm -rf,' in paragraphs
    assert '"rm -rf"' not in rendered.text
    # Teams markdown shows the name as typed: no link, no emphasis, no bold command
    greeting = rendered.card["body"][1]["text"]
    assert r"\[Click me\](https://example.com) \*now\*" in greeting and "**" not in greeting
    assert "\n" not in rendered.subject


def test_reference_code_is_passed_through_and_shown_in_the_email_footer(renderer):
    rendered = renderer.render("delivery_test", SAMPLES["delivery_test"], reference_code="PCA-7K3Q")
    without = renderer.render("delivery_test", SAMPLES["delivery_test"])

    assert rendered.reference_code == "PCA-7K3Q" and without.reference_code is None
    # notify.email_build puts the code in the mail's subject line
    assert rendered.subject == "Test message from the Peer Challenge Assistant"
    assert "Reference: PCA-7K3Q. Please keep it in the subject line if you reply." in rendered.text
    assert "PCA-7K3Q" in rendered.html and "Reference" not in without.text + without.html
    assert "PCA-7K3Q" not in str(rendered.card)


@pytest.mark.parametrize("kind, missing", [(kind, key) for kind in sorted(SAMPLES) for key in SAMPLES[kind]])
def test_a_missing_value_fails_loudly(renderer, kind, missing):
    data = {key: value for key, value in SAMPLES[kind].items() if key != missing}
    with pytest.raises(UndefinedError, match=missing):
        renderer.render(kind, data)


def test_a_value_of_none_fails_loudly(renderer):
    with pytest.raises(TemplateError, match="None"):
        renderer.render("delivery_test", {"person_name": None})


@pytest.mark.parametrize("kind", ["no_such_kind", "layout", "_blocks", "../notify/templates/layout.html", "Delivery_Test"])
def test_an_unknown_kind_is_a_key_error_that_names_the_known_ones(renderer, kind):
    with pytest.raises(KeyError, match="known kinds: " + ", ".join(sorted(SAMPLES))):
        renderer.render(kind, {})


def _with(templates: dict[str, str]) -> Renderer:
    return Renderer(ChoiceLoader([DictLoader(templates), PackageLoader("notify", "templates")]))


def test_consecutive_facts_and_bullets_make_one_table_and_one_list_and_empty_blocks_go():
    template = """{% import "_blocks.j2" as blocks %}
{% call blocks.subject() %}Hi {{ name }}{% endcall %}
{{ blocks.fact("A", 1) }}{{ blocks.fact("B", name) }}
{% call blocks.bullet() %}one{% endcall %}
{% call blocks.bullet() %}two {{ command("help") }}{% endcall %}
{% call blocks.paragraph() %}{% if false %}never{% endif %}   {% endcall %}
{% call blocks.heading() %}Next{% endcall %}
"""
    renderer = _with({"example.j2": template})
    content = renderer.content("example", {"name": "Sam"})

    assert renderer.kinds() == sorted([*SAMPLES, "example"])
    assert content.title == content.subject == "Hi Sam" and content.preheader == ""
    assert [block.kind for block in content.blocks] == ["facts", "bullets", "heading"]
    assert content.blocks[0].rows == (("A", "1"), ("B", "Sam"))
    assert [[run.text for run in item] for item in content.blocks[1].items] == [["one"], ["two ", "help"]]
    rendered = renderer.render("example", {"name": "Sam"})
    assert "<h1" in rendered.html and "A: 1\nB: Sam" in rendered.text and '- two "help"' in rendered.text


@pytest.mark.parametrize(
    "template, problem",
    [
        ('{% import "_blocks.j2" as blocks %}{% call blocks.subject() %}Hi{% endcall %}\nHello {{ name }}', "outside a block"),
        ('{% import "_blocks.j2" as blocks %}{% call blocks.paragraph() %}Hi{% endcall %}', "no subject"),
        ('{% import "_blocks.j2" as blocks %}{% call blocks.subject() %}A{% endcall %}{% call blocks.subject() %}B{% endcall %}', "more than one subject"),
    ],
)
def test_template_mistakes_fail_loudly(template, problem):
    with pytest.raises(TemplateError, match=problem):
        _with({"example.j2": template}).render("example", {"name": "Sam"})


def test_a_value_that_looks_like_a_block_is_still_refused_outside_one():
    template = '{% import "_blocks.j2" as blocks %}{% call blocks.subject() %}Hi{% endcall %}\n{{ name }}'
    with pytest.raises(TemplateError, match="outside a block"):
        _with({"example.j2": template}).render("example", {"name": '{"block": "paragraph", "text": "forged"}'})


def test_dates_and_moments_read_one_way_in_the_programme_s_time_zone():
    renderer = Renderer(ChoiceLoader([DictLoader({"when.j2": (
        '{% import "_blocks.j2" as blocks %}{% call blocks.subject() %}When{% endcall %}'
        '{% call blocks.paragraph() %}On {{ day }}, at {{ moment }}.{% endcall %}{{ blocks.fact("Due", day) }}'
    )}), PackageLoader("notify", "templates")]), zone=ZoneInfo("Europe/London"))
    rendered = renderer.render("when", {"day": "2023-01-16", "moment": "2023-06-01T08:00:00+00:00"})
    assert "On Monday 16 January 2023, at Thursday 1 June 2023 at 09:00." in " ".join(rendered.text.split())  # BST, not UTC
    assert "Due: Monday 16 January 2023" in rendered.text



LIBRARY = "https://library.example/peer-challenge"
PACK = "https://lga.example/benchmarking-pack"


@pytest.mark.parametrize("kind", ["self_assessments_ready", "reminder_self_assessment", "reminder_asks_offers", "day_before_briefing"])
def test_the_programmes_links_are_shown_where_they_matter_and_left_out_when_not_configured(kind):
    data = SAMPLES[kind]
    shown = Renderer(library_url=LIBRARY, benchmarking_url=PACK).render(kind, data)
    assert LIBRARY in shown.text and PACK in shown.text and LIBRARY in shown.html and LIBRARY in str(shown.card)
    assert "The peer challenge library" in shown.text and "The benchmarking pack" in shown.text
    bare = Renderer().render(kind, data)
    assert "The benchmarking pack" not in bare.text and "The peer challenge library" not in bare.text  # never shown empty
    own = Renderer(library_url=LIBRARY).render(kind, {**data, "library_url": "https://cycle.example/library"})
    assert "https://cycle.example/library" in own.text and LIBRARY not in own.text  # the cycle's own wins
