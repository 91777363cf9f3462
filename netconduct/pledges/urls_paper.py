"""URLs of the paper path and tracking; included in the "pledges" namespace by urls.py."""

from django.urls import path

from . import paper_views

urlpatterns: list = [
    path("campaigns/", paper_views.campaigns, name="campaigns"),
    path("campaigns/<int:campaign_pk>/", paper_views.tracking_detail, name="tracking"),
    path("campaigns/<int:campaign_pk>/print/", paper_views.paper_print, name="paper_print"),
    path("campaigns/<int:campaign_pk>/scans/new/", paper_views.scan_upload, name="scan_upload"),
    path("campaigns/<int:campaign_pk>/export.xlsx", paper_views.tracking_export, name="tracking_export"),
    path("campaigns/<int:campaign_pk>/archive.zip", paper_views.archive_zip, name="archive_zip"),
    path("scans/<int:pk>/", paper_views.scan_detail, name="scan_detail"),
    path("scans/pages/<int:pk>/image.jpg", paper_views.scan_page_image, name="scan_page_image"),
    path("scans/pages/<int:pk>/assign/", paper_views.scan_page_assign, name="scan_page_assign"),
    path("scans/pages/<int:pk>/ignore/", paper_views.scan_page_ignore, name="scan_page_ignore"),
]
