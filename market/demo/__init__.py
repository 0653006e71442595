"""Reference data and the demo: `flask seed reference` and `flask seed demo`."""

DEMO_PASSWORD = "Market-demo-2026"  # of every demo account (`seed` and `philanthropy` both make some)
