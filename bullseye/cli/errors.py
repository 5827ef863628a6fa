"""One way to report errors about the user's data or configuration: a message, not a traceback.

Commands that can fail on user input carry ``@user_errors`` (or ``@user_errors(KeyError)`` for
extra, command-specific exception types). Such an error prints one paragraph to stderr and exits
with code 2; ``bullseye --debug`` (or ``BULLSEYE_DEBUG=1``) re-raises it with its traceback.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar, overload

import typer

P = ParamSpec("P")
R = TypeVar("R")

USER_ERROR_EXIT_CODE = 2
DEBUG_ENV = "BULLSEYE_DEBUG"
# --debug of the current invocation; None outside one (then BULLSEYE_DEBUG decides)
_debug: ContextVar[bool | None] = ContextVar("bullseye_debug", default=None)


def set_debug(ctx: typer.Context, debug: bool) -> None:
    """Remember ``--debug`` (or ``BULLSEYE_DEBUG``) until the invocation of ``ctx`` ends."""
    token = _debug.set(debug)
    ctx.call_on_close(lambda: _debug.reset(token))


def is_debug() -> bool:
    debug = _debug.get()
    if debug is not None:
        return debug
    return os.environ.get(DEBUG_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def user_error_types() -> tuple[type[Exception], ...]:
    """Errors that are about the user's data or configuration (imported only when needed)."""
    from pydantic import ValidationError

    from bullseye.core.contract import ContractError
    from bullseye.core.quality import QualityGateError
    from bullseye.core.targets import TargetsFileError
    from ml.activation.eligibility import AudienceFilterError
    from ml.activation.policy import PolicyError
    from ml.activation.score import ScoringGuardError
    from ml.activation.webhook import WebhookError
    from ml.measurement.lift import MeasurementError
    from ml.modelling.data import TrainingDataError
    from monitoring.gates import PublicationGatedError

    return (
        ContractError,
        QualityGateError,
        TargetsFileError,
        TrainingDataError,
        AudienceFilterError,
        PolicyError,
        ValidationError,
        MeasurementError,
        PublicationGatedError,
        ScoringGuardError,
        WebhookError,  # the receiver failed; the audience is published, a rerun resends
    )


def _find_user_error(
    error: BaseException, types: tuple[type[BaseException], ...]
) -> BaseException | None:
    """``error`` itself, or its direct ``__cause__``, if it is a user error."""
    if isinstance(error, types):
        return error
    if isinstance(error.__cause__, types):
        return error.__cause__
    return None


def _message(error: BaseException) -> str:
    # str(KeyError("x")) is "'x'": use the message itself
    text = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines) or "(no message)"


def format_user_error(error: BaseException) -> str:
    """One paragraph: ``Error: <message> (<ExceptionClass>)``."""
    return f"Error: {_message(error)} ({type(error).__name__})"


def _decorate(func: Callable[P, R], extra: tuple[type[BaseException], ...]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # exits, aborts, bad parameters: Typer handles them
        except Exception as error:
            user_error = _find_user_error(error, (*user_error_types(), *extra))
            if user_error is None or is_debug():
                raise
            typer.echo(format_user_error(user_error), err=True)
            raise typer.Exit(USER_ERROR_EXIT_CODE) from error

    return wrapper


@overload
def user_errors(func: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def user_errors(
    *extra: type[BaseException],
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def user_errors(*args):
    """Decorate a command: user errors print ``Error: <message> (<Class>)`` and exit 2.

    ``@user_errors`` handles the common user-error classes; ``@user_errors(KeyError, ...)`` also
    treats the given types as user errors for that command. Put it under ``@app.command()``.
    """
    if len(args) == 1 and callable(args[0]) and not _is_exception_type(args[0]):
        return _decorate(args[0], ())
    if not all(_is_exception_type(a) for a in args):
        raise TypeError("user_errors takes exception classes or a command function")

    def decorator(func):
        return _decorate(func, tuple(args))

    return decorator


def _is_exception_type(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, BaseException)
