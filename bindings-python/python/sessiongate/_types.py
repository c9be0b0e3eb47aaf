"""The sealed user and impersonator, typed: workos-python's field names (a cookie sealed by
@workos-inc/node or authkit-nextjs holds their camelCase names instead; ``id`` and ``email``
are common to every SDK's cookie). Times are the ISO 8601 strings the cookie holds."""

from typing import Dict, Literal, Optional, TypedDict


class _UserIdentity(TypedDict):
    id: str
    email: str


class SessionUser(_UserIdentity, total=False):
    """workos-python's ``User`` fields, as a session cookie holds them."""

    object: Literal["user"]
    first_name: Optional[str]
    last_name: Optional[str]
    name: Optional[str]
    profile_picture_url: Optional[str]
    email_verified: bool
    external_id: Optional[str]
    last_sign_in_at: Optional[str]
    created_at: str
    updated_at: str
    metadata: Optional[Dict[str, str]]
    locale: Optional[str]


class SessionImpersonator(TypedDict):
    """workos-python's impersonator: who is signed in as the user, and why."""

    email: str
    reason: Optional[str]
