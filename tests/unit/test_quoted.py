"""What the person wrote, read out of emails as mail programs send them: each body with what must
remain and what must be gone."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reading.quoted import MAX_BODY, unquoted

FORM = "Authority: Wokingham\nKind of support: universal\nConclusion or area to verify: Our early help offer\nhas reduced repeat referrals."
OLD = "Nominate a colleague to the regional panel\nAuthority: Wokingham\nColleague's full name:"

CASES = [
    # (id, body, must remain, must be gone)
    ("plain", "status", ["status"], []),
    ("gt-quoted", "agree\n\n> The note of your session\n> agree or amend", ["agree"], ["The note"]),
    ("gmail", f"join\n\nOn Mon, 5 Jan 2026 at 10:00, Peer Challenge Assistant <pc@assistant.example> wrote:\n> {OLD}", ["join"], ["Nominate"]),
    ("gmail-wrapped", "join\n\nOn Mon, 5 Jan 2026 at 10:00, Peer Challenge Assistant <\npc@assistant.example> wrote:\n> old", ["join"], ["old"]),
    ("apple", "Yes\n\nSent from my iPhone\n\nOn 5 Jan 2026, at 10:00, Peer Challenge Assistant <pc@assistant.example> wrote:\n\n> old", ["Yes"], ["iPhone", "old"]),
    ("outlook-desktop", f"{FORM}\n\n________________________________\nFrom: Peer Challenge Assistant <pc@assistant.example>\nSent: 05 January 2026 10:00\nTo: Harriet Quillfeather\nSubject: Ask for moderation\n\n{OLD}", ["Authority: Wokingham", "has reduced repeat referrals."], ["From:", "Nominate"]),
    ("outlook-no-rule", f"status\n\nFrom: Peer Challenge Assistant <pc@assistant.example>\nSent: Monday, January 5, 2026 10:00 AM\nTo: Harriet\nSubject: Hi\n\n{OLD}", ["status"], ["Sent:", "Nominate"]),
    ("outlook-bold", "decline\n\n*From:* Peer Challenge Assistant\n*Sent:* 05 January 2026 10:00\n*To:* Sam\n*Subject:* invitation\n\nold", ["decline"], ["old"]),
    ("original-message", "amend\nthe second paragraph\n\n-----Original Message-----\nFrom: Assistant\nold", ["amend", "second paragraph"], ["Original", "old"]),
    ("forwarded", "help\n\n---------- Forwarded message ---------\nFrom: x\nold", ["help"], ["Forwarded", "old"]),
    ("outlook-ios", "agree\n\nGet Outlook for iOS\n________________________________\nFrom: Assistant\nSent: Monday\nold", ["agree"], ["Outlook", "old"]),
    ("outlook-android", "Yes please\n\nGet Outlook for Android", ["Yes please"], ["Android"]),
    ("samsung", "status\n\nSent from my Samsung Galaxy smartphone.", ["status"], ["Samsung"]),
    ("mail-windows", "status\n\nSent from Mail for Windows", ["status"], ["Windows"]),
    ("german-wrote", "ja\n\nAm Mo., 5. Jan. 2026 um 10:00 Uhr schrieb Peer Challenge Assistant <pc@assistant.example>:\n> alt", ["ja"], ["schrieb", "alt"]),
    ("german-outlook", "ja\n\nVon: Peer Challenge Assistant\nGesendet: Montag, 5. Januar 2026 10:00\nAn: Sam\nBetreff: Einladung\n\nalt", ["ja"], ["Gesendet", "alt"]),
    ("french-wrote", "oui\n\nLe lun. 5 janv. 2026 à 10:00, Peer Challenge Assistant <pc@assistant.example> a écrit :\n> ancien", ["oui"], ["écrit", "ancien"]),
    ("french-outlook", "oui\n\nDe : Peer Challenge Assistant\nEnvoyé : lundi 5 janvier 2026 10:00\nÀ : Sam\nObjet : invitation\n\nancien", ["oui"], ["Envoyé", "ancien"]),
    ("spanish", "sí\n\nEl lun, 5 ene 2026 a las 10:00, Peer Challenge Assistant (<pc@assistant.example>) escribió:\n> viejo", ["sí"], ["escribió", "viejo"]),
    ("dutch", "ja\n\nOp ma 5 jan. 2026 om 10:00 schreef Peer Challenge Assistant <pc@assistant.example>:\n> oud", ["ja"], ["schreef", "oud"]),
    ("italian", "sì\n\nIl giorno lun 5 gen 2026 alle ore 10:00 Peer Challenge Assistant <pc@assistant.example> ha scritto:\n> vecchio", ["sì"], ["scritto", "vecchio"]),
    ("signature-dashes", "agree\n\n-- \nHarriet Quillfeather\nDirector of Children's Services", ["agree"], ["Director"]),
    ("kind-regards", "agree\n\nKind regards,\nHarriet Quillfeather\nDirector of Children's Services\nWokingham Borough Council\n0118 496 0000", ["agree"], ["Kind regards", "Director", "0118"]),
    ("many-thanks", "Please amend: the date of the visit is wrong.\n\nMany thanks\nSam", ["Please amend: the date of the visit is wrong."], ["Many thanks", "Sam"]),
    ("best-wishes", "status\n\nBest wishes,\nSam Okafor", ["status"], ["Best wishes"]),
    ("diolch", "status\n\nDiolch,\nSam", ["status"], ["Diolch"]),
    ("thanks-only-kept", "Thanks", ["Thanks"], []),
    ("confidential", "agree\n\nThis email and any attachments are confidential and intended solely for the addressee. If you have received this email in error please tell the sender.", ["agree"], ["confidential"]),
    ("council-notice", "agree\n\nKind regards\nSam\n\nThe information in this e-mail is confidential and may be legally privileged. Emails may be monitored.", ["agree"], ["confidential", "Kind regards"]),
    ("caution-banner", "CAUTION: This email originated from outside of the organisation. Do not click links or open attachments unless you recognise the sender.\n\nstatus", ["status"], ["CAUTION"]),
    ("external-banner", "[EXTERNAL] This message came from outside your organisation.\n\nhelp", ["help"], ["EXTERNAL"]),
    ("dont-often", "You don't often get email from pc@assistant.example. Learn why this is important\n\nnominate", ["nominate"], ["often"]),
    ("form-kept-whole", FORM, FORM.split("\n"), []),
    ("form-with-thanks-inside", "Description: Thanks to our partners we run it.\nRoute: Training", ["Thanks to our partners", "Route: Training"], []),
    ("bullets-kept", "Kinds of work wanted:\n- Case file review\n- Audit", ["- Case file review", "- Audit"], []),
    ("separators-kept", "Theme: SEND\nShort title: A\n---\nTheme: Early help\nShort title: B\n---\nTheme: Youth justice\nShort title: C", ["Short title: A", "Short title: B", "Short title: C"], []),
    ("crlf", "status\r\n\r\n> old", ["status"], ["old"]),
    ("nbsp", "feedback\u00a0great\u200b reminders", ["feedback great reminders"], ["\u200b"]),
    ("html-outlook", '<html><head><style>p.MsoNormal{margin:0}</style></head><body><div class=WordSection1><p class=MsoNormal>agree<o:p></o:p></p></div>'
     '<div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> Assistant<br><b>Sent:</b> Monday</div><div>old</div></body></html>', ["agree"], ["MsoNormal", "From", "old"]),
    ("html-gmail", '<div dir="ltr">join</div><br><div class="gmail_quote"><div class="gmail_attr">On Mon wrote:</div><blockquote>old</blockquote></div>', ["join"], ["old", "wrote"]),
    ("html-list", "<p>Kinds of work wanted:</p><ul><li>Case file review</li><li>Audit</li></ul>", ["• Case file review", "• Audit"], []),
    ("html-entities", "<p>feedback It&#8217;s &amp; great</p>", ["It’s & great"], ["&amp;"]),
    ("html-blockquote", "<p>decline</p><blockquote type=cite>old invitation</blockquote>", ["decline"], ["old"]),
    ("empty", "", [], []),
]


@pytest.mark.parametrize(("body", "kept", "gone"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_what_remains_of_an_email(body, kept, gone):
    text = unquoted(body)
    for part in kept:
        assert part in text, f"{part!r} was lost: {text!r}"
    for part in gone:
        assert part not in text, f"{part!r} was left in: {text!r}"


def test_none_is_empty():
    assert unquoted(None) == ""


def test_a_huge_body_is_read_only_up_to_the_limit_and_quickly():
    started = time.monotonic()
    text = unquoted("status\n" + ("word " * 30 + "\n") * 20_000)
    assert text.startswith("status") and len(text) <= MAX_BODY
    assert time.monotonic() - started < 10  # a generous bound: linear work, not a benchmark


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_any_text_is_read_without_error(text):
    assert isinstance(unquoted(text), str)


_HTMLISH = st.lists(st.sampled_from(["<p>", "</p>", "<br>", "<div class=gmail_quote>", "<li>", "&nbsp;", "&#8217;", "<style>", "</style>", "<", ">",
                                     "From: x", "\nSent: y", "On Mon wrote:", "\n> ", "--", "\n", "Kind regards", "Label: value", "é", "\u200b"]), max_size=80).map("".join)


@settings(max_examples=300, deadline=None)
@given(_HTMLISH)
def test_any_markup_is_read_without_error(text):
    assert isinstance(unquoted(text), str)
