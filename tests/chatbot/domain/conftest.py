"""The trained model and agent of the NLU tests (cached by content hash), shared here."""

from tests.nlu.conftest import agent, trained_model

__all__ = ["agent", "trained_model"]
