"""`cargo xtask demo`, Python step: authenticate the fixture's sessions and print a table."""

from __future__ import annotations

import json
import sys

import sessiongate


def main(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        fixture = json.load(f)
    gate = sessiongate.SessionGate(
        client_id=fixture["client_id"], cookie_password=fixture["cookie_passwords"], jwks=fixture["jwks"]
    )
    mfa = sessiongate.StepUpPolicy()  # "mfa" in amr
    rows = [("binding", "format", "session", "user", "amr", "mfa in amr")]
    failures = 0
    for entry in fixture["sessions"]:
        auth = gate.authenticate(entry["cookie"], now=fixture["now"])
        if isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse):
            email = auth.user["email"] if auth.user else ""
            rows.append(("python", auth.format, auth.session_id, str(email), json.dumps(auth.amr),
                         "yes" if gate.check(auth, mfa, now=fixture["now"]).allowed else "no"))
        else:
            failures += 1
            rows.append(("python", entry["format"], f"{entry['label']}: REFUSED", str(auth.reason), auth.detail, ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * width for width in widths))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
