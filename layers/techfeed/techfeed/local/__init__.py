"""The local stack: embedded AWS, scheduler, handler invocation."""


class StackUnavailable(RuntimeError):
    """The local or deployed stack cannot be used as asked (a busy state dir, a missing name)."""
