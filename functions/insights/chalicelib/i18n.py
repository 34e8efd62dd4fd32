"""German and English labels of the dashboard, and number / date formatting per language."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Literal

Lang = Literal["de", "en"]
LANGS: tuple[Lang, ...] = ("de", "en")
DEFAULT_LANG: Lang = "de"

METRIC_LABELS: dict[str, tuple[str, str]] = {
    # metric: (de, en)
    "sessions": ("Sitzungen", "Sessions"),
    "pages_per_session": ("Seiten pro Sitzung", "Pages per session"),
    "avg_session_duration_s": ("Ø Sitzungsdauer (s)", "Avg. session duration (s)"),
    "engaged_sessions": ("Aktive Sitzungen", "Engaged sessions"),
    "engagement_rate": ("Engagement-Rate", "Engagement rate"),
    "bounce_rate": ("Absprungrate", "Bounce rate"),
    "conversion_rate": ("Konversionsrate", "Conversion rate"),
    "dau": ("Täglich aktive Personen", "Daily active people"),
    "wau": ("Wöchentlich aktive Personen", "Weekly active people"),
    "mau": ("Monatlich aktive Personen", "Monthly active people"),
    "stickiness": ("Stickiness (DAU/MAU)", "Stickiness (DAU/MAU)"),
    "referral_sessions": ("Sitzungen über Verweise", "Referral sessions"),
    "social_engagement": ("Social-Interaktionen", "Social engagement"),
    "follower_growth_rate": ("Follower-Wachstum", "Follower growth"),
    "interactions_per_session": ("Interaktionen pro Sitzung", "Interactions per session"),
    "visit_frequency_30d": ("Besuchshäufigkeit (30 T.)", "Visit frequency (30 d)"),
    "nps": ("NPS", "NPS"),
    "nps_30d": ("NPS (30 Tage)", "NPS (30 days)"),
    "responses": ("Antworten", "Responses"),
    "csat": ("CSAT", "CSAT"),
    "csat_satisfied_rate": ("Anteil Zufriedene", "Satisfied share"),
    "ces": ("CES (Aufwand)", "CES (effort)"),
    "ticket_volume": ("Support-Tickets", "Support tickets"),
    "comment_count": ("Kommentare", "Comments"),
    "negative_comment_share": ("Anteil negativer Kommentare", "Negative comment share"),
    "reviews": ("Bewertungen", "Reviews"),
    "avg_review_rating": ("Ø Bewertung", "Avg. review rating"),
    "negative_review_share": ("Anteil negativer Bewertungen", "Negative review share"),
    "orders": ("Bestellungen", "Orders"),
    "revenue": ("Umsatz", "Revenue"),
    "avg_order_value": ("Ø Bestellwert", "Avg. order value"),
    "purchasers": ("Käufer", "Purchasers"),
    "purchase_frequency_30d": ("Kaufhäufigkeit (30 T.)", "Purchase frequency (30 d)"),
    "top_products": ("Top-Produkte", "Top products"),
    "retention_rate_30d": ("Bindungsrate (30 T.)", "Retention rate (30 d)"),
    "churn_rate_30d": ("Abwanderungsrate (30 T.)", "Churn rate (30 d)"),
    "purchaser_retention_30d": ("Käuferbindung (30 T.)", "Purchaser retention (30 d)"),
    "clv": ("Kundenwert (CLV)", "Customer lifetime value"),
    "historic_clv": ("Bisheriger Kundenwert", "Historic CLV"),
    "foot_traffic": ("Besucherfrequenz", "Foot traffic"),
    "store_conversion_rate": ("Kaufquote im Laden", "Store conversion rate"),
    "loyalty_signups": ("Neue Bonusmitglieder", "Loyalty sign-ups"),
    "points_earned": ("Gesammelte Punkte", "Points earned"),
    "points_redeemed": ("Eingelöste Punkte", "Points redeemed"),
    "redemption_rate": ("Einlösequote", "Redemption rate"),
    "active_loyalty_members": ("Aktive Bonusmitglieder", "Active loyalty members"),
    "event_attendance_rate": ("Teilnahmequote Events", "Event attendance rate"),
    "staff_interactions": ("Beratungen", "Staff interactions"),
    "product_interactions": ("Produktinteraktionen", "Product interactions"),
    "referrals_sent": ("Empfehlungen", "Referrals sent"),
    "referral_conversion_rate": ("Empfehlungsquote", "Referral conversion rate"),
    "engagement_score": ("Engagement-Score", "Engagement score"),
    "at_risk": ("Gefährdete Kunden", "People at risk"),
    "north_star": ("Nordstern", "North star"),
}

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Touchpoint Dashboard", "Touchpoint dashboard"),
    "login_title": ("Anmelden", "Sign in"),
    "login_intro": (
        "Melden Sie sich mit dem Lese-Schlüssel Ihres Mandanten an (tpr_…).",
        "Sign in with your tenant's read key (tpr_…).",
    ),
    "login_key": ("Lese-Schlüssel", "Read key"),
    "login_submit": ("Anmelden", "Sign in"),
    "login_failed": ("Dieser Schlüssel ist unbekannt oder gesperrt.", "This key is unknown or revoked."),
    "login_not_read": (
        "Bitte mit einem Lese-Schlüssel (tpr_…) anmelden, nicht mit einem {kind}-Schlüssel.",
        "Please sign in with a read key (tpr_…), not a {kind} key.",
    ),
    "login_malformed": ("Das ist kein Touchpoint-Schlüssel.", "That is not a Touchpoint key."),
    "session_expired": (
        "Ihre Sitzung ist abgelaufen. Bitte erneut anmelden.",
        "Your session has expired. Please sign in again.",
    ),
    "logout": ("Abmelden", "Sign out"),
    "period": ("Zeitraum", "Period"),
    "days": ("{n} Tage", "{n} days"),
    "vs_previous": ("ggü. Vorperiode", "vs. previous period"),
    "north_star": ("Nordstern-Metrik", "North star metric"),
    "no_data": ("Keine Daten im Zeitraum", "No data in this period"),
    "group_digital": ("Digital", "Digital"),
    "group_feedback": ("Feedback", "Feedback"),
    "group_commerce": ("Handel", "Commerce"),
    "group_retention": ("Kundenbindung", "Retention"),
    "group_in_store": ("Im Laden", "In store"),
    "group_composite": ("Engagement", "Engagement"),
    "nps_split": ("NPS: Promotoren, Passive, Kritiker", "NPS: promoters, passives, detractors"),
    "promoters": ("Promotoren", "Promoters"),
    "passives": ("Passive", "Passives"),
    "detractors": ("Kritiker", "Detractors"),
    "csat_by_channel": ("CSAT nach Kanal", "CSAT by channel"),
    "tickets_by_channel": ("Support-Tickets nach Kanal", "Support tickets by channel"),
    "csat_by_store": ("CSAT nach Filiale", "CSAT by store"),
    "stores": ("Filialvergleich", "Store comparison"),
    "store": ("Filiale", "Store"),
    "lowest_csat": ("Niedrigste CSAT-Tage – Kommentare ansehen", "Lowest CSAT days – see the comments"),
    "score_distribution": ("Verteilung des Engagement-Scores", "Engagement score distribution"),
    "score_people": ("{n} Personen bewertet, Mittelwert {mean}", "{n} people scored, mean {mean}"),
    "decile": ("Dezil", "Decile"),
    "alerts": ("Alarme", "Alerts"),
    "no_alerts": ("Keine Alarme im Zeitraum.", "No alerts in this period."),
    "delivery_failed": ("Zustellung fehlgeschlagen", "Delivery failed"),
    "delivery_delivered": ("zugestellt", "delivered"),
    "delivery_pending": ("ausstehend", "pending"),
    "delivery_skipped": ("kein Ziel", "no outlet"),
    "comments_title": ("Kommentare hinter der Zahl", "The comments behind the number"),
    "comments_none": ("Keine Kommentare für diese Auswahl.", "No comments for this selection."),
    "comments_total": ("{n} Kommentare", "{n} comments"),
    "theme": ("Thema", "Theme"),
    "other_theme": ("(ohne Schlüsselbegriff)", "(no key phrase)"),
    "back": ("Zurück zum Dashboard", "Back to the dashboard"),
    "negative": ("negativ", "negative"),
    "neutral": ("neutral", "neutral"),
    "positive": ("positiv", "positive"),
    "mixed": ("gemischt", "mixed"),
    "channel": ("Kanal", "Channel"),
    "date": ("Datum", "Date"),
    "value": ("Wert", "Value"),
    "all": ("alle", "all"),
    "download_csv": ("CSV herunterladen", "Download CSV"),
    "error_title": ("Fehler", "Error"),
    "mean": ("Mittelwert", "mean"),
}

_PERCENT_METRICS = frozenset(
    {
        "engagement_rate",
        "bounce_rate",
        "conversion_rate",
        "stickiness",
        "follower_growth_rate",
        "csat_satisfied_rate",
        "negative_comment_share",
        "negative_review_share",
        "retention_rate_30d",
        "churn_rate_30d",
        "purchaser_retention_30d",
        "store_conversion_rate",
        "redemption_rate",
        "event_attendance_rate",
        "referral_conversion_rate",
    }
)
_MONEY_METRICS = frozenset({"revenue", "avg_order_value", "clv", "historic_clv"})
_DECIMAL_METRICS = frozenset(
    {
        "csat",
        "ces",
        "avg_review_rating",
        "pages_per_session",
        "interactions_per_session",
        "visit_frequency_30d",
        "purchase_frequency_30d",
    }
)


def pick_lang(query: Mapping[str, str] | None, cookie_lang: str | None, accept_language: str | None) -> Lang:
    """The page language: `?lang=`, then the `tp_lang` cookie, then Accept-Language, else German."""
    for candidate in ((query or {}).get("lang"), cookie_lang):
        if candidate in LANGS:
            return "de" if candidate == "de" else "en"
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGS:
            return "de" if code == "de" else "en"
    return DEFAULT_LANG


def t(lang: Lang, key: str, **values: object) -> str:
    """The label `key` in `lang`, with `{name}` placeholders filled."""
    de, en = TEXTS[key]
    text = de if lang == "de" else en
    return text.format(**values) if values else text


def metric_label(lang: Lang, metric: str) -> str:
    """The display name of a metric."""
    de, en = METRIC_LABELS.get(metric, (metric, metric))
    return de if lang == "de" else en


def _group(number: str, lang: Lang) -> str:
    if lang == "de":
        return number.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return number


def format_number(lang: Lang, value: float | None, decimals: int = 0) -> str:
    """`1.234,5` in German, `1,234.5` in English; `–` for no value."""
    if value is None:
        return "–"
    return _group(f"{value:,.{decimals}f}", lang)


def format_metric(lang: Lang, metric: str, value: float | None) -> str:
    """A metric value as the dashboard shows it (percent for shares, € for money)."""
    if value is None:
        return "–"
    if metric in _PERCENT_METRICS:
        return format_number(lang, value * 100, 1) + " %"
    if metric in _MONEY_METRICS:
        return format_number(lang, value, 2) + " €"
    if metric in _DECIMAL_METRICS:
        return format_number(lang, value, 2)
    if metric in ("nps", "nps_30d", "engagement_score"):
        return format_number(lang, value, 1)
    if float(value).is_integer():
        return format_number(lang, value, 0)
    return format_number(lang, value, 1)


def format_change(lang: Lang, change_pct: float | None) -> str:
    """`+12,3 %` / `−4.0 %`, or `–`."""
    if change_pct is None:
        return "–"
    sign = "+" if change_pct >= 0 else "−"
    return f"{sign}{format_number(lang, abs(change_pct), 1)} %"


def format_day(lang: Lang, day: date) -> str:
    """`31.05.` / `05-31` (short axis labels)."""
    return f"{day.day:02d}.{day.month:02d}." if lang == "de" else f"{day.month:02d}-{day.day:02d}"


def format_date(lang: Lang, day: date) -> str:
    """`31.05.2024` / `2024-05-31`."""
    return f"{day.day:02d}.{day.month:02d}.{day.year}" if lang == "de" else day.isoformat()


def is_percent(metric: str) -> bool:
    """True when the metric is a share shown in percent."""
    return metric in _PERCENT_METRICS
