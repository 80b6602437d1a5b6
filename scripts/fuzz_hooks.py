"""Schemathesis hooks for `scripts/fuzz_api.py` (loaded through SCHEMATHESIS_HOOKS).

The admin run may change or delete any user, the fuzzer's own account included: a generated
`PUT /admin/users/{id}` with `is_active: false` would lock it out and turn the rest of the run into
401s. Calls that would change the fuzzer's own account go to an id that does not exist instead (a
declared 404); every other user, the seeded admin included, stays fair game.
"""

import os

import schemathesis

_OWN_ID = os.environ.get("FUZZ_OWN_USER_ID", "")
_MISSING_ID = 2_000_000_000  # a valid id (<= INTEGER max) that no test database reaches


@schemathesis.hook
def before_call(context, case, kwargs) -> None:  # type: ignore[no-untyped-def]
    if (case.method.upper() in ("PUT", "PATCH", "DELETE") and case.operation.path == "/admin/users/{user_id}"
            and str((case.path_parameters or {}).get("user_id")) == _OWN_ID):
        case.path_parameters = {**case.path_parameters, "user_id": _MISSING_ID}
