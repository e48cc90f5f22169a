"""What the person wrote in an email or a chat message: markup removed, the quoted earlier message,
signatures, mobile footers, confidentiality notices and external-sender banners left out.

The quoted history and the signature are found by `mail-parser-reply`, which knows the reply
headers of the common mail programs in many languages (Outlook's `From:/Sent:` block and its
translations, Gmail's and Apple Mail's `On ... wrote:` and theirs, `Sent from my iPhone`, `Get
Outlook for iOS`). Around it, this module turns an HTML body into lines (lists as bullet lines,
Outlook's and Gmail's quoted parts cut), keeps `-` lists and `---` separators (the library would
take them for signatures), and removes what it leaves: the confidentiality notice at the end, a
sign-off block at the end ("Kind regards," and the name under it), the banner a council's mail
gateway puts on top.

It never cuts into what the person wrote above the history: a sign-off or a notice is only removed
at the end, and only when something else remains. Input beyond `MAX_BODY` characters is not read
(a form or a command is far shorter; the rest is quoted history or attachments pasted in).
"""

from __future__ import annotations

import html
import re

from mailparser_reply.parser import EmailMessage

MAX_BODY = 100_000
_LANGUAGES = ["en", "de", "fr", "es", "nl", "it", "pl", "pt", "sv", "da", "fi", "cs"]

_HTML = re.compile(r"<(?:html|body|div|p|br|span|table|blockquote|li|font|meta|o:p)\b", re.I)
_DROPPED = re.compile(r"<(head|style|script|title)\b.*?</\1\s*>", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# Where Outlook (appendonsend, divRplyFwdMsg, the rule above the header), Gmail (gmail_quote),
# Apple Mail and Thunderbird (blockquote) start the quoted message.
_HTML_QUOTE = re.compile(
    r"<div[^>]*\bid=[\"']?(?:appendonsend|divRplyFwdMsg|mail-editor-reference-message-container)\b"
    r"|<div[^>]*\bclass=[\"']?[^\"'>]*\b(?:gmail_quote|gmail_attr|yahoo_quoted|moz-cite-prefix)\b"
    r"|<blockquote\b|<hr\b[^>]*>\s*(?:<div[^>]*>\s*)?(?:<font[^>]*>\s*)?(?:<b>\s*)?From:",
    re.I,
)
_ITEM = re.compile(r"<li\b[^>]*>", re.I)
_LINE_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|li|tr|h[1-6]|ul|ol|table|blockquote)\s*>|<(?:p|div|tr|h[1-6])\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]{0,2000}>")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile("[\u00a0\u2007\u202f\t]")
_SPACE_RUN = re.compile(" {8,}")
_STAND_IN = re.compile("\ue010\\d+\ue011")
LIBRARY_LINE = 300  # lines longer than this are not shown to the reply library (see _latest_reply)
# The quote starts the library does not know, or knows only with a date in them.
_QUOTE_START = re.compile(
    r"^(?:>|On\s.{0,300}\bwrote:$|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*Forwarded message\s*-{2,}|_{10,}$|From:\s.{0,300}(?:Sent|Date):)",
    re.I,
)
# "On <date>, <name> wrote:" in the languages the library misses in some forms (Spanish with the
# address in brackets, Dutch), with a digit or an address in it so that a sentence is never taken.
_WROTE = re.compile(
    r"^(?=.{0,300}[\d@]).{0,300}\b(?:wrote|schrieb|a écrit|escribió|schreef|ha scritto|escreveu|napisał|skrev|kirjoitti|ysgrifennodd|napsal)\b.{0,160}:$",
    re.I,
)
_OUTLOOK_HEADER = re.compile(r"^\*?(?:From|Von|De|Van|Da|Od|Fra|Från|Lähettäjä)\s?:\*?\s")
_HEADER_FOLLOWS = re.compile(
    r"^\*?(?:Sent|Date|To|Subject|Gesendet|Datum|An|Betreff|Envoyé|À|Objet|Enviado|Para|Asunto|Verzonden|Aan|Onderwerp|Inviato|A|Oggetto)\s?:", re.I
)
_SIGN_OFF = re.compile(
    r"^(?:(?:kind|best|warm|many|with)\s+(?:regards|wishes|thanks)|regards|best|thanks|thank you|many thanks|thanks again|cheers|"
    r"yours(?:\s+(?:sincerely|faithfully))?|all the best|speak soon|take care|diolch|cofion|with thanks)[\s,.!]*$",
    re.I,
)
_FOOTER = re.compile(
    r"^(?:sent from (?:my|mail for|outlook|yahoo)|get outlook for|sent via|sent using|download outlook|envoyé de mon|von meinem .* gesendet|enviado desde)",
    re.I,
)
_NOTICE = re.compile(
    r"\b(?:confidential|privileged|intended (?:solely|only) for|intended recipient|addressee|received this (?:e-?mail|message) in error|"
    r"scanned for viruses|disclaimer|monitored|freedom of information|GCSx|PSN)\b",
    re.I,
)
_NOTICE_OPENING = re.compile(
    r"^(?:\W{0,3})(?:this (?:e-?mail|message|communication)|the information (?:in|contained)|confidentiality|disclaimer|important|notice|privileged)", re.I
)
_BANNER = re.compile(
    r"^\[?(?:CAUTION|WARNING|EXTERNAL|EXTERNAL EMAIL|ATTENTION)\b.*|^This (?:e-?mail|message) (?:originated|came|has come) from outside\b.*"
    r"|^You don't often get email from\b.*",
    re.I,
)


def unquoted(text: str | None) -> str:
    """What the person wrote: markup removed, the quoted earlier message and clutter left out."""
    body = (text or "")[:MAX_BODY]
    body = _as_lines(body) if _HTML.search(body) else body
    body = _INVISIBLE.sub("", _SPACES.sub(" ", body.replace("\r\n", "\n").replace("\r", "\n")))
    # Long runs of spaces mean nothing to a reader, and the library's signature search is quadratic in them.
    body = _SPACE_RUN.sub(" ", body)
    lines = _before_quote(body.split("\n"))
    lines = _latest_reply(lines)
    lines = _without_banner(lines)
    lines = _without_end_matter(lines)
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _as_lines(markup: str) -> str:
    """An HTML body as lines of text: what is quoted cut off, list items as bullet lines."""
    markup = _COMMENT.sub("", _DROPPED.sub("", markup))
    quote = _HTML_QUOTE.search(markup)
    if quote:
        markup = markup[: quote.start()]
    markup = _ITEM.sub("\n• ", markup)
    markup = _LINE_BREAK.sub("\n", markup)
    return html.unescape(_TAG.sub("", markup))


def _before_quote(lines: list[str]) -> list[str]:
    for number, line in enumerate(lines):
        stripped = line.strip()
        if _QUOTE_START.match(stripped) or _WROTE.match(stripped):
            return lines[:number]
        if _OUTLOOK_HEADER.match(stripped) and any(_HEADER_FOLLOWS.match(following.strip()) for following in lines[number + 1 : number + 5]):
            return lines[:number]
    return lines


def _latest_reply(lines: list[str]) -> list[str]:
    """The first reply the library finds, without its signature, keeping `-` lists and `---`."""
    text = "\n".join(lines)
    if not text.strip():
        return []
    if len(lines) == 1:
        return lines  # one line holds no quoted reply or signature block: the library (a costly read) has nothing to find
    # The library's header patterns take time growing faster than a line's length: it is shown long
    # lines as short stand-ins (no header or signature is that long), and they are put back after.
    long_lines = {f"\ue010{n}\ue011": line for n, line in enumerate(lines) if len(line) > LIBRARY_LINE}
    shown = "\n".join(f"\ue010{n}\ue011" if len(line) > LIBRARY_LINE else line for n, line in enumerate(lines))
    message = EmailMessage(text=shown, languages=_LANGUAGES, keep_hyphen_lists=True).read()
    if not message.replies:
        return lines
    reply = message.replies[0]
    found = reply.body if reply.body.strip() else reply.content
    found = _STAND_IN.sub(lambda m: long_lines.get(m.group(0), m.group(0)), found)
    # The library takes a line starting "--" for a signature: our `---` separators must stay.
    if "\n---" in text and found.count("---") < text.count("---"):
        return lines
    return found.split("\n") if found.strip() else lines


def _without_banner(lines: list[str]) -> list[str]:
    start = next((n for n, line in enumerate(lines) if line.strip()), len(lines))
    if start < len(lines) and _BANNER.match(lines[start].strip()):
        end = start
        while end < len(lines) and lines[end].strip():
            end += 1
        rest = lines[end:]
        if any(line.strip() for line in rest):
            return rest
    return lines


def _without_end_matter(lines: list[str]) -> list[str]:
    """Footers, confidentiality notices and a sign-off block, removed from the end only."""
    changed = True
    while changed:
        changed = False
        while lines and not lines[-1].strip():
            lines = lines[:-1]
        paragraph_start = len(lines)
        while paragraph_start > 0 and lines[paragraph_start - 1].strip():
            paragraph_start -= 1
        paragraph = lines[paragraph_start:]
        before = lines[:paragraph_start]
        if not any(line.strip() for line in before):
            break
        joined = " ".join(line.strip() for line in paragraph)
        if (_FOOTER.match(joined) and len(joined) < 120) or _is_notice(joined, paragraph):
            lines, changed = before, True
            continue
        sign_off = _sign_off_start(lines)
        if sign_off is not None:
            lines, changed = lines[:sign_off], True
    return lines


def _is_notice(joined: str, paragraph: list[str]) -> bool:
    """A council's confidentiality or monitoring notice: at least two of its tell-tale phrases, or
    one in a paragraph that opens as such notices do; never a form's `Label: value` line."""
    if len(paragraph) > 15 or (":" in paragraph[0][:40] and not _NOTICE_OPENING.match(joined)):
        return False
    found = len(_NOTICE.findall(joined))
    return found >= 2 or (found == 1 and bool(_NOTICE_OPENING.match(joined)))


def _sign_off_start(lines: list[str]) -> int | None:
    """Where a closing block begins: a sign-off line followed by at most seven short lines (a name,
    a job title, a council, a telephone number) to the end, with something written above it."""
    last = len(lines)
    for number in range(last - 1, max(-1, last - 10), -1):
        if _SIGN_OFF.match(lines[number].strip()):
            after = [line.strip() for line in lines[number + 1 :] if line.strip()]
            if len(after) <= 7 and all(len(line) <= 80 for line in after) and any(line.strip() for line in lines[:number]):
                return number
            return None
    return None
