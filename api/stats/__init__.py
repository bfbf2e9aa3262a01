"""Per-area report statistics (counts, overdue, closure rate) for the leaders' view."""
