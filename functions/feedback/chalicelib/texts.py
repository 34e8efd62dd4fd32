"""The form's texts: they live with the shared respondent form (`touchpoint.respondent_form.texts`)."""

from touchpoint.respondent_form.texts import text

__all__ = ["text"]
