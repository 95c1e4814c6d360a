"""Make: the checked archive to the site: assemble, Markdown, render, PDF, the site switched in;
the one build() in make/build.py runs them in order."""
