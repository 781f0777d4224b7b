"""The exception hierarchy. Raised with context deep inside; translated to a one-line
message and an exit code only at the edge (CLI, Ansible module).

    PathwardenError
     +-- InputError            bad input from the user: exit 1, no traceback
     |    +-- SnapshotError    a snapshot file is missing, malformed or of an unknown shape
     |    +-- PolicyError      a policy file is invalid (file:line:column)
     |    +-- EndpointError    a reach endpoint names nothing in the estate
     +-- MissingExtraError     a provider SDK is not installed (names the pip extra)
"""

from __future__ import annotations


class PathwardenError(Exception):
    """Base of every error pathwarden raises on purpose."""


class InputError(PathwardenError):
    """Input the user can fix."""


class SnapshotError(InputError):
    def __init__(self, file: str, message: str, keypath: str = "") -> None:
        self.file = file
        self.keypath = keypath
        self.message = message
        where = f"{file}: {keypath}: " if keypath else f"{file}: "
        super().__init__(where + message)


class PolicyError(InputError):
    def __init__(self, file: str, message: str, line: int = 0, column: int = 0) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        where = f"{file}:{line}:{column}: " if line else f"{file}: "
        super().__init__(where + message)


class EndpointError(InputError):
    """An endpoint given to reach/check names nothing in the estate."""


class MissingExtraError(PathwardenError):
    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{package} is not installed; install it with: pip install 'pathwarden[{extra}]'"
        )
