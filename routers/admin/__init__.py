"""Everything an admin manages, under /admin. Reads need a logged-in user (users and API keys:
an admin); writes need an admin."""

from fastapi import APIRouter

from routers.admin import api_keys, applications, assistants, client_keys, dynamic_providers, models, providers, users

router = APIRouter(prefix="/admin")

# --- dynamic providers: include `dynamic_providers.router` HERE, before `providers.router`, so
# /admin/providers/dynamic... is matched by it first (our provider routes only take numeric ids). ---
router.include_router(dynamic_providers.router)

for module in (applications, client_keys, providers, models, assistants, users, api_keys):
    router.include_router(module.router)
