"""German and English texts of the team (users) console."""

from __future__ import annotations

from chalicelib.admin_texts import TEXTS as ADMIN_TEXTS
from touchpoint.web.locale import Lang, texts_in

TEXTS: dict[str, dict[Lang, str]] = {
    "users_title": {"de": "Team", "en": "Team"},
    "members": {"de": "Mitglieder", "en": "Members"},
    "email": {"de": "E-Mail", "en": "E-mail"},
    "role": {"de": "Rolle", "en": "Role"},
    "role_viewer": {"de": "Betrachter (liest)", "en": "Viewer (reads)"},
    "role_editor": {"de": "Bearbeiter (liest und handelt)", "en": "Editor (reads and acts)"},
    "role_admin": {"de": "Administrator (alles)", "en": "Admin (everything)"},
    "stores": {"de": "Filialen", "en": "Stores"},
    "every_store": {"de": "alle Filialen", "en": "every store"},
    "stores_hint": {
        "de": "Keine angekreuzt: alle Filialen. Administratoren sehen immer alle Filialen.",
        "en": "None ticked: every store. Admins always see every store.",
    },
    "status": {"de": "Status", "en": "Status"},
    "status_invited": {"de": "eingeladen", "en": "invited"},
    "status_active": {"de": "aktiv", "en": "active"},
    "status_disabled": {"de": "gesperrt", "en": "disabled"},
    "invited_by": {"de": "Eingeladen von", "en": "Invited by"},
    "open": ADMIN_TEXTS["open"],
    "you": {"de": "Sie", "en": "you"},
    "no_users": {"de": "Noch niemand im Team.", "en": "Nobody in the team yet."},
    "invite": {"de": "Einladen", "en": "Invite"},
    "invite_title": {"de": "Jemanden einladen", "en": "Invite someone"},
    "mail_lang": {"de": "Sprache der Einladung", "en": "Language of the invitation"},
    "lang_de": {"de": "Deutsch", "en": "German"},
    "lang_en": {"de": "Englisch", "en": "English"},
    "invited_mailed": {
        "de": "{email} ist eingeladen; die Einladung ist per E-Mail unterwegs.",
        "en": "{email} is invited; the invitation is on its way by e-mail.",
    },
    "invited_not_mailed": {
        "de": "{email} ist eingeladen. Es wurde keine E-Mail gesendet: Geben Sie das vorläufige Passwort "
        "sicher weiter. Es wird nur jetzt angezeigt und gilt 7 Tage.",
        "en": "{email} is invited. No e-mail was sent: pass the temporary password on safely. It is shown "
        "only now and is valid for 7 days.",
    },
    "temporary_password": {"de": "Vorläufiges Passwort", "en": "Temporary password"},
    "sign_in_page": {"de": "Anmeldeseite", "en": "Sign-in page"},
    "back_to_team": {"de": "Zurück zum Team", "en": "Back to the team"},
    "change_title": {"de": "Rolle und Filialen ändern", "en": "Change role and stores"},
    "save": ADMIN_TEXTS["save"],
    "remove_title": {"de": "Aus dem Team entfernen", "en": "Remove from the team"},
    "remove_confirm": {
        "de": "Ja, dieses Konto löschen (offene Sitzungen enden sofort).",
        "en": "Yes, delete this account (open sessions end at once).",
    },
    "remove": {"de": "Entfernen", "en": "Remove"},
    "confirm_needed": ADMIN_TEXTS["confirm_needed"],
    "form_problem": ADMIN_TEXTS["form_problem"],
    "invalid_email": {
        "de": "Das ist keine gültige E-Mail-Adresse.",
        "en": "This is not a valid e-mail address.",
    },
    "email_taken": {"de": "Diese E-Mail hat schon ein Konto.", "en": "This e-mail has an account already."},
    "invalid_role": {"de": "Bitte eine Rolle wählen.", "en": "Please choose a role."},
    "unknown_location": {"de": "Unbekannte Filiale.", "en": "Unknown store."},
    "too_many_locations": {"de": "Zu viele Filialen.", "en": "Too many stores."},
    "directory_refused": {
        "de": "Das Konto konnte nicht angelegt werden.",
        "en": "The account could not be created.",
    },
    "self_change": {
        "de": "Ihr eigenes Konto können Sie hier nicht ändern oder entfernen.",
        "en": "You cannot change or remove your own account here.",
    },
    "done_changed": {
        "de": "Gespeichert. Das gilt ab der nächsten Anfrage.",
        "en": "Saved. It applies from the next request on.",
    },
    "done_removed": {"de": "Das Konto ist entfernt.", "en": "The account has been removed."},
}


def texts(lang: Lang) -> dict[str, str]:
    """Every text in `lang`."""
    return texts_in(TEXTS, lang)
