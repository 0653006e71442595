"""Public spending: what was contracted and paid, by place and category (the money pages)."""
