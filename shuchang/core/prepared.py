"""Server-side prepared statements for the few statements an opening runs thousands of times a second.

psycopg2 sends every statement as text, so PostgreSQL parses and plans it on every execution. For the
selection statement (a conditional UPDATE and three INSERTs in one, with the reasons for a refusal)
planning cost PostgreSQL about 2 ms and executing it 0.3 ms: at an opening most of the database's CPU
went into planning the same statement again. Prepared once per connection, it is planned once
(PostgreSQL replans by itself when a table it reads changes).

Every `%s` in a statement given here must sit where PostgreSQL can tell its type (a comparison with a
column, or an explicit CAST): a prepared statement's parameters are typed when it is prepared.
Connections are direct or pooled per process (CONN_MAX_AGE); a transaction-mode pooler such as
PgBouncer that moves statements between server connections would need its prepared-statement support.
"""

import weakref

# The names prepared on each open psycopg2 connection; a closed connection drops out by itself.
_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def execute_prepared(cursor, name: str, sql: str, params: list) -> None:
    """Run `sql` (with `%s` placeholders) on `cursor` (a Django cursor) as the prepared statement `name`.

    On PostgreSQL the statement is prepared the first time this connection runs it, then executed by
    name; elsewhere it simply runs. `name` must identify `sql` exactly (one name per text)."""
    database = cursor.db  # Django's connection the cursor belongs to
    if database.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    if "%%" in sql:
        raise ValueError("execute_prepared takes no escaped %% in its SQL: numbering the %s would break it")
    raw = database.connection
    prepared = _PREPARED.setdefault(raw, set())
    if name not in prepared:
        pieces = sql.split("%s")
        numbered = "".join(f"{piece}${index}" for index, piece in enumerate(pieces[:-1], 1)) + pieces[-1]
        cursor.execute(f"PREPARE {name} AS {numbered}")
        prepared.add(name)
    arguments = f" ({', '.join(['%s'] * len(params))})" if params else ""
    cursor.execute(f"EXECUTE {name}{arguments}", params)
