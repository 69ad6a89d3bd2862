"""The integer-programming audit of what Virage publishes (see `model` and `collect`)."""
