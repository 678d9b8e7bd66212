"""The delivery tests' school and fake channel APIs, for the sending commands' tests."""

from tests.chatbot.delivery.conftest import any_school, fakes, school

__all__ = ["any_school", "fakes", "school"]
