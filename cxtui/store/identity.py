"""Who is acting: the kernel's word for it, not the environment's.

LOGNAME, USER and $CXTUI_USER are claims anyone can make (`CXTUI_USER=omar cxtui record ...` run by
kim), and a reading or an audit entry under another lead's name can move their incentives. So the
acting user is the login of the real uid. Only root may act under another name (a service account
replaying a lead's file), and the audit trail then keeps both: "root as omar".
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass

from cxtui.models import LOGIN_RE
from cxtui.store.errors import StoreError


class IdentityRefused(StoreError):
    """Another name was asked for by someone who is not root, or the uid has no login name."""


def real_uid() -> int:
    return os.getuid()


def current_login() -> str:
    """The login name of the real uid. A uid without one is refused: cxtui records people by name."""
    uid = real_uid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        raise IdentityRefused(
            f"uid {uid} has no login name in the passwd database; cxtui records who acted by login name"
        ) from None


@dataclass(frozen=True)
class Identity:
    user: str  # the name records and audit entries are made under
    real: str  # who really acted: differs from `user` only for root acting as someone

    @property
    def real_user(self) -> str | None:
        """Who really acted, when that is not `user` (kept in the audit entry); else None."""
        return self.real if self.real != self.user else None

    def __str__(self) -> str:
        return self.user if self.real_user is None else f"{self.real} as {self.user}"


def acting_identity(requested: str | None, *, named_by: str = "user") -> Identity:
    """The identity to act under when `requested` (None: one's own) is asked for.

    `named_by` says where the request came from, for the refusal ("CXTUI_USER=omar: ...").
    """
    real = current_login()
    if not requested or requested == real:
        return Identity(real, real)
    if not LOGIN_RE.fullmatch(requested):
        raise IdentityRefused(f"{named_by}={requested!r}: not a login name (letters, digits, '.', '_' or '-')")
    if real_uid() != 0:
        raise IdentityRefused(f"{named_by}={requested}: only root may act under another name; you are {real}")
    return Identity(requested, real)
