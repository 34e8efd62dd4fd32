"""German and English texts of the stores & QR codes console."""

from __future__ import annotations

from touchpoint.web.locale import Lang, texts_in

TEXTS: dict[str, dict[Lang, str]] = {
    "title": {"de": "Filialen & QR-Codes", "en": "Stores & QR codes"},
    "stores": {"de": "Filialen", "en": "Stores"},
    "no_stores": {"de": "Noch keine Filialen.", "en": "No stores yet."},
    "store_id": {"de": "Filial-ID", "en": "Store id"},
    "store_id_hint": {
        "de": "Buchstaben, Ziffern, - und _ (höchstens 64 Zeichen); später nicht änderbar.",
        "en": "Letters, digits, - and _ (at most 64 characters); cannot change later.",
    },
    "name": {"de": "Name", "en": "Name"},
    "address": {"de": "Adresse", "en": "Address"},
    "language": {"de": "Sprache der Poster und Formulare", "en": "Language of posters and forms"},
    "german": {"de": "Deutsch", "en": "German"},
    "english": {"de": "Englisch", "en": "English"},
    "door_counter": {"de": "Mit Türzähler", "en": "Has a door counter"},
    "touchpoints": {"de": "Touchpoints", "en": "Touchpoints"},
    "new_store": {"de": "Neue Filiale", "en": "New store"},
    "create": {"de": "Anlegen", "en": "Create"},
    "save": {"de": "Speichern", "en": "Save"},
    "open": {"de": "Öffnen", "en": "Open"},
    "edit_store": {"de": "Filiale bearbeiten", "en": "Edit store"},
    "scoped_no_create": {
        "de": "Ihr Konto verwaltet nur die ihm zugewiesenen Filialen; neue Filialen legt ein Konto ohne "
        "Filialbeschränkung an.",
        "en": "Your account manages only the stores it is given; an account without a store scope "
        "creates new stores.",
    },
    "new_touchpoint": {"de": "Neuer Touchpoint", "en": "New touchpoint"},
    "touchpoint_id": {"de": "Touchpoint-ID", "en": "Touchpoint id"},
    "kind": {"de": "Art", "en": "Kind"},
    "label": {"de": "Bezeichnung", "en": "Label"},
    "survey": {"de": "Umfrage", "en": "Survey"},
    "default_survey": {"de": "Standard-Umfrage im Laden", "en": "Default in-store survey"},
    "state": {"de": "Status", "en": "State"},
    "active": {"de": "aktiv", "en": "active"},
    "revoked": {"de": "gesperrt", "en": "revoked"},
    "version": {"de": "Code-Version", "en": "Code version"},
    "no_touchpoints": {"de": "Noch keine Touchpoints.", "en": "No touchpoints yet."},
    "downloads": {"de": "QR-Code und Poster", "en": "QR code and posters"},
    "revoked_no_downloads": {
        "de": "Dieser Touchpoint ist gesperrt: Erst ein neuer Code (Rotieren) macht QR-Code und Poster "
        "wieder verfügbar.",
        "en": "This touchpoint is revoked: rotate it to issue a new code before downloading its QR code "
        "or posters.",
    },
    "qr_url": {"de": "Adresse des Formulars", "en": "Form address"},
    "poster": {"de": "Poster", "en": "Poster"},
    "bind": {"de": "Umfrage zuordnen", "en": "Bind a survey"},
    "rotate": {"de": "Neuen Code ausgeben (rotieren)", "en": "Issue a new code (rotate)"},
    "rotate_confirm": {
        "de": "Ja, alle bisherigen QR-Codes und Poster dieses Touchpoints werden sofort ungültig.",
        "en": "Yes, every earlier QR code and poster of this touchpoint stops working at once.",
    },
    "revoke": {"de": "Sperren", "en": "Revoke"},
    "revoke_confirm": {
        "de": "Ja, alle QR-Codes dieses Touchpoints sofort sperren (bis zum nächsten Rotieren).",
        "en": "Yes, stop every QR code of this touchpoint at once (until it is rotated).",
    },
    "confirm_needed": {
        "de": "Bitte bestätigen Sie das mit dem Häkchen.",
        "en": "Please confirm this with the checkbox.",
    },
    "back_to_store": {"de": "Zur Filiale", "en": "Back to the store"},
    "back_to_stores": {"de": "Zu allen Filialen", "en": "Back to all stores"},
    "invalid_location_id": {
        "de": "Bitte eine ID aus Buchstaben, Ziffern, - und _ (höchstens 64 Zeichen).",
        "en": "Please enter an id of letters, digits, - and _ (at most 64 characters).",
    },
    "invalid_touchpoint_id": {
        "de": "Bitte eine ID aus Buchstaben, Ziffern, - und _ (höchstens 64 Zeichen).",
        "en": "Please enter an id of letters, digits, - and _ (at most 64 characters).",
    },
    "invalid_name": {
        "de": "Bitte einen Namen (1 bis 200 Zeichen).",
        "en": "Please enter a name (1 to 200 characters).",
    },
    "invalid_label": {
        "de": "Bitte eine Bezeichnung (1 bis 200 Zeichen).",
        "en": "Please enter a label (1 to 200 characters).",
    },
    "invalid_address": {"de": "Höchstens 500 Zeichen.", "en": "At most 500 characters."},
    "invalid_default_language": {
        "de": "Bitte Deutsch oder Englisch.",
        "en": "Please choose German or English.",
    },
    "invalid_kind": {"de": "Bitte eine Art wählen.", "en": "Please choose a kind."},
    "invalid_survey_id": {
        "de": "Bitte eine aktive Umfrage wählen.",
        "en": "Please choose an active survey.",
    },
    "taken_location_id": {"de": "Diese ID ist schon vergeben.", "en": "This id is taken already."},
    "taken_touchpoint_id": {"de": "Diese ID ist schon vergeben.", "en": "This id is taken already."},
    "form_problem": {
        "de": "Bitte prüfen Sie die markierten Felder; nichts wurde gespeichert.",
        "en": "Please check the marked fields; nothing was saved.",
    },
    "done_store_created": {"de": "Die Filiale ist angelegt.", "en": "The store was created."},
    "done_store_saved": {"de": "Die Filiale ist gespeichert.", "en": "The store was saved."},
    "done_touchpoint_created": {"de": "Der Touchpoint ist angelegt.", "en": "The touchpoint was created."},
    "done_survey_bound": {"de": "Die Umfrage ist zugeordnet.", "en": "The survey is bound."},
    "done_rotated": {
        "de": "Neuer Code ausgegeben; bitte die neuen Poster drucken.",
        "en": "A new code was issued; please print the new posters.",
    },
    "done_revoked": {"de": "Alle Codes sind gesperrt.", "en": "Every code is revoked."},
    "kind_till": {"de": "Kasse", "en": "Till"},
    "kind_entrance": {"de": "Eingang", "en": "Entrance"},
    "kind_fitting_room": {"de": "Umkleide", "en": "Fitting room"},
    "kind_receipt": {"de": "Kassenbon", "en": "Receipt"},
    "kind_event": {"de": "Veranstaltung", "en": "Event"},
    "kind_poster": {"de": "Aushang", "en": "Poster"},
}


def texts(lang: Lang) -> dict[str, str]:
    """Every text of the stores console in one language."""
    return texts_in(TEXTS, lang)
