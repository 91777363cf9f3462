"""Pledges (承诺书): one per person and campaign, signed online or on paper, archived as a sealed PDF.

A pledge row exists from the moment it is signed online, or from the moment its paper form is printed (status
PRINTED, so the printed code identifies it before anyone has signed). The archive copy is written once, under a name
derived from the verification code, and its SHA-256 is kept here; the signer downloads the very same bytes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import PaperCopy, PledgeMethod, PledgeStatus, ScanPageStatus, SignatureKind


class Pledge(models.Model):
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="pledges")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="pledges")
    # The person's unit when the pledge was printed or signed: the pledge is archived by that branch.
    unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey("documents.Document", on_delete=models.PROTECT, related_name="+")
    norms = models.ForeignKey(
        "documents.Document", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    year = models.PositiveSmallIntegerField(_("有效年度"))
    # The campaign's pledge round it was made in (Campaign.pledge_round): a new version of the norms opens a new
    # round, and only the current round's pledges count for the campaign; earlier ones stay valid for their version.
    round = models.PositiveSmallIntegerField(_("承诺书轮次"), default=1)
    code = models.CharField(_("验证码"), max_length=16, unique=True)
    status = models.CharField(max_length=10, choices=PledgeStatus.choices, default=PledgeStatus.PRINTED)
    method = models.CharField(max_length=10, choices=PledgeMethod.choices, blank=True)

    # What was signed: the exact text with the filled fields, and its SHA-256.
    unit_label = models.CharField(_("承诺人单位"), max_length=200)
    text = models.TextField(blank=True)
    text_sha256 = models.CharField(max_length=64, blank=True)

    signed_at = models.DateTimeField(null=True, blank=True)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    auth_method = models.CharField(_("认证方式"), max_length=100, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    signature_kind = models.CharField(max_length=10, choices=SignatureKind.choices, blank=True)
    signature_png = models.BinaryField(null=True, blank=True)
    typed_name = models.CharField(max_length=50, blank=True)
    quiz_passed_at = models.DateTimeField(null=True, blank=True)

    # Paper: who recorded it and from which scanned page.
    printed_at = models.DateTimeField(null=True, blank=True)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # The sealed archive copy (write-once).
    pdf_name = models.CharField(max_length=200, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    sealed_at = models.DateTimeField(null=True, blank=True)
    # Sealing needs a trusted timestamp: while the TSA cannot give one, the pledge waits (等待可信时间戳) and is
    # tried again later; never sealed without.
    seal_waiting_since = models.DateTimeField(null=True, blank=True)
    seal_attempts = models.PositiveIntegerField(default=0)
    seal_note = models.CharField(max_length=200, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "person", "round"], name="pledge_one_per_person_campaign_round"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.person.name}的承诺书（{self.year}年度）"

    @property
    def is_signed(self) -> bool:
        return self.status == PledgeStatus.SIGNED

    @property
    def is_sealed(self) -> bool:
        return bool(self.pdf_name)

    @property
    def is_waiting_for_timestamp(self) -> bool:
        return not self.pdf_name and self.seal_waiting_since is not None

    @property
    def code_display(self) -> str:
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


class QuizQuestion(models.Model):
    """A question asked before signing, set per campaign; a campaign with questions has a quiz."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="quiz_questions"
    )
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("题目"), max_length=300)
    options = models.JSONField(_("选项"), default=list)
    correct = models.PositiveSmallIntegerField(_("正确选项"))
    citation = models.CharField(_("依据条款"), max_length=50, blank=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class ScanUpload(models.Model):
    """A batch of scanned paper pledges (a multi-page PDF and/or phone photos) uploaded by a secretary for a unit.

    Each page becomes a ScanPage with its own image; the signing date is the one the secretary gave for the batch.
    """

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="pledge_scans")
    unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    signed_on = models.DateField(_("签订日期"))
    original_names = models.JSONField(default=list)
    page_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["campaign", "unit"], name="scanupload_campaign_unit_idx")]

    def __str__(self) -> str:
        return f"扫描件 {self.uploaded_at:%Y-%m-%d %H:%M}（{self.page_count}页）"


class ScanPage(models.Model):
    """One scanned page: its image, what its QR code said, and the pledge it was matched or assigned to."""

    upload = models.ForeignKey(ScanUpload, on_delete=models.CASCADE, related_name="pages")
    index = models.PositiveIntegerField()  # 1-based, in upload order
    source = models.CharField(max_length=200, blank=True)  # "扫描.pdf 第3页" or the photo's file name
    image_name = models.CharField(max_length=200)  # a JPEG of the page under the media root
    image_sha256 = models.CharField(max_length=64, blank=True)
    code_read = models.CharField(max_length=40, blank=True)  # the code the QR carried, if one was read
    copy = models.CharField(max_length=1, choices=PaperCopy.choices, blank=True)
    status = models.CharField(max_length=10, choices=ScanPageStatus.choices, default=ScanPageStatus.UNMATCHED)
    note = models.CharField(max_length=200, blank=True)  # why a page is unmatched or ignored, in words
    pledge = models.ForeignKey(
        Pledge, on_delete=models.PROTECT, null=True, blank=True, related_name="scan_pages"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["upload", "index"]
        constraints = [
            models.UniqueConstraint(fields=["upload", "index"], name="scan_page_index_unique"),
            models.CheckConstraint(
                condition=~models.Q(status__in=[ScanPageStatus.MATCHED, ScanPageStatus.ASSIGNED])
                | models.Q(pledge__isnull=False),
                name="scan_page_matched_has_pledge",
            ),
        ]

    def __str__(self) -> str:
        return f"第{self.index}页"
