"""Cache: values by key in SQLite under .editions-cache/, kept from one build to the next; it
stores and knows nothing of the stages that use it."""
