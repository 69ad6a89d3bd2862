"""Reading HR exports into the directory: `reader` (bytes to rows), `mapping` (columns to
fields), `values` (one cell), `records` (one row), `plan` (what would change, checked across
rows), `apply` (writing it). The service `engagement.services.people_import` ties them together.
"""
