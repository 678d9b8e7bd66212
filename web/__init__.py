"""The staff web app: a thin Starlette adapter over ``chatbot.school`` and ``chatbot.delivery``.

Server-rendered Vietnamese pages (Jinja2), every asset served by the app itself. Run it with
``python -m web`` (``chatbot serve`` and ``chatbot demo`` start it beside Rasa).
"""
