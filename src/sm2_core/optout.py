"""Opt-out keywords: a text that is only STOP (or START) asks for no texts (or texts again). Pure.

Only the whole text counts: "stop the car at bay 3" asks for work, not silence. The words are
those carriers honour in Canada and the United States, in English and French, less the ones a
dealer types in the course of business: CANCEL is how a dealer calls off a job, END and QUIT are
as ambiguous, and YES answers a dispatcher's question.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Final, Literal
from uuid import UUID

from sm2_core.domain.records import DomainEvent
from sm2_core.suggestions import fold

Keyword = Literal["stop", "start"]

#: Folded (lower case, no accents): ``ARRÊT`` and ``arret`` are the same word.
_KEYWORDS: Final[dict[str, Keyword]] = {
    "stop": "stop",
    "stopall": "stop",
    "arret": "stop",
    "unsubscribe": "stop",
    "desabonner": "stop",
    "start": "start",
    "unstop": "start",
}


def keyword(body: str) -> Keyword | None:
    """``"stop"`` or ``"start"`` when the whole text is one of the opt-out words, else None.

    Case, accents, surrounding spaces and trailing punctuation ("Stop!", "ARRÊT .") do not
    matter; anything else in the text does."""
    return _KEYWORDS.get(_bare(fold(body)))


def _bare(text: str) -> str:
    """The text without surrounding spaces nor trailing punctuation (French puts a space
    before ``!``, so spaces between the marks go too)."""
    end = len(text)
    while end and (text[end - 1].isspace() or unicodedata.category(text[end - 1])[0] == "P"):
        end -= 1
    return text[:end].strip()


def optout_event(
    *,
    phone: str,
    opted_out: bool,
    subject_id: UUID,
    now: datetime,
    message_id: UUID | None = None,
    dealership_id: UUID | None = None,
) -> DomainEvent:
    """A number opted out (or back in): the board and the conversations show it at once.
    ``message_id``: the STOP or START text, when the number texted it to us."""
    return DomainEvent(
        name="optout.changed",
        subject_id=subject_id,
        occurred_at=now,
        data={
            "phone": phone,
            "opted_out": opted_out,
            "message_id": str(message_id) if message_id else None,
            "dealership_id": str(dealership_id) if dealership_id else None,
        },
    )
