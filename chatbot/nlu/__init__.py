"""Custom Rasa components for Vietnamese chat text (normaliser and intent classifier)."""
