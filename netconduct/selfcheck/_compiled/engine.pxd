# C types for the build of engine.py by Cython (an "augmenting" .pxd: build.py puts it beside a copy of the source).
# Only the loops that take a compiled path of their own (`if COMPILED_SOURCE:`) and a few functions called for every
# text or finding are typed; the rest compiles untyped.
import cython

@cython.locals(j=Py_ssize_t, base=Py_ssize_t, following=Py_ssize_t, into=list, table="const unsigned char*",
               previous=cython.int, bits=cython.int, i=Py_ssize_t, ch=Py_UCS4, code=Py_ssize_t, start=Py_ssize_t)
cpdef dict _name_starts(object pattern, object flags, str joined, list bounds)

@cython.locals(j=Py_ssize_t, following=Py_ssize_t, lo=Py_ssize_t, count=Py_ssize_t, k=Py_ssize_t, end=Py_ssize_t)
cpdef dict _hit_spans(list hits, list bounds)

# People: offsets as C integers; the text an object in _people, where `"：" in t` on a typed str would be a loop of
# Cython's over the characters, each test over the whole text, and the str's own search (PyUnicode_Contains) is faster
# on a long one. (labels, titles and cues are lists or an empty tuple.)
@cython.locals(label_end=Py_ssize_t, title_start=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t, name_end=Py_ssize_t,
               pos=Py_ssize_t, size=Py_ssize_t, n=Py_ssize_t, people=list, known=list)
cpdef _people(object t, object labels, object titles, object cues, list out)
@cython.locals(start=Py_ssize_t, end=Py_ssize_t, n=Py_ssize_t, todo=list, found=list)
cpdef _name_lists(str t, list known, list people)

from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_INCREF

cdef extern from "Python.h":
    # What the descriptor of a slot (__slots__) knows: where the slot is in the object
    ctypedef struct PyMemberDef:
        Py_ssize_t offset
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member
    object PyType_GenericAlloc(PyTypeObject* type, Py_ssize_t nitems)

# Where Finding's seven slots are in a Finding, in the order of engine._SLOTS (set once, by _find_slots)
cdef Py_ssize_t _SLOT_OFFSETS[7]

cdef inline void _find_slots(object cls, tuple names) except *:
    cdef Py_ssize_t i
    assert len(names) == 7, names
    for i in range(7):
        descriptor = cls.__dict__[names[i]]
        assert type(descriptor).__name__ == "member_descriptor", descriptor  # a slot, not a property
        _SLOT_OFFSETS[i] = (<PyMemberDescrObject*>descriptor).d_member.offset

cdef inline void _store(object f, Py_ssize_t i, object value) noexcept:
    # Into a slot still empty (NULL) of an object just allocated: nothing to release
    Py_INCREF(value)
    (<PyObject**>((<char*><PyObject*>f) + _SLOT_OFFSETS[i]))[0] = <PyObject*>value

# What object.__new__(cls) does for a class such as Finding (its type's tp_alloc), then the seven slots stored
cdef inline object _new_finding(object cls, object kind, object start, object end, object masked, object reason,
                                object article, object severity):
    f = PyType_GenericAlloc(<PyTypeObject*>cls, 0)
    _store(f, 0, kind)
    _store(f, 1, start)
    _store(f, 2, end)
    _store(f, 3, masked)
    _store(f, 4, reason)
    _store(f, 5, article)
    _store(f, 6, severity)
    return f

# The compiled detectors: their functions declared in detectors.pxd are called in C (d.mask_keep, d.name_before …);
# the rest of the module as in Python
from netconduct.selfcheck._compiled cimport detectors as d

# Called from within the module: C calls instead of Python ones
cpdef object _finding(object kind, object start, object end, object masked, object reason, object article,
                      object severity)
cpdef list _resolve(object text, list found)
cpdef object mask(object kind, object value, Py_ssize_t extra=*)
