/* fault.h: what the files of test-conform-fault share. */
#ifndef CONFORM_FAULT_H
#define CONFORM_FAULT_H

#include <devmgr/plugin.h>

/* The index of name in the NULL-terminated names, or -1. */
int fault_find(const char *const *names, const char *name);

extern const struct devmgr_provider fault_fs_provider;
extern const struct devmgr_provider fault_net_provider;
extern const struct devmgr_provider fault_stack_provider;

#endif
