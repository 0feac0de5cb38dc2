"""Data in and out of the store: CSV files, import, export and printed reports."""
