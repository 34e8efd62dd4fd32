"""German and English texts of the settings and rollups console pages."""

from __future__ import annotations

from touchpoint.web.locale import Lang, texts_in

TEXTS: dict[str, dict[Lang, str]] = {
    "settings_title": {"de": "Einstellungen", "en": "Settings"},
    "rollups_title": {"de": "Tagesläufe", "en": "Daily rollups"},
    "save": {"de": "Speichern", "en": "Save"},
    "form_problem": {
        "de": "Bitte prüfen Sie die markierten Felder; nichts wurde gespeichert.",
        "en": "Please check the marked fields; nothing was saved.",
    },
    "conflict": {
        "de": "Die Einstellungen wurden inzwischen geändert. Hier sind die aktuellen Werte; bitte ändern Sie sie erneut.",
        "en": "The settings were changed meanwhile. These are the current values; please make your change again.",
    },
    "done_settings_saved": {
        "de": "Gespeichert. Die Änderung gilt ab dem nächsten Tageslauf.",
        "en": "Saved. The change takes effect at the next daily rollup.",
    },
    "done_backfill": {
        "de": "Die Tage sind zur Neuberechnung vorgemerkt; sie laufen innerhalb der nächsten Stunde.",
        "en": "The days are marked for recomputation; they run within the next hour.",
    },
    "done_rerun": {
        "de": "Der Tag ist zur Neuberechnung vorgemerkt; er läuft innerhalb der nächsten Stunde.",
        "en": "The day is marked for recomputation; it runs within the next hour.",
    },
    "effect_hint": {
        "de": "Änderungen gelten ab dem nächsten Tageslauf; bereits berechnete Tage ändern sich erst, "
        "wenn sie neu berechnet werden (Tagesläufe).",
        "en": "Changes take effect at the next daily rollup; days already computed change only once they "
        "are recomputed (daily rollups).",
    },
    "general": {"de": "Allgemein", "en": "General"},
    "measurement": {"de": "Messung", "en": "Measurement"},
    "retention": {"de": "Aufbewahrung", "en": "Retention"},
    "name": {"de": "Name der Marke", "en": "Brand name"},
    "timezone": {"de": "Zeitzone (IANA, z. B. Europe/Berlin)", "en": "Time zone (IANA, e.g. Europe/Berlin)"},
    "currency": {"de": "Währung (ISO 4217, z. B. EUR)", "en": "Currency (ISO 4217, e.g. EUR)"},
    "north_star": {"de": "Nordstern-Kennzahl", "en": "North star metric"},
    "conversion_events": {
        "de": "Konversions-Ereignisse (eines pro Zeile)",
        "en": "Conversion events (one per line)",
    },
    "gross_margin": {"de": "Bruttomarge (0 bis 1, z. B. 0.4)", "en": "Gross margin (0 to 1, e.g. 0.4)"},
    "engagement_weights": {"de": "Gewichte des Engagement-Scores", "en": "Engagement score weights"},
    "weight_recency": {"de": "Aktualität", "en": "Recency"},
    "weight_frequency": {"de": "Häufigkeit", "en": "Frequency"},
    "weight_monetary": {"de": "Umsatz", "en": "Monetary value"},
    "weight_breadth": {"de": "Breite", "en": "Breadth"},
    "weight_feedback": {"de": "Feedback", "en": "Feedback"},
    "retention_days_events": {"de": "Ereignisse (Tage, 1 bis 395)", "en": "Events (days, 1 to 395)"},
    "retention_days_responses": {"de": "Antworten (Tage, 1 bis 730)", "en": "Answers (days, 1 to 730)"},
    "retention_days_comments": {
        "de": "Kommentartexte (Tage; leer: so lange wie die Antwort)",
        "en": "Comment texts (days; empty: as long as the answer)",
    },
    "invalid": {"de": "Dieser Wert ist ungültig.", "en": "This value is not valid."},
    "invalid_name": {
        "de": "Bitte einen Namen angeben (bis 200 Zeichen).",
        "en": "Please give a name (up to 200 characters).",
    },
    "invalid_timezone": {"de": "Unbekannte Zeitzone.", "en": "Unknown time zone."},
    "invalid_currency": {"de": "Drei Großbuchstaben, z. B. EUR.", "en": "Three capital letters, e.g. EUR."},
    "invalid_north_star": {"de": "Bitte eine Kennzahl wählen.", "en": "Please choose a metric."},
    "invalid_conversion_events": {
        "de": "Bis 50 verschiedene Namen, je bis 200 Zeichen.",
        "en": "Up to 50 different names of up to 200 characters each.",
    },
    "invalid_gross_margin": {
        "de": "Eine Zahl über 0 und höchstens 1.",
        "en": "A number above 0 and at most 1.",
    },
    "invalid_engagement_weights": {"de": "Eine Zahl ab 0.", "en": "A number of 0 or more."},
    "invalid_retention_days_events": {
        "de": "Eine ganze Zahl von 1 bis 395.",
        "en": "A whole number from 1 to 395.",
    },
    "invalid_retention_days_responses": {
        "de": "Eine ganze Zahl von 1 bis 730.",
        "en": "A whole number from 1 to 730.",
    },
    "invalid_retention_days_comments": {
        "de": "Eine ganze Zahl ab 1, höchstens so lang wie die Antworten.",
        "en": "A whole number of 1 or more, at most as long as the answers.",
    },
    # rollups
    "rollups_hint": {
        "de": "Jeder Tag wird nachts um 2 Uhr Ortszeit berechnet; vorgemerkte Tage laufen innerhalb der nächsten Stunde.",
        "en": "Each day is computed at 02:00 local time; marked days run within the next hour.",
    },
    "from": {"de": "Von", "en": "From"},
    "to": {"de": "Bis", "en": "To"},
    "show": {"de": "Anzeigen", "en": "Show"},
    "day": {"de": "Tag", "en": "Day"},
    "state": {"de": "Stand", "en": "State"},
    "rolled_up_at": {"de": "Zuletzt berechnet (UTC)", "en": "Last computed (UTC)"},
    "rerun": {"de": "Neu berechnen", "en": "Re-run"},
    "backfill": {"de": "Zeitraum neu berechnen", "en": "Recompute a period"},
    "backfill_hint": {
        "de": "Nach einer Änderung der Einstellungen: bis zu 400 Tage auf einmal.",
        "en": "After a change of the settings: up to 400 days at once.",
    },
    "state_done": {"de": "fertig", "en": "done"},
    "state_dirty": {"de": "vorgemerkt", "en": "marked"},
    "state_running": {"de": "läuft", "en": "running"},
    "state_failed": {"de": "fehlgeschlagen", "en": "failed"},
    "state_never": {"de": "nie berechnet", "en": "never computed"},
}


def texts(lang: Lang) -> dict[str, str]:
    """Every text in one language."""
    return texts_in(TEXTS, lang)
