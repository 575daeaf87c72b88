"""The one exception the CLI turns into a one-line message and exit code 2."""


class SnakeAIError(Exception):
    """Bad input from the user: a wrong argument, a file that is not what it should be."""
