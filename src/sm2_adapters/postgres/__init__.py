"""PostgreSQL persistence for SM2 Dispatch (psycopg 3).

``embedded`` starts or attaches to the embedded server used when ``SM2_DATABASE_URL`` is unset;
``migrate`` applies the versioned SQL files shipped in ``migrations/``.
"""
