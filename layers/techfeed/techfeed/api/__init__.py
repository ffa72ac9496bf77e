"""The HTTP API's logic: config, signed cursors, wire schemas, use cases and HTTP manners."""
