"""The C allocator's settings and housekeeping (glibc; elsewhere these do nothing)."""
import ctypes
import ctypes.util

M_ARENA_MAX = -8  # mallopt parameter number, from glibc's malloc.h


def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


_LIBC = _libc()


def return_freed_memory() -> None:
    """Give the heap pages freed since the last call back to the system.

    glibc keeps freed pages for reuse; when large structures are rebuilt and freed over and
    over (a searcher's caches, an indexer's batches), with other allocations interleaved, a
    process's resident memory creeps up unless it is trimmed.
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Let at most `arenas` malloc arenas serve all threads; call before the threads start.

    glibc gives threads that allocate at the same time arenas of their own, up to eight per
    core, and an arena keeps the memory freed in it for its own later use: a process of many
    mostly idle threads (the background worker's tasks) then holds a reserve in each of them.
    Python's small objects come from its own allocator, so threads rarely wait on an arena.
    """
    if _LIBC is not None:
        _LIBC.mallopt(M_ARENA_MAX, arenas)
