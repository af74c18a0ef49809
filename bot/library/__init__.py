"""A server's own items beside the built-in ones it can hide."""
