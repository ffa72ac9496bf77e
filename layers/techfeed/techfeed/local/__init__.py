"""The local stack: embedded AWS, scheduler, handler invocation."""
