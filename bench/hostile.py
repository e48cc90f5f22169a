"""How long reading hostile text takes: the inputs that once stalled the service (a run of 80,000
`<`, 10,000 spaces on a form line, a "wrote" line 65,000 characters long...), each read as a
command, understood as free text and read as an emailed form, the way every message is read.

    .venv/bin/python -m bench.hostile             # one run of each input, its time in ms
    .venv/bin/python -m bench.hostile --runs 5    # the slowest of five runs

Anchor: every input under 150 ms on this 2-core machine (the reading is synchronous; a turn that
took longer would hold the event loop). Figures printed, not asserted.
"""

from __future__ import annotations

import argparse
import random
import time

from bot.cards.commands import COORDINATOR, DCS, DIRECTORY, ENQUIRE, EVERYONE, NOMINATE, RECORD, RECORDS
from bot.commands import parse_command
from bot.reading.answers import NOTE, read_answer
from bot.reading.fields import read_lines
from bot.reading.intents import allowed_commands, understand
from programme.moderation.form import enquiry_form

ANCHOR_MS = 150.0


def inputs() -> dict[str, str]:
    chaos = random.Random(3)
    return {
        "80,000 <": "<" * 80_000,
        "10,000 spaces on a form line": "Contact name:" + " " * 10_000 + "x",
        "50,000 no-break spaces": "\u00a0" * 50_000 + "x",
        "a 65,000-character wrote line": "On Mon wrote " * 5_000 + ":",
        "90,000 dashes": "-" * 90_000,
        "90,000 line breaks": "\n" * 90_000,
        "20,000 quoted lines": "> x\n" * 20_000,
        "10,000 From: lines": "From: a\n" * 10_000,
        "10,000 sign-offs": "Kind regards\n" * 10_000,
        "20,000 <div>": "<div>" * 20_000,
        "40,000 bullets": "• " * 40_000,
        "a label 4,000 times": "Colleague's full name " * 4_000,
        "100,000 random punctuation": "".join(chaos.choice("<>:- \n_=*@.\t\u00a0•") for _ in range(100_000)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="runs of each input; the slowest is shown")
    args = parser.parse_args()
    usages = EVERYONE + NOMINATE + ENQUIRE + RECORD + DIRECTORY + RECORDS + DCS + COORDINATOR
    allowed = allowed_commands(usage for usage, _ in usages)
    known = {command.split()[0] for command in allowed}
    form = enquiry_form([("wokingham", "Wokingham")])
    worst = 0.0
    for name, text in inputs().items():
        slowest = 0.0
        for _ in range(max(1, args.runs)):
            start = time.perf_counter()
            understand(parse_command(text), known, allowed)
            read_lines(form, text)
            read_answer(text, NOTE)
            slowest = max(slowest, (time.perf_counter() - start) * 1000)
        worst = max(worst, slowest)
        print(f"{name:32} {slowest:8.1f} ms")
    print(f"{'slowest':32} {worst:8.1f} ms  (anchor: under {ANCHOR_MS:.0f} ms: {'met' if worst < ANCHOR_MS else 'NOT met'})")


if __name__ == "__main__":
    main()
