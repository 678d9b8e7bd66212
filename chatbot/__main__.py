"""``python -m chatbot`` is the ``chatbot`` command."""

from chatbot.cli import main

main()
