/* xs_need.c: one strong reference to libxenstore, so that libdevmgr
 * always records it as needed (xs_source.c refers to it weakly, so that
 * programs that compile every file of core/src without libxenstore
 * still link).
 * It lives outside core/src for that reason. */
#include <xenstore.h>

__attribute__((visibility("hidden"), used)) struct xs_handle
    *(*const devmgr__xs_need)(unsigned long) = xs_open;
