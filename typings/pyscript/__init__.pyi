from typing import Any

RUNNING_IN_WORKER: bool
window: Any
