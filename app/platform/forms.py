"""The base of every form: Flask-WTF's, speaking the reader's language in the libraries' messages too.

Flask-WTF translates WTForms' own messages ("This field is required.", "Invalid email address.")
from the catalogs WTForms ships, which have Russian and English but no Kyrgyz: a Kyrgyz reader got
English errors under Kyrgyz labels. Here those messages come from Sabak's own catalogs, like every
other string, so ``make translations-check`` holds them to the same rule (all three languages).
``LIBRARY_MESSAGES`` marks them for extraction: the messages of WTForms 3.3 and Flask-WTF 1.3 that a
form can show (tests/integration/test_i18n.py checks the pinned versions still use these strings).
"""
from __future__ import annotations

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from flask_wtf import FlaskForm
from wtforms import DecimalField as _WTFormsDecimalField


class _SabakCatalog:
    """The ``gettext``/``ngettext`` pair WTForms asks of a form's translations."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


CATALOG = _SabakCatalog()


class Form(FlaskForm):
    """Every Sabak form: CSRF from Flask-WTF, messages from Sabak's catalogs."""

    class Meta:
        def get_translations(self, form):
            return CATALOG


class DecimalField(_WTFormsDecimalField):
    """WTForms' DecimalField, refusing what Python's Decimal reads but no form means: "NaN",
    "sNaN", "Infinity". Compared with a range, such a value raised instead of failing validation
    (a signalling NaN made the external-learning form a 500); here it is a field error."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


LIBRARY_MESSAGES = (
    # wtforms.validators
    _l("This field is required."),
    _l("Invalid input."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Invalid UUID."),
    _l("Invalid IP address."),
    _l("Invalid Mac address."),
    _l("Field must be equal to %(other_name)s."),
    _l("Invalid field name '%s'."),
    _ln("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1),
    _ln("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1),
    _ln("Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long.", 1),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Date must be at least %(min)s."),
    _l("Date must be at most %(max)s."),
    _l("Date must be between %(min)s and %(max)s."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Invalid value, can't be any of: %(values)s."),
    _l("This field cannot be edited."),
    _l("This field is disabled and cannot have a value."),
    # wtforms.fields
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Choices cannot be None."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    _ln("'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field.", 1),
    _l("Not a valid datetime value."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("Not a valid week value."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    # wtforms.csrf and flask_wtf.csrf
    _l("Invalid CSRF Token."),
    _l("CSRF token missing."),
    _l("CSRF failed."),
    _l("CSRF token expired."),
    # flask_wtf.file
    _l("File does not have an approved extension."),
    _l("File does not have an approved extension: {extensions}"),
)
