"""A stored dynamic provider as the runtime needs it, and the config its code is built with."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from database.models import Provider
from errors import ProviderNotConfigured
from sandbox.proxy import allow_list
from sandbox.validation import config_errors
from sandbox.worker import WorkerSpec

# Config keys whose values are secrets wherever they appear (masked in anything shown back).
_SECRET_WORDS = ("key", "secret", "token", "password")


@dataclass(frozen=True, slots=True)
class DynamicDefinition:
    id: int | None
    name: str
    python_code: str
    config_schema: dict[str, Any]
    base_url: str | None
    allowed_hosts: tuple[str, ...] = ()
    is_active: bool = True

    @classmethod
    def from_row(cls, provider: Provider) -> "DynamicDefinition":
        return cls(provider.id, provider.name, provider.python_code or "", dict(provider.config_schema or {}),
                   provider.base_url, tuple(provider.allowed_hosts or ()), provider.is_active)

    @property
    def code_hash(self) -> str:
        return hashlib.sha256(self.python_code.encode()).hexdigest()[:16]

    def build_config(self, *, api_key: str | None, base_url: str | None,
                     extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """`api_key`, `base_url` and the values of `extra` (an assistant's config) that the schema
        declares, defaults filled in; raises when the result does not satisfy the schema."""
        declared = (self.config_schema.get("properties") or {}) if isinstance(self.config_schema, dict) else {}
        config: dict[str, Any] = {name: spec["default"] for name, spec in declared.items()
                                  if isinstance(spec, dict) and "default" in spec}
        config.update({k: v for k, v in (extra or {}).items() if k in declared and k not in ("api_key", "base_url")})
        if api_key is not None:
            config["api_key"] = api_key
        url = base_url or self.base_url
        if url:
            config["base_url"] = url
        problems = config_errors(self.config_schema, config)
        if problems:
            raise ProviderNotConfigured(
                f"The configuration of dynamic provider '{self.name}' does not match its config_schema: "
                f"{'; '.join(problems)}. Fix the assistant's config, the provider's base_url or its API key")
        return config

    def worker_spec(self, config: dict[str, Any], *, label: str | None = None) -> WorkerSpec:
        try:
            allowed = allow_list(config.get("base_url"), self.allowed_hosts)
        except ValueError as exc:
            raise ProviderNotConfigured(f"Dynamic provider '{self.name}': {exc}; set an http(s) base_url") from exc
        return WorkerSpec(label or self.name, self.python_code, config, allowed, secrets_of(config))


def secrets_of(config: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(v) for k, v in config.items()
                 if isinstance(v, str) and v and any(w in k.lower() for w in _SECRET_WORDS))
