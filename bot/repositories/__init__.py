"""All SQL lives here: one module per aggregate, returning plain values or dataclasses."""
