"""Mechanics every resource shares, written once (CONVENTIONS.md, "The resource kernel")."""
