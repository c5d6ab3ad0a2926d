from django.http import HttpResponse


def roster_import(request):
    return HttpResponse("")


def credential_sheet(request, pk):
    return HttpResponse("")
