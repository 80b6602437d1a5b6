"""Which API key a provider call uses: the assistant's own, else the provider's newest active
stored key, else the provider's environment variable. Decrypted just before use."""

from collections.abc import Callable

from config import Settings
from errors import ProviderNotConfigured


def resolve_api_key(settings: Settings, decrypt: Callable[[str], str], *, provider_name: str,
                    assistant_key: str | None, provider_key: str | None) -> str:
    for encrypted in (assistant_key, provider_key):
        if encrypted:
            try:
                return decrypt(encrypted)
            except ValueError as exc:
                raise ProviderNotConfigured(
                    f"The stored API key for provider '{provider_name}' cannot be decrypted with the current "
                    "ENCRYPTION_KEY: add the old key after the new one in ENCRYPTION_KEY, or store the key again"
                ) from exc
    env_value = getattr(settings, f"{provider_name}_api_key", "")
    if env_value:
        return str(env_value)
    env_hint = f", or set {provider_name.upper()}_API_KEY" if hasattr(settings, f"{provider_name}_api_key") else ""
    raise ProviderNotConfigured(
        f"No API key for provider '{provider_name}': set one on the assistant, add one with "
        f"POST /admin/api-keys{env_hint}")
