"""One label policy for every form of the site: labels carry no suffix. Django's default adds a colon to
each label, which doubled with the colons some templates wrote and looked out of place in stacked forms;
the stylesheet sets a label above or beside its field instead. Set once here (the form renderer's
BoundField), so no form or template chooses its own."""

from __future__ import annotations

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates


class PlainLabelBoundField(BoundField):
    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):
        # legend_tag() comes here too. A suffix asked for by a template call or a field still counts.
        if label_suffix is None:
            label_suffix = self.field.label_suffix if self.field.label_suffix is not None else ""
        return super().label_tag(contents, attrs, label_suffix, tag)


class FormRenderer(DjangoTemplates):
    bound_field_class = PlainLabelBoundField
