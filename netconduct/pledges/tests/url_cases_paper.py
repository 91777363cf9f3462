from netconduct.core.url_matrix import UrlCase

CASES: list[UrlCase] = []
