"""Data in and out of the store: CSV files, import, export and printed reports."""

# What `cxtui export WHAT` can write (exporting.py writes each; kept here, free of imports, so the CLI
# lists them without loading the engine).
EXPORTS = (
    "scorecard", "readings", "goals", "incentives", "objectives", "departments", "metrics", "tensions",
    "conflicts", "audit", "links", "initiatives",
)
