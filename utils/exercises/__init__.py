"""Exercise checkers. ``utils.exercises.base`` holds the feedback machinery; each topic
module (``utils.exercises.<topic>``) holds that topic's checkers. A checker never raises
on a learner's unfinished or broken work: it returns a ``Feedback`` that says
"not attempted yet", "correct", or what is wrong plus a hint.
"""

from utils.exercises.base import Feedback, attempt

__all__ = ["Feedback", "attempt"]
