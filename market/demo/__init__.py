"""Reference data and the demo: `flask seed reference` and `flask seed demo`."""
