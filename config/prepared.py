"""Reads whose SQL is built once per process.

Django compiles a queryset to SQL every time it runs. For the few fixed-shape reads every
signed-in request makes (its session, the workshop session a registration step is for,
an order with its lines) compiling costs more than PostgreSQL's answer: measured, ~1 ms
to compile an order joined to its workshop, venue and masterclass against ~0.3 ms to run
it. A ``PreparedRead`` compiles its queryset once per process and database, with
``Param`` placeholders where each call's values go, then runs that SQL with the call's
values and builds the instances the way Django's own iterator does (``select_related``
objects, annotations, the fields' converters), so callers get ordinary model instances.

Only shapes that never change between calls belong here: a queryset whose shape depends
on the caller (an optional filter, an ``__in`` list of any length) needs one
``PreparedRead`` per shape (``courses.selectors.access._progress_read``). The queryset is
built lazily, on first use, so models and settings are ready. Queries still
go through ``connection.cursor()``: query counts, ``CaptureQueriesContext``, the
debug toolbar and transactions see them as any other query.

django-prepared-queries did this for Django 1.x and is no longer maintained; this module
uses the compiler's public-by-convention attributes that ``ModelIterable`` uses
(``select``, ``klass_info``, ``annotation_col_map``, ``get_converters``), pinned by
tests/ops/test_prepared_reads.py against the ordinary queryset's results.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Expression, Field, QuerySet
from django.db.models.query import DEFAULT_FETCH_MODE, ValuesIterable, get_related_populators


@dataclass(frozen=True)
class _Slot:
    """Where a ``Param``'s value goes in the compiled parameters."""

    name: str
    field: Field


class Param(Expression):
    """A value given when the read runs: ``filter(reference=Param("reference",
    UUIDField()))``. ``field`` converts the value for the database as the column's own
    field would (UUIDs, aware datetimes)."""

    def __init__(self, name: str, field: Field) -> None:
        super().__init__(output_field=field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", (_Slot(self.name, self.output_field),)


@dataclass
class _Compiled:
    sql: str
    params: tuple
    compiler: Any
    # A ``values()`` queryset's keys, in column order (None: model instances).
    names: list[str] | None
    # The columns' converters (JSON, dates on SQLite...), looked up once.
    converters: dict


class PreparedRead:
    """A queryset of fixed shape, compiled once per process and database alias."""

    def __init__(self, build: Callable[[], QuerySet], using: str = "default") -> None:
        self._build = build
        self._using = using
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def _compile(self, connection) -> _Compiled:
        key = (connection.alias, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            queryset = self._build()
            compiler = queryset.query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            query = queryset.query
            names = None
            if issubclass(queryset._iterable_class, ValuesIterable):  # as ValuesIterable names them
                names = list(query.selected or ()) or [
                    *query.extra_select,
                    *query.values_select,
                    *query.annotation_select,
                ]
            columns = [column[0] for column in compiler.select[: compiler.col_count]]
            converters = compiler.get_converters(columns)
            compiled = self._compiled[key] = _Compiled(
                sql, tuple(params), compiler, names, converters
            )
        return compiled

    def statement(self, **values: Any) -> tuple[str, list]:
        """The SQL and its parameters for ``values`` (one per ``Param`` name), for a
        caller that runs it itself (the checkout, under its lock)."""
        connection = connections[self._using]
        compiled = self._compile(connection)
        params = [
            param.field.get_db_prep_value(values[param.name], connection, prepared=False)
            if isinstance(param, _Slot)
            else param
            for param in compiled.params
        ]
        return compiled.sql, params

    def all(self, **values: Any) -> list:
        """Every row for ``values``: model instances, or dicts for a ``values()``
        queryset."""
        sql, params = self.statement(**values)
        connection = connections[self._using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return self.read(rows)

    def read(self, rows: list) -> list:
        """What the queryset would give for ``rows`` its SQL returned."""
        compiled = self._compile(connections[self._using])
        if compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        if compiled.names is not None:
            return [dict(zip(compiled.names, row, strict=True)) for row in rows]
        return self._instances(compiled.compiler, rows, self._using)

    def first(self, **values: Any) -> Any:
        """The first row, or None (the queryset should filter on a unique key)."""
        found = self.all(**values)
        return found[0] if found else None

    @staticmethod
    def _instances(compiler, rows: list, db: str) -> list:
        """What ``ModelIterable`` builds from ``rows`` (Django's own populators)."""
        if not rows:
            return []
        select, klass_info = compiler.select, compiler.klass_info
        annotation_col_map = compiler.annotation_col_map
        model_cls = klass_info["model"]
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, db, DEFAULT_FETCH_MODE)
        instances = []
        for row in rows:
            obj = model_cls.from_db(db, init_list, row[start:end], fetch_mode=DEFAULT_FETCH_MODE)
            for populator in populators:
                populator.populate(row, obj)
            for attr_name, position in (annotation_col_map or {}).items():
                setattr(obj, attr_name, row[position])
            instances.append(obj)
        return instances
