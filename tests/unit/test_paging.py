"""Paging long lists for Teams: pages cut by count and size, the page asked for, and the last guard."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.cards.elements import card, paragraph
from bot.cards.paging import PAGE_BUDGET, PAGE_SIZE, TEAMS_LIMIT, fitted, page_asked, paged, pages, size


def test_the_page_asked_for_is_taken_out_of_the_command():
    assert page_asked("area=send page=3") == (3, "area=send")
    assert page_asked("page 2") == (2, "")
    assert page_asked("area=send") == (1, "area=send")
    assert page_asked("page=0") == (1, "")


@given(st.lists(st.integers(min_value=1, max_value=6000), max_size=300))
def test_pages_cover_every_entry_once_in_order_within_their_limits(lengths):
    entries = [[paragraph("x" * n)] for n in lengths]
    cut = pages(entries)
    assert [i for start, end in cut for i in range(start, end)] == list(range(len(entries)))
    for start, end in cut:
        assert end - start <= PAGE_SIZE
        assert end - start == 1 or sum(size(e) for entry in entries[start:end] for e in entry) <= PAGE_BUDGET


def test_a_page_past_the_end_is_the_last_and_email_gets_everything():
    entries = [[paragraph(f"entry {n}")] for n in range(60)]
    last = paged(entries, page=99, by_email=False, command="panel", noun="nominations")
    assert "Showing 51–60 of 60 nominations" in str(last.body) and [a["title"] for a in last.actions] == ["Back to the start"]
    assert len(paged(entries, page=1, by_email=True, command="panel", noun="nominations").body) == 60


def test_a_card_over_the_limit_is_cut_saying_so():
    big = card([paragraph("y" * 1000) for _ in range(60)])
    cut = fitted(big)
    assert size(cut) <= TEAMS_LIMIT and "too long for one Teams card" in cut["body"][-1]["text"]
    small = card([paragraph("fine")])
    assert fitted(small) is small
