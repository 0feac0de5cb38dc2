"""What the CLI and the TUI share about a run: how failures are put into words."""
