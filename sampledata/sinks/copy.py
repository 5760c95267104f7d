"""Sink: PostgreSQL `COPY` through psycopg 3, the fast path the bench loads with."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from sampledata.clock import money_text
from sampledata.generation import WorkspaceGenerator
from sampledata.rows import TABLES
from sampledata.sinks import TableFields, models, table_fields

NULL = "\\N"


def _copy_text(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value).replace("\\", "\\\\")
    return str(value)


class CopyRenderer:
    """Renders the generator's rows as lines of PostgreSQL's COPY text format, table by table.

    Each line holds the table's `FILLED` columns in order, then the columns the
    generator does not produce (added to the models later) with their field
    default, `until` for auto-now timestamps, or NULL (`sampledata.sinks.table_fields`).
    """

    def __init__(self, generator: WorkspaceGenerator, workspace_id: int, id_bases: dict[str, int]) -> None:
        self.generator = generator
        self.ws = str(workspace_id)
        self.base = id_bases
        self.fields: dict[str, TableFields] = {table: table_fields(table) for table in TABLES}
        now = generator.clock.utc_text(generator.until)
        self.columns: dict[str, list[str]] = {table: fields.columns for table, fields in self.fields.items()}
        self.suffix: dict[str, str] = {
            table: "".join("\t" + self._default(field, now) for field in fields.defaulted) + "\n"
            for table, fields in self.fields.items()
        }

    @staticmethod
    def _default(field, now: str) -> str:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return now
        if field.has_default():
            return _copy_text(field.get_default())
        return NULL  # table_fields let it through: it may be NULL

    def table_name(self, table: str) -> str:
        return self.fields[table].model._meta.db_table

    def copy_sql(self, table: str) -> str:
        columns = ", ".join(f'"{c}"' for c in self.columns[table])
        return f'COPY "{self.table_name(table)}" ({columns}) FROM STDIN'

    def lines(self, table: str, rows: Iterable[tuple]) -> Iterator[str]:
        ws, suffix, clock = self.ws, self.suffix[table], self.generator.clock
        day_text, utc_text, local_day = clock.date_text, clock.utc_text, clock.local_day
        b_cmp, b_acc, b_lead, b_deal = (self.base[t] for t in ("campaigns", "accounts", "leads", "deals"))

        def ref(base: int, idx: int | None) -> str:
            return NULL if idx is None else str(base + idx)

        def ts(value: int | None) -> str:
            return NULL if value is None else utc_text(value)

        def day(value: int | None) -> str:
            return NULL if value is None else day_text(local_day(value))

        def money(cents: int | None) -> str:
            return NULL if cents is None else money_text(cents)

        if table == "campaigns":
            for r in rows:
                yield (f"{b_cmp + r[0]}\t{ws}\t{r[1]}\t{r[2]}\t{r[3]}\t{'t' if r[4] else 'f'}\t{day_text(r[5])}\t"
                       f"{NULL if r[6] is None else day_text(r[6])}\t{money(r[7])}{suffix}")  # fmt: skip
        elif table == "spend":
            for r in rows:
                yield f"{ws}\t{b_cmp + r[0]}\t{day_text(r[1])}\t{money_text(r[2])}\t{r[3]}\t{r[4]}{suffix}"
        elif table == "accounts":
            for r in rows:
                yield f"{b_acc + r[0]}\t{ws}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{r[5]}\t{'t' if r[6] else 'f'}{suffix}"
        elif table == "leads":
            for r in rows:
                yield (f"{b_lead + r[0]}\t{ws}\t{r[1]}\t{r[2]}\t{ref(b_acc, r[3])}\t{ref(b_cmp, r[4])}\t"
                       f"{utc_text(r[5])}\t{ts(r[6])}\t{ts(r[7])}\t{ts(r[8])}\t{day(r[5])}\t{day(r[6])}\t"
                       f"{day(r[7])}\t{day(r[8])}{suffix}")  # fmt: skip
        elif table == "deals":
            for r in rows:
                yield (f"{b_deal + r[0]}\t{ws}\t{r[1]}\t{b_acc + r[2]}\t{ref(b_lead, r[3])}\t{ref(b_cmp, r[4])}\t"
                       f"{r[5]}\t{money_text(r[6])}\t{money_text(r[7])}\t{r[8]}\t{utc_text(r[9])}\t{ts(r[10])}\t"
                       f"{ts(r[11])}\t{day(r[9])}\t{day(r[10])}\t{day(r[11])}{suffix}")  # fmt: skip
        elif table == "touchpoints":
            for kind, at, cmp, lead, acc, visitor, session, url, ext in rows:
                yield (f"{ws}\t{kind}\t{utc_text(at)}\t{day_text(local_day(at))}\t"
                       f"{NULL if cmp is None else b_cmp + cmp}\t{NULL if lead is None else b_lead + lead}\t"
                       f"{NULL if acc is None else b_acc + acc}\t{visitor}\t{session}\t{url}\t"
                       f"{NULL if ext is None else ext}{suffix}")  # fmt: skip
        else:
            raise KeyError(table)


def copy_id_bases(cursor) -> dict[str, int]:
    """First free id of each table, read with plain SQL (the bench has no workspace in scope)."""
    bases = {}
    for table, model in models().items():
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{model._meta.db_table}"')  # noqa: S608
        bases[table] = cursor.fetchone()[0]
    return bases


def load_copy(
    cursor,
    workspace_id: int,
    generator: WorkspaceGenerator,
    *,
    tables: Iterable[str] = TABLES,
    tee: Callable[[str, bytes], None] | None = None,
    progress: Callable[[str, int], None] | None = None,
    chunk_bytes: int = 1 << 20,
    id_bases: dict[str, int] | None = None,
) -> dict[str, int]:
    """COPY the rows of `tables` into PostgreSQL through a psycopg 3 cursor; returns rows per table.

    `tee(table, data)` receives every rendered chunk too (the bench's pre-rendered
    baseline). `id_bases` (first id per table, default: past the existing rows)
    must be the same for loads of different tables of one workspace. Sequences
    are moved past the explicit ids afterwards.
    """
    renderer = CopyRenderer(generator, workspace_id, id_bases or copy_id_bases(cursor))
    wanted = set(tables)
    counts: dict[str, int] = {}
    for table, rows in generator.tables():
        if table not in wanted:
            continue
        count, parts, size = 0, [], 0
        with cursor.copy(renderer.copy_sql(table)) as copy:
            for line in renderer.lines(table, rows):
                parts.append(line)
                size += len(line)
                count += 1
                if size >= chunk_bytes:
                    data = "".join(parts).encode()
                    copy.write(data)
                    if tee is not None:
                        tee(table, data)
                    parts, size = [], 0
                    if progress:
                        progress(table, count)
            if parts:
                data = "".join(parts).encode()
                copy.write(data)
                if tee is not None:
                    tee(table, data)
        counts[table] = count
        if progress:
            progress(table, count)
    reset_copy_sequences(cursor)
    return counts


def reset_copy_sequences(cursor) -> None:
    for model in models().values():
        table = model._meta.db_table
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
            f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)'
        )
