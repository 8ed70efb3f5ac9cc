"""Settings: environment variables with the DONDOC_ prefix, plus DATABASE_URL."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DONDOC_", extra="ignore")

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "DONDOC_DATABASE_URL")
    )
    # A streaming replica for lists, reports and downloads (docs/operations.md, "Replica").
    read_database_url: str | None = None
    data_dir: Path = Path(".dondoc")
    # Anything else (e.g. "prod") is refused at start-up rather than read as "not production".
    env: Literal["development", "production"] = "development"
    bootstrap_admin_key: str | None = None
    timezone: str = "Asia/Ho_Chi_Minh"
    due_soon_days: int = Field(default=3, ge=0)
    # Agency staff may date a completion at most this many days back; older dates need the
    # office or a leader, with a reason.
    completion_backdate_days: int = Field(default=5, ge=0)
    # A task may be deleted (a mistake) this many days after its creation, before any activity;
    # after that it leaves the books only by `cancel`.
    delete_grace_days: int = Field(default=7, ge=0)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    webhook_allowed_hosts: str = ""
    webhook_retry_base_seconds: float = 60
    # One delivery attempt, all of it (connecting, sending, the whole answer); its claim's
    # lease is six times as long.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    scheduler_interval_seconds: float = 300
    # Attachments: content-addressed files (default: <data_dir>/files).
    files_dir: Path | None = None
    max_upload_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    # E-mail notices to officials (issue 17): off while smtp_url is unset.
    smtp_url: str | None = None  # smtp://user:pass@host:587?starttls=1 (smtps:// for TLS)
    mail_from: str = "Đôn đốc <dondoc@localhost>"
    public_url: str = "http://127.0.0.1:8000"  # links in notices
    overdue_repeat_days: int = Field(default=7, ge=1)
    digest_hour: int = Field(default=7, ge=0, le=23)  # local hour of the daily digest
    mail_retry_base_seconds: float = Field(default=60, gt=0)
    # One attempt to hand a notice to the mail server, every command of the exchange together
    # (each command also has its own 30 s); past it the attempt failed, with that reason.
    mail_attempt_seconds: float = Field(default=120, gt=0)
    mail_poll_seconds: float = Field(default=5.0, gt=0)
    webhook_poll_seconds: float = 1.0
    db_pool_size: int = Field(default=10, ge=1)
    # Overflow connections are closed when returned: under steady load they would be opened
    # and closed again for every request, so none by default.
    db_pool_overflow: int = Field(default=0, ge=0)
    db_connect_timeout_seconds: float = 3.0
    db_statement_timeout_ms: int = 15_000
    # `pgbouncer`: the database is reached through PgBouncer in transaction mode (app/db/engines.py:
    # pooled_connect_args; docs/operations.md).
    db_pooler: Literal["none", "pgbouncer"] = "none"
    api_key_cache_seconds: float = 10.0
    # Run the background work (the deadline scheduler) inside this process; `dondoc serve`
    # turns it on unless --no-worker.
    worker: bool = False
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_roles_claim: str = "realm_access.roles"
    oidc_agency_claim: str = "agency_code"
    # On SIGTERM, in-flight requests get this long to finish before connections are closed.
    shutdown_timeout_seconds: int = Field(default=30, gt=0)
    # On SIGTERM, first this long answering as usual with `Connection: close` (and /readyz
    # 503), so requests already sent on kept-alive connections are answered, never dropped.
    shutdown_drain_seconds: float = Field(default=1.0, ge=0)
    # Comma list of origins allowed to call the API from a browser; none: CORS stays off.
    cors_origins: str = ""
    # Downloads (CSV, xlsx) running at once per process (also the size of their own pool of
    # connections) and per credential; a download whose client reads nothing for the timeout
    # is cut off.
    downloads_max: int = Field(default=4, ge=1)
    downloads_per_credential: int = Field(default=2, ge=1)
    download_send_timeout_seconds: float = Field(default=30, gt=0)
    # Failed sign-ins per client address and minute, per process, before 429; 0: no limit.
    auth_failures_per_minute: int = Field(default=20, ge=0)
    # Requests per minute and credential, per process; 0 turns the limit off.
    rate_limit_per_minute: int = Field(default=600, ge=0)
    # One JSON line per request on the logger dondoc.access; off: not even built.
    access_log: bool = True

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        # A wrong mail URL fails at start-up, not at the first notice.
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
                raise ValueError("must look like smtp://user:pass@host:587?starttls=1")
        return value or None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone, so start-up fails loudly
        return value

    @property
    def files_root(self) -> Path:
        return self.files_dir if self.files_dir is not None else self.data_dir / "files"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class UnsafeSettings(RuntimeError):
    pass


def check_production(settings: Settings) -> None:
    """Production mode refuses to start on the embedded database or with a short bootstrap key."""
    if settings.env != "production":
        return
    if not settings.database_url:
        raise UnsafeSettings(
            "DONDOC_ENV=production needs DATABASE_URL: the embedded PostgreSQL is for development"
        )
    if settings.bootstrap_admin_key is not None and len(settings.bootstrap_admin_key) < 32:
        raise UnsafeSettings(
            "DONDOC_BOOTSTRAP_ADMIN_KEY must have at least 32 characters in production"
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
