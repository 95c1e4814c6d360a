"""Review: what a change does to each edition, told to reviewers and to GitHub."""
