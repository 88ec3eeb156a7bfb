"""Hooks the schemathesis CLI loads for test_api_schemathesis (``SCHEMATHESIS_HOOKS``).

The fuzzer calls the API with two logins of its own. Changing either login's password or
deactivating it ends that login's sessions, after which every call would be a 401 and the rest
of the run would test nothing: a call that would change one of them changes a decoy login
instead (``SM2_FUZZ_PROTECTED``: their ids; ``SM2_FUZZ_DECOY``: the decoy's id). Logging out
is done with the decoy's token (in the test's configuration).
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis

PROTECTED = set(filter(None, os.environ.get("SM2_FUZZ_PROTECTED", "").split(",")))
DECOY = os.environ.get("SM2_FUZZ_DECOY", "")


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.method.upper() != "PATCH" or case.operation.path != "/api/users/{user_id}":
        return
    if str((case.path_parameters or {}).get("user_id")) in PROTECTED:
        case.path_parameters = {**case.path_parameters, "user_id": DECOY}
