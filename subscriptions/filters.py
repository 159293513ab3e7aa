"""The subscribe page filters learners exactly as the learner list does."""

from portal.filters import LearnerFilter

__all__ = ["LearnerFilter"]
