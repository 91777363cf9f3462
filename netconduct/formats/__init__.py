"""Date formats per language (FORMAT_MODULE_PATH); names a module leaves out come from Django's own locale formats.

Templates name a format (`|date:"DATE_FORMAT"`) instead of spelling one out, so a page in English shows
"5 Dec 2026" where the Chinese page shows "2026年12月5日". ISO forms (`Y-m-d`, `Y-m-d H:i`) read the same in both.
"""
