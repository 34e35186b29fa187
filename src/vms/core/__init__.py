"""Core building blocks shared by every room: ids, clock, errors, bus, services."""
