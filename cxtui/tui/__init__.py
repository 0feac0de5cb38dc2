"""The Textual user interface. Import `create_app` from `cxtui.tui.app` (kept lazy for the CLI)."""
