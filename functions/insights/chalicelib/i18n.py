"""Metric names in German and English, and a metric's value as the dashboard shows it.

The page texts are in `dashboard_texts`; languages, Accept-Language and the number, date and
money formats are `touchpoint.web.locale`'s.
"""

from __future__ import annotations

from touchpoint.web.locale import DEFAULT_CURRENCY, Lang, format_money, format_number, format_percent

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


def metric_label(lang: Lang, metric: str) -> str:
    """The display name of a metric."""
    de, en = METRIC_LABELS.get(metric, (metric, metric))
    return de if lang == "de" else en


def format_metric(lang: Lang, metric: str, value: float | None, currency: str = DEFAULT_CURRENCY) -> str:
    """A metric value as the dashboard shows it (percent for shares, money in `currency`)."""
    if value is None:
        return format_number(lang, None)
    if metric in _PERCENT_METRICS:
        return format_percent(lang, value, 1)
    if metric in _MONEY_METRICS:
        return format_money(lang, value, currency)
    if metric in _DECIMAL_METRICS:
        return format_number(lang, value, 2)
    if metric in ("nps", "nps_30d", "engagement_score"):
        return format_number(lang, value, 1)
    if float(value).is_integer():
        return format_number(lang, value, 0)
    return format_number(lang, value, 1)
