"""One way to report errors about the user's data or configuration: a message, not a traceback.

Commands that can fail on user input carry ``@user_errors`` (or ``@user_errors(KeyError)`` for
extra, command-specific exception types). Such an error prints one paragraph to stderr and exits
with code 2; ``bullseye --debug`` (or ``BULLSEYE_DEBUG=1``) re-raises it with its traceback.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


# Errors about the user's data or configuration, by defining module and class name.
USER_ERRORS = (
    ("bullseye.core.landing_files", "ContractError"),  # also bullseye.core.contract's
    ("bullseye.core.quality", "QualityGateError"),
    ("bullseye.core.targets", "TargetsFileError"),
    ("ml.modelling.data", "TrainingDataError"),
    ("ml.modelling.segments", "SegmentationError"),  # nothing to cluster (segments_as_feature)
    ("ml.activation.eligibility", "AudienceFilterError"),
    ("ml.activation.policy", "PolicyError"),
    ("pydantic", "ValidationError"),
    ("ml.measurement.lift", "MeasurementError"),
    ("monitoring.gates", "PublicationGatedError"),
    ("ml.activation.score", "ScoringGuardError"),
    ("bullseye.core.ids", "InvalidIdError"),
    ("bullseye.core.params", "RunParameterError"),  # also CampaignSelectionError, NoChampionError
    ("bullseye.core.warehouse", "WarehouseNotBuiltError"),
    # the receiver failed; the audience is published, a rerun resends
    ("ml.activation.webhook", "WebhookError"),
    ("prefect.exceptions", "ParameterTypeError"),  # a flow refused its parameters
)


def user_error_types(loaded_only: bool = False) -> tuple[type[Exception], ...]:
    """The user-error classes. ``loaded_only``: only those whose module is already imported,
    enough to classify an exception at hand (its class's module is loaded) without importing
    XGBoost, Prefect and the rest just to name classes, which took seconds per error."""
    return tuple(
        getattr(importlib.import_module(module), name)
        for module, name in USER_ERRORS
        if not loaded_only or module in sys.modules
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


# Prefect's one-line state messages name the exception class: "Task run encountered an
# exception QualityGateError: ..." / "Flow run encountered an exception: QualityGateError: ..."
_FAILED_STATE = re.compile(r"encountered an exception:? (\w+):")
# The exception prefect-dbt raises in a dbt node's task when the node fails
_DBT_NODE_FAILED = re.compile(r"Node \S+ finished with status ")


class _UserErrorTracebacks(logging.Filter):
    """Drops, from the console only, Prefect's reports of a task or flow that failed on a user
    error (its traceback and its "Finished in state Failed(...)" lines), and the tracebacks of
    failed dbt nodes' tasks (dbt's own error line says what failed): the command prints the
    error itself, as one paragraph. The Prefect UI keeps every record."""

    def __init__(self, types: tuple[type[BaseException], ...]) -> None:
        super().__init__()
        self.types = types
        self.names = {t.__name__ for t in types}

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and _find_user_error(error, self.types) is not None:
            return False
        if error is not None and _DBT_NODE_FAILED.match(str(error)):
            return False  # prefect-dbt's task traceback; dbt logs the node's own error
        found = _FAILED_STATE.search(str(record.msg))
        return not (found and found.group(1) in self.names)


@contextmanager
def quiet_flow_failures(*extra: type[BaseException]) -> Iterator[None]:
    """While a flow runs from a command: no Prefect traceback on the console for a user error
    (``--debug`` keeps them). Prefect configures its console handler when it is imported, so
    this imports it and filters the handler it made."""
    if is_debug():
        yield
        return
    from prefect.logging.handlers import PrefectConsoleHandler

    quiet = _UserErrorTracebacks((*user_error_types(), *extra))
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in ("prefect", "uvicorn"))]
    handlers = {h for lg in loggers for h in lg.handlers if isinstance(h, PrefectConsoleHandler)}
    for handler in handlers:
        handler.addFilter(quiet)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(quiet)


def _message(error: BaseException) -> str:
    # str(KeyError("x")) is "'x'": use the message itself
    text = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    if hasattr(error, "errors") and hasattr(error, "title"):  # pydantic: field, problem, value
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']} (got {e['input']!r})"
            for e in error.errors(include_url=False)
        ]
        text = f"Invalid {error.title}: " + "; ".join(problems)
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
            user_error = _find_user_error(error, (*user_error_types(loaded_only=True), *extra))
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
