"""Identifiers a person types (campaign ids, model versions, target names): checked once where
they enter (CLI options, flow parameters) and mapped to safe folder names wherever they become
paths.

Nothing here makes SQL safe: every id reaches SQL as a bound parameter. The check refuses ids
that cannot be meant (control characters, path separators, ``;``, quotes other than ``'``,
more than 100 characters, leading or trailing spaces that staging would trim away), with a
message that says what is allowed. Campaign ids also come from the landing data, where they
are not checked: ``folder_name`` makes any of them a single, harmless path component.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

CAMPAIGN_ID_MAX_LENGTH = 100
# Letters and digits of any script, spaces and a few punctuation marks found in real campaign
# names ("O'Brien spring", "Q4 (EU) #2"). No '/', '\', ';', '"', '`', '<', '>', '|', '*', '?'.
_CAMPAIGN_ID = re.compile(r"[\w .:'&+#()@-]+")
CAMPAIGN_ID_RULE = (
    f"1 to {CAMPAIGN_ID_MAX_LENGTH} characters: letters, digits, spaces and . - _ : ' & + # ( ) @, "
    "starting with a letter or digit"
)
# Model versions (v20261123141907-28e95527), aliases and target names: one path component.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
# A folder name used as is: the same characters landing file names may use, no "..".
_SAFE_FOLDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


class InvalidIdError(ValueError):
    """An identifier given to a command or a flow is not allowed; nothing ran."""


def campaign_id_problem(value: str) -> str | None:
    """Why ``value`` cannot be a campaign id (None when it can)."""
    if not value:
        return "it is empty"
    if len(value) > CAMPAIGN_ID_MAX_LENGTH:
        return f"it has {len(value)} characters"
    if value != value.strip():
        return "it starts or ends with a space (staging trims ids, so it would never match)"
    bad = sorted({c for c in value if not _CAMPAIGN_ID.fullmatch(c)})
    if bad:
        return "it contains " + ", ".join(repr(c) for c in bad)
    if not value[0].isalnum():
        return f"it starts with {value[0]!r}"
    return None


def check_campaign_id(value: str) -> str:
    """``value`` when it is an allowed campaign id; ``InvalidIdError`` saying why otherwise."""
    problem = campaign_id_problem(value)
    if problem:
        raise InvalidIdError(
            f"Campaign id {_shown(value)} is not allowed: {problem}. A campaign id is "
            f"{CAMPAIGN_ID_RULE}; it must match campaigns.campaign_id in the landing data."
        )
    return value


def check_name(value: str, what: str) -> str:
    """``value`` when it is a single safe path component (model version, alias, target)."""
    if not _NAME.fullmatch(value) or ".." in value:
        raise InvalidIdError(
            f"{what.capitalize()} {_shown(value)} is not allowed: use 1 to 100 letters, digits, "
            "'.', '-' or '_', starting with a letter or digit (no '/', no '..')."
        )
    return value


def folder_name(value: str) -> str:
    """A folder or file name for ``value`` that stays inside its parent folder: the id itself
    when it is already safe (``winter-sale``), otherwise a readable slug of it plus a short hash
    of the full id, so two different ids never share a folder (``O'Brien spring`` becomes
    ``O-Brien-spring-<hash>``, ``../../etc`` becomes ``etc-<hash>``)."""
    if _SAFE_FOLDER.fullmatch(value) and ".." not in value:
        return value
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_text).strip("-_")[:60].strip("-_")
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{slug}-{digest}" if slug else f"id-{digest}"


def _shown(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:57] + "...")


# A flow parameter: Prefect validates it (and refuses the run) before any work starts.
CampaignId = Annotated[
    str,
    Field(min_length=1, max_length=CAMPAIGN_ID_MAX_LENGTH, description=CAMPAIGN_ID_RULE),
    AfterValidator(check_campaign_id),
]
