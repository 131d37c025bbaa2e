"""Configuration: a TOML file per process, every value overridable by a DRAIS_* variable."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from drais import territory


class ConfigError(ValueError):
    """A configuration file or variable that cannot be used."""


class _Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DRAIS_", extra="forbid")

    data_dir: Path | None = None
    database_url: str = ""
    nats_url: str = "nats://127.0.0.1:4222"
    nats_credentials: Path | None = None
    api_token: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    # Session cookies sent over HTTPS only; default: unless serving on the loopback interface.
    secure_cookies: bool | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment overrides the file, which is passed as init values.
        return env_settings, init_settings

    @classmethod
    def load(cls, path: Path | None = None) -> Self:
        values: dict[str, Any] = {}
        if path is not None:
            values = read_toml(path)
            base = path.parent
            for key in (
                "data_dir",
                "nats_credentials",
                "hmac_key_file",
                "signing_key_file",
                "nats_server_config",
                "nats_server_pid_file",
            ):
                if key in values and not Path(values[key]).is_absolute():
                    values[key] = str(base / values[key])
        try:
            return cls(**values)
        except ValueError as error:
            raise ConfigError(f"{path or 'environment'}: {error}") from error

    @property
    def bootstrap_token(self) -> str | None:
        return None if self.api_token is None else self.api_token.get_secret_value()

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.host not in {"127.0.0.1", "localhost", "::1"}

    def sqlite_url(self, filename: str) -> str:
        assert self.data_dir is not None
        return f"sqlite:///{(self.data_dir / filename).resolve()}"


class NodeSettings(_Settings):
    region: str = "MA-01"
    region_name: str = ""
    hmac_key_file: Path | None = None
    signing_key_file: Path | None = None
    projection_poll_seconds: float = Field(0.5, gt=0)
    forward: bool = True
    rollup_k: int = Field(5, ge=2)
    heartbeat_seconds: float = Field(10.0, gt=0)

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if not territory.is_region(value):
            raise ValueError(f"{value!r} is not a region code (MA-01 … MA-12)")
        return value

    @model_validator(mode="after")
    def _defaults(self) -> Self:
        if self.data_dir is None:
            self.data_dir = Path("data") / self.region
        if not self.region_name:
            self.region_name = territory.regions()[self.region].name
        if not self.database_url:
            self.database_url = self.sqlite_url("events.sqlite3")
        return self


class FederationSettings(_Settings):
    port: int = Field(8100, ge=0, le=65535)
    stream_replicas: int = Field(1, ge=1, le=5)  # 3 on a NATS cluster (docs/deployment.md)
    name: str = "Fédération nationale DRAIS"
    public_dashboard: bool = True  # indicators and their pages readable without logging in
    # The NATS server configuration `drais federation admit` regenerates (None: left alone),
    # the federation's own NATS user (public NKey; default: derived from `nats_credentials`)
    # and the pid file of the server to reload with SIGHUP.
    nats_server_config: Path | None = None
    nats_federation_user: str | None = Field(None, pattern=r"^U[A-Z2-7]{55}$")
    nats_server_pid_file: Path | None = None

    @model_validator(mode="after")
    def _defaults(self) -> Self:
        if self.data_dir is None:
            self.data_dir = Path("data") / "national"
        if not self.database_url:
            self.database_url = self.sqlite_url("national.sqlite3")
        return self


def read_toml(path: Path) -> dict[str, Any]:
    """Read a configuration file, refusing one that others may read if it holds a secret."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from error
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from error
    if "api_token" in values and os.name == "posix" and path.stat().st_mode & stat.S_IROTH:
        raise ConfigError(f"{path} holds a secret and is world-readable; chmod 600 it")
    return values
