"""Quiet logs for operator commands, restored when the command ends."""

from __future__ import annotations

import logging

import click

from touchpoint.observability import logger

_NOISY = ("botocore", "urllib3", "moto")


def quiet_logs(verbose: bool = False) -> None:
    """Keep the functions' log lines off the terminal while a command runs (INFO with --verbose).

    The previous levels come back when the current click command closes, so a process that runs
    a command in-process (tests, the demo inside the local stack) keeps its own logging.
    """
    previous_level = logger.log_level
    previous = [(logging.getLogger(n), logging.getLogger(n).level) for n in _NOISY]
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.ERROR)

    def restore() -> None:
        logger.setLevel(previous_level)
        for target, level in previous:
            target.setLevel(level)

    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(restore)
