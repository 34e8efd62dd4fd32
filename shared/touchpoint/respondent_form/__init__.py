"""The respondent's survey form, one renderer for every page that shows it.

The QR form (feedback function) serves it to customers and the console's survey preview
(surveys function) shows the very same HTML: templates, texts, field names and the reading of a
posted form live here so that both cannot drift apart.
"""
