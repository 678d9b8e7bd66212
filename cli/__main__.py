"""``python -m cli`` is the ``chatbot`` command."""

from cli import main

main()
