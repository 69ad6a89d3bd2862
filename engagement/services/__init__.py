"""Services: one function per user action; `session` and `actor` are keywords."""
