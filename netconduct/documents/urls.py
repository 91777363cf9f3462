from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("new/", views.document_create, name="create"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/edit/", views.document_edit, name="edit"),
    path("<int:pk>/norms/", views.norms_import, name="norms_import"),
    path("<int:pk>/issue/", views.document_issue, name="issue"),
    path("<int:pk>/new-version/", views.document_new_version, name="new_version"),
    path("<int:pk>/withdraw/", views.document_withdraw, name="withdraw"),
    path("<int:pk>/links/add/", views.document_add_link, name="add_link"),
    path("<int:pk>/files/add/", views.document_add_file, name="add_file"),
    path("<int:pk>/files/<int:file_pk>/", views.document_file, name="file"),
    path("<int:pk>/pdf/", views.document_pdf, name="pdf"),
    path("<int:pk>/docx/", views.document_docx, name="docx"),
]
