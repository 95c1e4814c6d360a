"""Edit: the editor's commands beside the build: start, new, fmt, publish, import, schema."""
