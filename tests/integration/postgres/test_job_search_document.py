"""Migration 0013's search functions and sm2_adapters.job_search agree, text for text.

The memory fake reads jobs with the Python rules and PostgreSQL with the SQL ones; here both
read the same awkward texts (accents, ligatures, combining marks, other scripts, punctuation,
long words) and must keep the same lexemes, and answer the same queries alike.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from psycopg.types.json import Jsonb

from sm2_adapters import job_search
from sm2_adapters.postgres.mapping import job_params
from sm2_core.domain.job import Job, Vehicle

pytestmark = pytest.mark.postgres

ODD = [
    "",
    "Réparation du DÉMARREUR à distance; pare-brise fissuré (Œuvre) — cœur, Æsir, Straße",
    "naïve façade çà et là, ÀÂÄÁÃÅ àâäáãå ÈÉÊË ÌÍÎÏ ÒÓÔÕÖØ ÙÚÛÜ Ýýÿ Ÿ Ññ",
    "cafe\u0301 ope\u0300ra no\u0308el garc\u0327on",
    "İstanbul ı K(kelvin \u212a) ẞ ﬁ ﬂ Ǆ Ω µ ½ ² ① ０１２ ｆ１５０",
    "F-150 STK-1 l'huile d’hiver Tires_winter 50% a/b a.b.c -x- 'q' \\ :* & | ! ( ) <->",
    "tab\tnew\nline\r\nnbsp\u00a0thin\u2009ideographic\u3000end",
    "x" * 64 + " " + "y" * 65 + " " + "z-" * 40 + " " + "é" * 70,
    "🚗 voiture 🔧 clé — 日本語 русский עברית العربية",
    "SM2-2026-014 sm2-2026-0145 007 000 0",
]

ALPHABET = "aZeÉéèœŒ0159-_./'’ %:*&|!()\\\"\u0301 \tçÇßİ"


def _job(code: str, text: str, vehicle: Vehicle) -> Job:
    at = datetime(2026, 3, 14, tzinfo=UTC)
    return Job(
        id=uuid4(),
        job_code=code,
        dealership_id=uuid4(),
        vehicle=vehicle,
        request_text=text,
        created_at=at,
        updated_at=at,
    )


def _jobs() -> list[Job]:
    rng = random.Random(20260314)
    jobs = []
    for i, text in enumerate(ODD):
        vehicle = Vehicle(make=text[:12] or None, model=text[-9:] or None, vin=text[:17] or None)
        jobs.append(_job(f"SM2-2026-{i:03d}", text, vehicle))
    jobs.append(_job("SM2-2026-" + "0" * 10 + "7" * 60, "a code too long to keep", Vehicle()))
    for i in range(200):
        words = ["".join(rng.choices(ALPHABET, k=rng.randint(1, 12))) for _ in range(6)]
        vehicle = Vehicle(make=words[0], model=words[1], vin=words[2], stock_no=words[3])
        jobs.append(_job(f"SM2-2027-{i:0{3 + i % 3}d}", " ".join(words[4:]), vehicle))
    return jobs


def _document(conn: psycopg.Connection[Any], job: Job) -> frozenset[str]:
    params = job_params(job)
    row = conn.execute(
        "SELECT tsvector_to_array(sm2_job_search_document(%s, %s, %s))",
        (job.job_code, Jsonb(params["vehicle_data"]), job.request_text),
    ).fetchone()
    assert row is not None
    return frozenset(row[0])


@pytest.fixture(scope="module")
def conn(pg_url: str) -> Any:
    with psycopg.connect(pg_url) as connection:
        yield connection


def test_sql_and_python_keep_the_same_lexemes(conn: psycopg.Connection[Any]) -> None:
    """For every text, the SQL function and job_search.document give the same lexemes."""
    differ = {
        job.request_text: (_document(conn, job), job_search.document(job))
        for job in _jobs()
        if _document(conn, job) != job_search.document(job)
    }
    assert {} == differ


def test_sql_and_python_answer_queries_alike(conn: psycopg.Connection[Any]) -> None:
    """Pieces of the texts, typed as searches, match the same jobs on both sides."""
    rng = random.Random(42)
    jobs = _jobs()
    conn.execute("CREATE TEMPORARY TABLE search_docs (n integer, doc tsvector)")
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO search_docs VALUES (%s, sm2_job_search_document(%s, %s, %s))",
            [
                (n, j.job_code, Jsonb(job_params(j)["vehicle_data"]), j.request_text)
                for n, j in enumerate(jobs)
            ],
        )
    documents = [job_search.document(job) for job in jobs]
    texts = [job.request_text for job in jobs] + [job.job_code for job in jobs]
    queries = {t[a : a + rng.randint(1, 10)] for t in texts for a in range(0, len(t), 2)}
    searches = {q: s for q in sorted(queries) if (s := job_search.parse(q)) is not None}
    differ = {}
    for text, search in searches.items():
        row = conn.execute(
            "SELECT coalesce(array_agg(n ORDER BY n), '{}') FROM search_docs"
            " WHERE doc @@ %s::tsquery",
            (search.tsquery(),),
        ).fetchone()
        assert row is not None
        expected = [n for n, doc in enumerate(documents) if search.matches(doc)]
        if row[0] != expected:
            differ[text] = (row[0], expected)
    assert ({}, True) == (differ, len(searches) > 500)
