# C types for the build of detectors.py by Cython (an "augmenting" .pxd: build.py puts it beside a copy of the source).
# Only the helpers that take a compiled path of their own (`if COMPILED:`) are typed; the rest compiles untyped.
import cython
from cpython.unicode cimport PyUnicode_DATA, PyUnicode_KIND, PyUnicode_New, PyUnicode_WRITE

cdef const unsigned char* _CHAR_FLAGS_PTR

cdef const unsigned char* _FOLDED_PTR

@cython.locals(ch=Py_UCS4, code=Py_ssize_t, i=Py_ssize_t, run=Py_ssize_t, done=Py_ssize_t, pieces=list)
cdef str _fold_runs(str text)

@cython.locals(code=Py_ssize_t)
cdef bint _flag(Py_UCS4 ch, int bit)

cdef bint _compound_at(str text, Py_ssize_t start)

@cython.locals(i=Py_ssize_t, code=Py_ssize_t)
cdef bint _given_at(str text, Py_ssize_t start, Py_ssize_t end)

@cython.locals(start=Py_ssize_t, length=Py_ssize_t, three=bint, two=bint)
cpdef object name_before(str text, Py_ssize_t end)

@cython.locals(code=Py_ssize_t, last=Py_UCS4)
cpdef bint name_may_end_before(str text, Py_ssize_t end)

cpdef bint name_exact(str text, Py_ssize_t start, Py_ssize_t end)

@cython.locals(limit=Py_ssize_t, end=Py_ssize_t, given_from=Py_ssize_t, stop=Py_ssize_t)
cpdef object name_after(str text, Py_ssize_t start)

@cython.locals(i=Py_ssize_t, code=Py_ssize_t)
cdef bint _ascii_digits(str value, Py_ssize_t count)

@cython.locals(i=Py_ssize_t, number=cython.long)
cdef long _digits_value(str value, Py_ssize_t start, Py_ssize_t end)

@cython.locals(year=cython.long, month=cython.long, day=cython.long, remainder=cython.long, check=cython.long,
               i=Py_ssize_t, last=Py_UCS4)
cpdef bint id18_valid(str value)

@cython.locals(total=cython.long, n=Py_ssize_t, i=Py_ssize_t, digit=cython.long)
cpdef bint luhn_valid(str digits)

# Masks (engine.mask calls them in C)
@cython.locals(count=Py_ssize_t)
cpdef object mask_keep(object value, Py_ssize_t head, Py_ssize_t tail)
cpdef object mask_head(object value, Py_ssize_t keep)
cpdef object mask_all(object value)
cpdef object mask_email(object value)
cpdef object mask_ip(object value)
cpdef object mask_mobile(object value)

cdef int _ANY, _ALNUM, _NOT_SPACE, _DIGIT

cdef bint _counts(Py_UCS4 ch, int which) noexcept

@cython.locals(count=Py_ssize_t, ch=Py_UCS4)
cdef Py_ssize_t _count(str value, int which)

@cython.locals(count=Py_ssize_t, largest=Py_UCS4, rank=Py_ssize_t, ch=Py_UCS4, i=Py_ssize_t, width=int, data="void *")
cdef str _star_ranks(str value, Py_ssize_t lo, Py_ssize_t hi, int which)
