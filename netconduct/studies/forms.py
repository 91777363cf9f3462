"""Forms of the study-session pages. They shape input; the rules live in session_services."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from netconduct.campaigns.models import Campaign
from netconduct.core.forms import Form
from netconduct.documents.models import Document
from netconduct.org.forms import UnitChoiceField
from netconduct.org.models import OrgUnit, Person

from . import selectors
from .choices import SessionForm, SessionStatus
from .models import StudySession
from .services import Decision

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.choice_label


class DocumentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class StudySessionForm(Form):
    form = forms.ChoiceField(label=_("形式"), choices=[("", _("—— 请选择 ——")), *SessionForm.choices])
    is_special_study = forms.BooleanField(
        label=_("这是网络行为规范专题学习（审核通过后计入年度专题学习）"), required=False, initial=False
    )
    topic = forms.CharField(
        label=_("主题"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：学习《党员干部网络行为规范》")}),
    )
    starts_at = forms.DateTimeField(
        label=_("时间"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    host = PersonChoiceField(label=_("主持人"), queryset=Person.objects.none(), required=False)
    recorder = PersonChoiceField(label=_("记录人"), queryset=Person.objects.none(), required=False)
    documents = DocumentChoiceField(
        label=_("学习文件"),
        queryset=Document.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    campaign = forms.ModelChoiceField(
        label=_("所属宣贯活动"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("（不属于宣贯活动）"),
        help_text=_("选择后，本次学习的出席人员计入该活动的“参加学习”。"),
    )
    minutes = forms.CharField(
        label=_("会议记录"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": _("学习内容、发言要点、下一步要求……")}),
    )

    def __init__(self, *args, unit: OrgUnit, session: StudySession | None = None, **kwargs) -> None:
        if session is not None:
            kwargs.setdefault("initial", {}).update(
                {
                    "form": session.form,
                    "is_special_study": session.is_special_study,
                    "topic": session.topic,
                    "starts_at": session.starts_at,
                    "place": session.place,
                    "host": session.host_id,
                    "recorder": session.recorder_id,
                    "documents": [d.pk for d in session.documents.all()],
                    "campaign": session.campaign_id,
                    "minutes": session.minutes,
                }
            )
        else:
            kwargs.setdefault("initial", {}).setdefault(
                "starts_at", timezone.localtime().replace(second=0, microsecond=0)
            )
        super().__init__(*args, **kwargs)
        roster = selectors.unit_roster(unit)
        self.fields["host"].queryset = roster
        self.fields["recorder"].queryset = roster
        self.fields["documents"].queryset = selectors.documents_for_unit(unit)
        self.fields["campaign"].queryset = selectors.campaigns_for_unit(unit)
        if session is not None and session.campaign_id:  # keep a campaign chosen before it closed
            self.fields["campaign"].queryset = (
                Campaign.objects.filter(pk=session.campaign_id) | self.fields["campaign"].queryset
            )
        for name in ("host", "recorder"):
            self.fields[name].empty_label = _("—— 请选择 ——")

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,.pdf"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class EvidenceForm(Form):
    files = MultipleFileField(
        label=_("照片、截图或扫描件"),
        help_text=_("可一次选择多个文件；支持 JPG、PNG、WebP 图片和 PDF，每个不超过 %(mb)s MB。"),
    )

    def __init__(self, *args, max_mb: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = self.fields["files"].help_text % {"mb": max_mb}


class ReviewForm(Form):
    decision = forms.ChoiceField(label=_("审核结果"), choices=Decision.CHOICES, widget=forms.RadioSelect)
    opinion = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("退回时必填：需要补充或更正的内容")}),
    )


def year_choices() -> list[tuple[str, str]]:
    this = timezone.localdate().year
    return [(str(y), f"{y}年") for y in range(this + 1, 2017, -1)]


class SessionFilterForm(Form):
    unit = UnitChoiceField(
        label=_("组织"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("全部组织")
    )
    year = forms.TypedChoiceField(label=_("年度"), choices=(), coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部状态")), *SessionStatus.choices], required=False
    )

    def __init__(self, *args, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["year"].choices = [("", _("全部年度")), *year_choices()]


class YearForm(Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
