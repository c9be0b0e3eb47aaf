"""The failure reasons, with workos-python's names and values."""

from enum import Enum


class AuthenticateWithSessionCookieFailureReason(str, Enum):
    """Why a session was refused. Names and values are workos-python 10.8.0's.

    ``authenticate`` returns only the first three; the others exist so that code written
    against workos-python's enum (which also covers refresh) keeps working. A member compares
    equal to its plain string (``reason == "invalid_jwt"``: it is a ``str`` enum) and to
    workos-python's member of the same value (``reason ==
    workos.session.AuthenticateWithSessionCookieFailureReason.INVALID_JWT``), so the official
    examples' branches take the same way.
    """

    INVALID_JWT = "invalid_jwt"
    INVALID_SESSION_COOKIE = "invalid_session_cookie"
    NO_SESSION_COOKIE_PROVIDED = "no_session_cookie_provided"
    MFA_CHALLENGE_REQUIRED = "mfa_challenge_required"
    MFA_ENROLLMENT_REQUIRED = "mfa_enrollment_required"
    SSO_REQUIRED = "sso_required"
    EMAIL_VERIFICATION_REQUIRED = "email_verification_required"
    ORGANIZATION_SELECTION_REQUIRED = "organization_selection_required"
    ORGANIZATION_AUTH_METHODS_REQUIRED = "organization_auth_methods_required"
    AUTHENTICATION_METHOD_NOT_ALLOWED = "authentication_method_not_allowed"
    RADAR_CHALLENGE_REQUIRED = "radar_challenge_required"
    REFRESH_DENIED = "refresh_denied"
    REFRESH_NETWORK_ERROR = "refresh_network_error"

    def __str__(self) -> str:
        return str(self.value)

    def __eq__(self, other: object) -> bool:
        if _is_workos_reason(other):
            return bool(self.value == other.value)  # type: ignore[attr-defined]
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__


def _is_workos_reason(value: object) -> bool:
    """workos-python's enum is a plain ``Enum`` (not a ``str``): compared by name and value."""
    return (
        isinstance(value, Enum)
        and not isinstance(value, str)
        and type(value).__name__ == AuthenticateWithSessionCookieFailureReason.__name__
    )
