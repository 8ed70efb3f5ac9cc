"""What a resource shows: an allow-list taken from its Read schema.

A column is public only when the Read schema names it, so a column that a migration adds (a
hash, a secret, a search vector) stays private until someone decides to show it and documents
it in the schema — the response model is the contract, not a description of it."""

from __future__ import annotations

from sqlalchemy import Column, Table
from sqlmodel import SQLModel


def public_columns(table: Table, read: type[SQLModel]) -> tuple[Column[object], ...]:
    """The table's columns that `read` shows, in the table's order."""
    shown = read.model_fields.keys()
    return tuple(c for c in table.c if c.name in shown)
