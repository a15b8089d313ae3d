"""Event-store URLs as eventsourcing persistence settings (SQLite file or PostgreSQL)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

__all__ = ["APP_NAME", "ConfigError", "store_env"]

# The eventsourcing application name: it prefixes the PostgreSQL tables (tabadolhub_events).
APP_NAME = "TabadolHub"


class ConfigError(ValueError):
    """A setting is malformed; the message names the variable."""


def store_env(url: str, *, create_table: bool = True) -> dict[str, str]:
    """eventsourcing persistence settings for an event-store URL (sqlite:/// or postgresql://)."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path.removeprefix("/")) if parts.netloc == "" else ""
        if not path:
            raise ConfigError(
                f"TABADOL_EVENT_STORE: sqlite URL needs a path: sqlite:///file.db, got {url!r}"
            )
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "30",
            "CREATE_TABLE": "y" if create_table else "n",
        }
    if parts.scheme in ("postgresql", "postgres"):
        dbname = parts.path.removeprefix("/")
        if not (parts.hostname and dbname):
            raise ConfigError(
                f"TABADOL_EVENT_STORE: postgresql URL needs a host and a database, got {url!r}"
            )
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(dbname),
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",  # that path has no table lock
            "POSTGRES_LOCK_TIMEOUT": "10",
            "CREATE_TABLE": "y" if create_table else "n",
        }
        return env
    raise ConfigError(
        f"TABADOL_EVENT_STORE: unsupported scheme {parts.scheme!r}; use sqlite:///path or postgresql://"
    )
