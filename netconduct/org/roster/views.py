def roster_upload(request):
    raise NotImplementedError


def roster_preview(request, token):
    raise NotImplementedError
