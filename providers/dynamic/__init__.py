"""Dynamic providers: admin-written provider code run in the sandbox (`sandbox/`) behind the same
LLMProvider interface as the built-ins."""

from providers.dynamic.definition import DynamicDefinition
from providers.dynamic.provider import DynamicProvider, provider_class_for
from providers.dynamic.registry import DynamicProviders

__all__ = ["DynamicDefinition", "DynamicProvider", "DynamicProviders", "provider_class_for"]
