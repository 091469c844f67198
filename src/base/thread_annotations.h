// Clang's thread-safety annotations (-Wthread-safety): which mutex guards which member, which
// functions expect it held. Under clang they are attributes the analysis checks; under gcc they
// expand to nothing. `scripts/check-threads.sh` (`make check-threads`) runs the analysis.
//
// std::mutex carries no annotations in libstdc++, so guard members with base::Mutex
// (base/mutex.h), which does.
#pragma once

#if defined(__clang__)
#define SPOKE_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define SPOKE_THREAD_ANNOTATION_(x)
#endif

// A type that is a lock ("mutex"); a RAII type that holds one for its lifetime.
#define CAPABILITY(x) SPOKE_THREAD_ANNOTATION_(capability(x))
#define SCOPED_CAPABILITY SPOKE_THREAD_ANNOTATION_(scoped_lockable)

// A member read or written only with the mutex held; a pointer whose pointee is.
#define GUARDED_BY(x) SPOKE_THREAD_ANNOTATION_(guarded_by(x))
#define PT_GUARDED_BY(x) SPOKE_THREAD_ANNOTATION_(pt_guarded_by(x))

// Lock ordering (checked only with -Wthread-safety-beta).
#define ACQUIRED_BEFORE(...) SPOKE_THREAD_ANNOTATION_(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) SPOKE_THREAD_ANNOTATION_(acquired_after(__VA_ARGS__))

// The caller must hold the mutex (exclusively / at least shared), or must not hold it.
#define REQUIRES(...) SPOKE_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) SPOKE_THREAD_ANNOTATION_(requires_shared_capability(__VA_ARGS__))
#define EXCLUDES(...) SPOKE_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))

// The function takes or gives back the mutex (no argument: `this`, for the lock type itself).
#define ACQUIRE(...) SPOKE_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) SPOKE_THREAD_ANNOTATION_(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) SPOKE_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) SPOKE_THREAD_ANNOTATION_(release_shared_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) SPOKE_THREAD_ANNOTATION_(try_acquire_capability(__VA_ARGS__))

// The function checks at run time that the mutex is held; from then on the analysis assumes it.
#define ASSERT_CAPABILITY(x) SPOKE_THREAD_ANNOTATION_(assert_capability(x))
// The function returns (a reference to) this mutex.
#define RETURN_CAPABILITY(x) SPOKE_THREAD_ANNOTATION_(lock_returned(x))

// Turns the analysis off for one function whose locking it cannot follow; say why beside it.
#define NO_THREAD_SAFETY_ANALYSIS SPOKE_THREAD_ANNOTATION_(no_thread_safety_analysis)
