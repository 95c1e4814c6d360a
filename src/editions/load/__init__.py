"""Load: the editor's files read into typed records, strictly, every problem with file:line:col."""
