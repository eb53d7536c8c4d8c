"""Outgoing mail over SMTP (Python's smtplib), configured by the SABAK_SMTP_* settings."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app


class MailError(Exception):
    """The message could not be handed to the SMTP server."""


@dataclass(frozen=True)
class Mail:
    """A plain-text message, built (and translated) while the request's context is there and
    sent later, possibly after the response (see app.auth.routes.forgot_password)."""

    to: str
    subject: str
    body: str


def is_configured() -> bool:
    """Whether this site can send mail at all (SABAK_SMTP_HOST is set)."""
    return bool(current_app.config.get("SMTP_HOST"))


def send(mail: Mail) -> None:
    """Hand ``mail`` to the configured SMTP server. Raises MailError when that fails."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2].strip("> ") or None)
    message.set_content(mail.body)  # text/plain; charset=utf-8
    security, timeout = config["SMTP_SECURITY"], config["SMTP_TIMEOUT"]
    try:
        if security == "ssl":
            smtp = smtplib.SMTP_SSL(config["SMTP_HOST"], config["SMTP_PORT"], timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=timeout)
        with smtp:
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(str(exc)) from exc
