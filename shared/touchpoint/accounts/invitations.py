"""The invitation e-mail (German or English) and the temporary password it carries.

The temporary password is generated here to satisfy the pool's password policy; the e-mail names
the sign-in page, the person's e-mail and that password (the person chooses their own at first
sign-in; the temporary one expires after 7 days in the pool).
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

from touchpoint.web.locale import Lang

_ALPHABET = string.ascii_letters + string.digits


def temporary_password() -> str:
    """A 20-character random password with lower, upper case letters and digits (the pool's policy)."""
    while True:
        password = "".join(secrets.choice(_ALPHABET) for _ in range(20))
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
        ):
            return password


_TEXTS: dict[Lang, dict[str, str]] = {
    "de": {
        "subject": "Einladung zu Touchpoint ({tenant})",
        "body": (
            "Hallo,\n\n{inviter} hat Sie zu Touchpoint für {tenant} eingeladen (Rolle: {role}).\n\n"
            "Melden Sie sich hier an: {link}\n"
            "E-Mail: {email}\nVorläufiges Passwort: {password}\n\n"
            "Bei der ersten Anmeldung wählen Sie Ihr eigenes Passwort. "
            "Das vorläufige Passwort gilt 7 Tage.\n"
        ),
    },
    "en": {
        "subject": "Your invitation to Touchpoint ({tenant})",
        "body": (
            "Hello,\n\n{inviter} invited you to Touchpoint for {tenant} (role: {role}).\n\n"
            "Sign in here: {link}\n"
            "E-mail: {email}\nTemporary password: {password}\n\n"
            "At your first sign-in you choose your own password. "
            "The temporary password is valid for 7 days.\n"
        ),
    },
}


@dataclass(frozen=True)
class InvitationMail:
    """An invitation to send."""

    to: str
    subject: str
    body: str


def invitation_mail(
    lang: Lang, *, email: str, tenant_name: str, role: str, inviter: str, link: str, password: str
) -> InvitationMail:
    """The invitation e-mail in `lang`."""
    texts = _TEXTS[lang]
    values = {
        "tenant": tenant_name,
        "role": role,
        "inviter": inviter,
        "link": link,
        "email": email,
        "password": password,
    }
    return InvitationMail(email, texts["subject"].format(**values), texts["body"].format(**values))


def send_invitation(ses: Any, sender: str, mail: InvitationMail) -> None:
    """Send the invitation through SES from `sender` (a verified identity)."""
    ses.send_email(
        Source=sender,
        Destination={"ToAddresses": [mail.to]},
        Message={
            "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": mail.body, "Charset": "UTF-8"}},
        },
    )
