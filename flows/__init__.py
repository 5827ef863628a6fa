"""Bullseye's Prefect flows (thin: each task calls one service of bullseye/services)."""

import logging

# Progress of long steps (tuning trials, fits, scoring) is logged at INFO on the "bullseye"
# loggers; Python's default level (warnings) would drop it before Prefect's handlers, in a
# `bullseye` command and in a worker's flow run alike. Prefect attaches its handlers to them
# when PREFECT_LOGGING_EXTRA_LOGGERS names "bullseye" (the command sets it).
logging.getLogger("bullseye").setLevel(logging.INFO)
