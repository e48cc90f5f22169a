"""Offers that may help an ask: the directory of support matching offers with needs by theme.

A suggestion is only a suggestion: a coordinator reads the reason and confirms a match (or not).
The rule, in full:

- an offer is never suggested to its own authority, and only offers are suggested;
- an offer is relevant when it has the ask's theme ("Other" is no theme: it is never the same), or
  when ask and offer share at least two content words (see `words`), or one long, specific word
  whose stem has at least eight letters ("reunification", "benchmark", "adulthood");
- same theme first, then more shared words, then the older offer (lower id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme.support.form import ASK, OFFER, THEME_TITLES, ItemStatus
from storage.people import Authority
from storage.support import SupportItem, SupportMatch

NO_THEME = "other"
SPECIFIC_LENGTH = 8  # one shared word is enough when its stem is at least this long
REASON_WORDS = 4

_ENGLISH = """
a about above across after again against all also am an and any are around as at be because been
before being below between both but by can cannot come comes coming could currently did do does doing
done down during each either ensure etc few first for from further get gets getting give go had has
have having he her here hers him his how however i if in including into is it its itself just keen
know last least less let like look looking made make makes making many may me might more most much
must my need needs new next no nor not now of off often on once one only or other others our ours
ourselves out over own per same see shall she should since so some still such take taking than that
the their theirs them themselves then there these they this those though three through time to too
two under until up upon us use used using very via want was way ways we well were what when where
whether which while who whom whose why will wish with within without would yes yet you your yours
"""
# Words every ask and offer in this programme uses: they would match everything with everything.
_PROGRAMME = """
approach area areas ask asks authority authorities child children childrens council councils dcs
develop developing development effective good help helping improve improved improvement
improvements improving learn learning local offer offers outcome outcomes peer challenge people
practice practices practise region regional service services share sharing strong support
supported supporting team teams work worked working works year years young
"""
STOP_WORDS = frozenset((_ENGLISH + _PROGRAMME).split())
_LETTERS = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Item:
    id: int
    authority_id: int
    authority_name: str
    kind: str
    theme: str
    title: str
    description: str

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.description}"


@dataclass(frozen=True)
class Suggested:
    ask: Item
    offer: Item
    score: float
    same_theme: bool
    shared_words: tuple[str, ...]  # as the offer writes them, in the order it writes them
    reason: str


def stem(word: str) -> str:
    """A light stemmer, enough for "transitions" to meet "transition" and "recruiting" "recruitment".

    A suffix comes off only when at least four letters remain (three for a plural "s").
    """
    if word.endswith("ies") and len(word) >= 6:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes", "zzes")) and len(word) >= 6:
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) >= 4:
        word = word[:-1]
    for suffix in ("ing", "ed", "ment"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            if suffix != "ment" and word[-1] == word[-2] and word[-1] not in "lsfz":
                word = word[:-1]  # planning -> plan, embedded -> embed
            break
    if word.endswith("e") and len(word) >= 5:
        word = word[:-1]  # share, shared, sharing
    return word


_STOP_STEMS = frozenset(stem(word) for word in STOP_WORDS) | STOP_WORDS


def _content(text: str) -> list[tuple[str, str]]:
    """(stem, word as written) for each content word, in the order of the text."""
    found = []
    for word in _LETTERS.findall(text.lower()):
        if len(word) < 3 or word in STOP_WORDS:
            continue
        stemmed = stem(word)
        if stemmed not in _STOP_STEMS:
            found.append((stemmed, word))
    return found


def words(text: str) -> frozenset[str]:
    """The content words of a text, stemmed: lower case, letters only, without stop words."""
    return frozenset(stemmed for stemmed, _ in _content(text))


def suggest_offers(ask: Item, offers: list[Item], *, limit: int = 5) -> list[Suggested]:
    """The offers that may help this ask, best first (the rule is in the module's docstring)."""
    wanted = words(ask.text)
    found = []
    for offer in offers:
        if offer.kind != OFFER or offer.authority_id == ask.authority_id:
            continue
        same_theme = ask.theme == offer.theme and ask.theme != NO_THEME
        shared = _shared(wanted, offer.text)
        specific = len(shared) == 1 and len(stem(shared[0])) >= SPECIFIC_LENGTH
        if not (same_theme or len(shared) >= 2 or specific):
            continue
        # Same theme is worth 1, the shared words less than 1 however many: the score orders as the rule does.
        score = (1.0 if same_theme else 0.0) + len(shared) / (len(shared) + 1)
        found.append(Suggested(ask, offer, score, same_theme, shared, _reason(ask.theme if same_theme else None, shared)))
    found.sort(key=lambda s: (-s.score, s.offer.id))
    return found[:limit]


def _shared(wanted: frozenset[str], offer_text: str) -> tuple[str, ...]:
    shared: dict[str, str] = {}
    for stemmed, word in _content(offer_text):
        if stemmed in wanted:
            shared.setdefault(stemmed, word)
    return tuple(shared.values())


def _reason(theme: str | None, shared: tuple[str, ...]) -> str:
    listed = _listing(shared)
    if theme is None:
        return f"Both mention {listed}."
    same = f"Same theme ({THEME_TITLES.get(theme, theme)})"
    return f"{same}; both mention {listed}." if shared else f"{same}."


def _listing(shared: tuple[str, ...]) -> str:
    """ "a", "a and b", "a, b, c and d", "a, b, c and d, among others"."""
    listed = shared[:REASON_WORDS]
    text = ", ".join(listed[:-1]) + " and " + listed[-1] if len(listed) > 1 else "".join(listed)
    return text + (", among others" if len(shared) > REASON_WORDS else "")


def suggestions_for_ask(session: Session, ask_id: int, *, limit: int = 5) -> list[Suggested]:
    """The active offers of the ask's cycle that may help it and are not yet matched with it.

    An unknown, withdrawn or non-ask item has none. Whether the caller may see them is the caller's business.
    """
    found = session.execute(
        select(SupportItem, Authority.name)
        .join(Authority, Authority.id == SupportItem.authority_id)
        .where(SupportItem.id == ask_id, SupportItem.kind == ASK, SupportItem.status == ItemStatus.ACTIVE)
    ).first()
    if found is None:
        return []
    ask = _item(*found)
    matched = set(session.scalars(select(SupportMatch.offer_id).where(SupportMatch.ask_id == ask_id)))
    offers = [offer for offer in _items(session, OFFER, found[0].cycle_id) if offer.id not in matched]
    return suggest_offers(ask, offers, limit=limit)


def all_suggestions(session: Session, cycle_id: int | None, *, limit: int = 5) -> list[Suggested]:
    """For the coordinators: every active ask of the cycle with its unmatched suggestions, ask by ask."""
    matched = {(ask_id, offer_id) for ask_id, offer_id in session.execute(select(SupportMatch.ask_id, SupportMatch.offer_id))}
    offers = _items(session, OFFER, cycle_id)
    found = []
    for ask in _items(session, ASK, cycle_id):
        found += suggest_offers(ask, [o for o in offers if (ask.id, o.id) not in matched], limit=limit)
    return found


def _items(session: Session, kind: str, cycle_id: int | None) -> list[Item]:
    in_cycle = SupportItem.cycle_id.is_(None) if cycle_id is None else SupportItem.cycle_id == cycle_id
    rows = session.execute(
        select(SupportItem, Authority.name)
        .join(Authority, Authority.id == SupportItem.authority_id)
        .where(SupportItem.kind == kind, SupportItem.status == ItemStatus.ACTIVE, in_cycle)
        .order_by(SupportItem.id)
    )
    return [_item(item, authority) for item, authority in rows]


def _item(item: SupportItem, authority_name: str) -> Item:
    return Item(
        id=item.id, authority_id=item.authority_id, authority_name=authority_name, kind=item.kind,
        theme=item.theme, title=item.title, description=item.description,
    )
