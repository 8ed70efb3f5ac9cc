"""The embedded PostgreSQL: failure message, and stopping when its last user exits."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.embedded import EmbeddedDatabaseError, _forget_dead_handles, embedded_database_url


def test_failure_says_how_to_use_an_external_database(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(EmbeddedDatabaseError) as error:
        embedded_database_url(blocker / "data")
    assert "DATABASE_URL" in str(error.value)


def test_processes_that_died_are_forgotten(tmp_path: Path) -> None:
    # A process killed without cleaning up must not keep the server running for ever.
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    dead = 2**22 + 12345  # above the default pid_max, so never a live process
    (pgdata / ".handle_pids.json").write_text(json.dumps([dead, os.getpid()]))
    _forget_dead_handles(pgdata)
    assert json.loads((pgdata / ".handle_pids.json").read_text()) == [os.getpid()]
