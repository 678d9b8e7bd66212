"""One module per area of the web app, each with a ``routes()`` list."""
