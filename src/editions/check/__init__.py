"""Check: the publication's rules over the loaded archive, every problem found at once."""
