"""German and English texts of the alert rules and API keys consoles."""

from __future__ import annotations

from touchpoint.web.locale import Lang, texts_in

TEXTS: dict[str, dict[Lang, str]] = {
    # shared
    "open": {"de": "Öffnen", "en": "Open"},
    "save": {"de": "Speichern", "en": "Save"},
    "create": {"de": "Anlegen", "en": "Create"},
    "confirm_needed": {
        "de": "Bitte bestätigen Sie das mit dem Häkchen.",
        "en": "Please confirm this with the checkbox.",
    },
    "form_problem": {
        "de": "Bitte prüfen Sie die markierten Felder; nichts wurde gespeichert.",
        "en": "Please check the marked fields; nothing was saved.",
    },
    "yes": {"de": "ja", "en": "yes"},
    "no": {"de": "nein", "en": "no"},
    # alert rules
    "alerts_title": {"de": "Warnungen", "en": "Alerts"},
    "rules": {"de": "Regeln", "en": "Rules"},
    "no_rules": {"de": "Noch keine Regeln.", "en": "No rules yet."},
    "new_rule": {"de": "Neue Regel", "en": "New rule"},
    "rule": {"de": "Regel", "en": "Rule"},
    "rule_name": {"de": "Name", "en": "Name"},
    "metric": {"de": "Kennzahl", "en": "Metric"},
    "breakdown": {"de": "Nur für (Aufschlüsselung)", "en": "Only for (breakdown)"},
    "breakdown_none": {"de": "alle (keine Aufschlüsselung)", "en": "all (no breakdown)"},
    "breakdown_value": {
        "de": "Wert der Aufschlüsselung, z. B. eine Filial-ID",
        "en": "Breakdown value, e.g. a store id",
    },
    "condition": {"de": "Bedingung", "en": "Condition"},
    "condition_below": {"de": "fällt unter", "en": "is below"},
    "condition_above": {"de": "steigt über", "en": "is above"},
    "condition_drops_by": {"de": "sinkt um mindestens (%)", "en": "drops by at least (%)"},
    "condition_rises_by": {"de": "steigt um mindestens (%)", "en": "rises by at least (%)"},
    "threshold": {"de": "Schwelle", "en": "Threshold"},
    "window_days": {"de": "Zeitfenster (Tage)", "en": "Window (days)"},
    "baseline_days": {
        "de": "Vergleichszeitraum (Tage, für Prozent-Bedingungen)",
        "en": "Baseline (days, for percentage conditions)",
    },
    "min_samples": {"de": "Mindestanzahl Antworten", "en": "Minimum number of answers"},
    "enabled": {"de": "Aktiv", "en": "Enabled"},
    "description": {"de": "Beschreibung", "en": "Description"},
    "delete": {"de": "Regel löschen", "en": "Delete the rule"},
    "delete_confirm": {
        "de": "Ja, diese Regel löschen (bereits ausgelöste Warnungen bleiben).",
        "en": "Yes, delete this rule (alerts it fired stay).",
    },
    "send_test": {"de": "Test senden", "en": "Send a test"},
    "send_test_hint": {
        "de": "Schickt eine Beispiel-Warnung dieser Regel (Typ alert.test) einmal an den Webhook; nichts wird gespeichert.",
        "en": "Sends a sample alert of this rule (type alert.test) once to the webhook; nothing is stored.",
    },
    "test_delivered": {"de": "Der Webhook hat den Test angenommen.", "en": "The webhook accepted the test."},
    "test_failed": {"de": "Der Test kam nicht an: {error}", "en": "The test did not arrive: {error}"},
    "test_skipped": {
        "de": "Es ist kein Webhook eingerichtet; ein Administrator trägt ihn unten auf der Warnungen-Seite ein.",
        "en": "No webhook is set up; an admin enters it at the bottom of the alerts page.",
    },
    "back_to_alerts": {"de": "Zu allen Regeln", "en": "Back to all rules"},
    "webhook": {"de": "Webhook", "en": "Webhook"},
    "webhook_url": {"de": "Webhook-Adresse (leer: keiner)", "en": "Webhook URL (empty: none)"},
    "webhook_secret": {
        "de": "Signatur-Geheimnis (X-Touchpoint-Signature)",
        "en": "Signing secret (X-Touchpoint-Signature)",
    },
    "rotate_secret": {"de": "Neues Geheimnis erzeugen", "en": "Issue a new secret"},
    "rotate_secret_confirm": {
        "de": "Ja, das bisherige Geheimnis gilt sofort nicht mehr; der Empfänger braucht das neue.",
        "en": "Yes, the current secret stops at once; the receiver needs the new one.",
    },
    "invalid_name": {
        "de": "Bitte einen Namen (1 bis 200 Zeichen).",
        "en": "Please enter a name (1 to 200 characters).",
    },
    "invalid_metric": {"de": "Bitte eine Kennzahl wählen.", "en": "Please choose a metric."},
    "invalid_breakdown": {
        "de": "Bitte eine Aufschlüsselung und einen Wert aus Buchstaben, Ziffern, _ . : - angeben.",
        "en": "Please choose a breakdown and a value of letters, digits, _ . : -.",
    },
    "invalid_condition": {"de": "Bitte eine Bedingung wählen.", "en": "Please choose a condition."},
    "invalid_threshold": {
        "de": "Bitte eine Zahl; bei Prozent-Bedingungen größer als 0 und höchstens 1000.",
        "en": "Please enter a number; for percentage conditions above 0 and at most 1000.",
    },
    "invalid_window_days": {"de": "Bitte 1 bis 90 Tage.", "en": "Please enter 1 to 90 days."},
    "invalid_baseline_days": {"de": "Bitte 1 bis 365 Tage.", "en": "Please enter 1 to 365 days."},
    "invalid_min_samples": {"de": "Bitte 0 bis 100000.", "en": "Please enter 0 to 100000."},
    "invalid_url": {
        "de": "Diese Adresse ist nicht erlaubt (nur https an öffentliche Hosts): {error}",
        "en": "This URL is not allowed (https to public hosts only): {error}",
    },
    "limit_reached": {
        "de": "Die Höchstzahl an Regeln ist erreicht.",
        "en": "The tenant has the most rules allowed.",
    },
    "done_rule_created": {"de": "Die Regel ist angelegt.", "en": "The rule was created."},
    "done_rule_saved": {"de": "Die Regel ist gespeichert.", "en": "The rule was saved."},
    "done_rule_deleted": {"de": "Die Regel ist gelöscht.", "en": "The rule was deleted."},
    "done_webhook_saved": {"de": "Der Webhook ist gespeichert.", "en": "The webhook was saved."},
    "done_secret_rotated": {
        "de": "Das neue Geheimnis gilt ab sofort.",
        "en": "The new secret applies from now on.",
    },
    "scoped_alerts": {
        "de": "Warnregeln gelten für das ganze Konto; Ihr Konto ist auf Filialen beschränkt.",
        "en": "Alert rules belong to the whole account; your account is limited to some stores.",
    },
    # API keys
    "keys_title": {"de": "API-Schlüssel", "en": "API keys"},
    "keys": {"de": "Schlüssel", "en": "Keys"},
    "key_id": {"de": "ID", "en": "Id"},
    "kind": {"de": "Art", "en": "Kind"},
    "kind_write": {"de": "Schreiben (SDKs, Antworten)", "en": "Write (SDKs, answers)"},
    "kind_read": {"de": "Lesen (Kennzahlen, Kiosk)", "en": "Read (metrics, kiosk)"},
    "kind_admin": {"de": "Verwalten (alles)", "en": "Admin (everything)"},
    "created": {"de": "Angelegt", "en": "Created"},
    "last_used": {"de": "Zuletzt benutzt", "en": "Last used"},
    "not_recorded": {"de": "nicht erfasst", "en": "not recorded"},
    "state": {"de": "Status", "en": "State"},
    "active": {"de": "aktiv", "en": "active"},
    "revoked": {"de": "gesperrt", "en": "revoked"},
    "new_key": {"de": "Neuer Schlüssel", "en": "New key"},
    "invalid_kind": {"de": "Bitte eine Art wählen.", "en": "Please choose a kind."},
    "key_shown_once": {
        "de": "Dies ist der einzige Moment, in dem der Schlüssel zu sehen ist: Kopieren Sie ihn jetzt.",
        "en": "This is the only time the key is shown: copy it now.",
    },
    "the_key": {"de": "Der Schlüssel", "en": "The key"},
    "key_created": {"de": "Neuer Schlüssel angelegt", "en": "New key created"},
    "key_rotated": {
        "de": "Schlüssel ersetzt; der alte ({old}) ist gesperrt",
        "en": "Key replaced; the old one ({old}) is revoked",
    },
    "back_to_keys": {"de": "Zu allen Schlüsseln", "en": "Back to all keys"},
    "rotate_key": {"de": "Ersetzen (rotieren)", "en": "Replace (rotate)"},
    "rotate_key_confirm": {
        "de": "Ja, einen neuen Schlüssel dieser Art ausgeben und diesen sofort sperren.",
        "en": "Yes, issue a new key of this kind and revoke this one at once.",
    },
    "revoke_key": {"de": "Sperren", "en": "Revoke"},
    "revoke_key_confirm": {
        "de": "Ja, diesen Schlüssel sofort sperren; wer ihn benutzt, wird abgewiesen.",
        "en": "Yes, revoke this key at once; whoever uses it is refused.",
    },
    "key_is_revoked": {"de": "Dieser Schlüssel ist gesperrt.", "en": "This key is revoked."},
    "own_key": {
        "de": "Mit diesem Schlüssel ist diese Sitzung angemeldet; sperren Sie ihn mit einem anderen.",
        "en": "This request is signed in with this key; revoke it with another one.",
    },
    "done_revoked": {"de": "Der Schlüssel ist gesperrt.", "en": "The key is revoked."},
}


def texts(lang: Lang) -> dict[str, str]:
    """Every text of these consoles in one language."""
    return texts_in(TEXTS, lang)
