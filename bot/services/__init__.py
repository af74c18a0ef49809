"""Feature logic that does not depend on Discord where that can be avoided."""
