"""The one exception type for errors a user can cause.

The CLI prints its message as one line and exits non-zero; anything else is a bug.
"""


class DigitnetError(Exception):
    """A problem with the user's input, files or settings, said in one line."""
