"""The sample company and the demo store it fills."""
