"""The records the engine writes and renderers read: Steps, quantity ids, notation, flags.

The engine writes these; renderers (Markdown, JSON, text, TUI) only read them.
Nothing here imports the engine or the scenario loader.
"""
