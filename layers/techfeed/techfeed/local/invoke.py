"""Run a Lambda handler in-process, as `sam local invoke` would without Docker."""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

# FUNCTION name -> (directory under functions/, handler attribute): mirrors template.yaml.
HANDLERS: dict[str, tuple[str, str]] = {
    "dispatch": ("crawl", "dispatch"),
    "crawl": ("crawl", "crawl"),
    "api": ("api", "handler"),
    "keywords": ("keywords", "handler"),
}


class UnknownFunction(LookupError):
    """FUNCTION is not one of the stack's handlers."""


@dataclass
class LocalContext:
    """The parts of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = ""

    def __post_init__(self) -> None:
        self.invoked_function_arn = (
            f"arn:aws:lambda:ap-northeast-2:000000000000:function:{self.function_name}"
        )
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        """Lambda's remaining time; locally there is no deadline, so a generous constant."""
        return 900_000


def functions_dir() -> Path:
    """The repository's functions/ directory (TECHFEED_FUNCTIONS_DIR overrides)."""
    configured = os.environ.get("TECHFEED_FUNCTIONS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[4] / "functions"


def load_function(directory: str) -> ModuleType:
    """Import functions/<directory>/app.py under a name of its own (every handler is app.py).

    The directory goes on sys.path, as it is the code root in Lambda: app.py imports its
    sibling packages (functions/api/routes) as top-level ones.
    """
    path = functions_dir() / directory / "app.py"
    name = f"techfeed_function_{directory}"
    if name in sys.modules:
        return sys.modules[name]
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None or not path.exists():
        raise UnknownFunction(f"no handler module at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def invoke(function: str, event: dict[str, Any]) -> Any:
    """Call FUNCTION's handler with event and a local context; returns what it returns."""
    if function not in HANDLERS:
        raise UnknownFunction(f"unknown function {function!r}; one of: {', '.join(HANDLERS)}")
    directory, attribute = HANDLERS[function]
    # What template.yaml's Globals give the functions in AWS; read when the module loads.
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", f"techfeed-{function}")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "techfeed")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    handler = getattr(load_function(directory), attribute)
    return handler(event, LocalContext(function_name=f"techfeed-{function}"))
