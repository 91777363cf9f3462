# C types for the build of engine.py by Cython (an "augmenting" .pxd: build.py puts it beside a copy of the source).
# Only the loops that take a compiled path of their own (`if COMPILED_SOURCE:`) are typed; the rest compiles untyped.
import cython

@cython.locals(j=Py_ssize_t, base=Py_ssize_t, following=Py_ssize_t, into=list, table="const unsigned char*",
               previous=cython.int, bits=cython.int, i=Py_ssize_t, ch=Py_UCS4, code=Py_ssize_t, start=Py_ssize_t)
cpdef dict _name_starts(object pattern, object flags, str joined, list bounds)

@cython.locals(j=Py_ssize_t, following=Py_ssize_t, lo=Py_ssize_t, count=Py_ssize_t, k=Py_ssize_t, end=Py_ssize_t)
cpdef dict _hit_spans(list hits, list bounds)

from cpython.object cimport PyObject_GenericSetAttr

# The compiled detectors: their functions declared in detectors.pxd are called in C (d.mask_keep, d.name_before …);
# the rest of the module as in Python
from netconduct.selfcheck._compiled cimport detectors as d

# Called from within the module: C calls instead of Python ones
cpdef object _finding(object kind, object start, object end, object masked, object reason, object article,
                      object severity)
cpdef list _resolve(object text, list found)
cpdef object mask(object kind, object value, Py_ssize_t extra=*)
