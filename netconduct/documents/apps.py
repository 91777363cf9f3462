from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "netconduct.documents"
    label = "documents"
    verbose_name = "文件与规范"
