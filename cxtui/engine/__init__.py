"""The rules: scorecard, standings, conflicts, flags, tensions and evidence. Pure functions over
models, no I/O and no Textual."""
