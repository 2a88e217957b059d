"""Package data: the Jinja2 templates and C++ layer library a generated project is made of."""
