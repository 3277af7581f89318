/* cmd.h: what the devmgr command's verbs share. */
#ifndef DEVMGR_CMD_H
#define DEVMGR_CMD_H

#include <devmgr/app.h>
#include <jansson.h>
#include <stdio.h>

/* Exit statuses of CONTRACT.md. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

void print_devices(struct devmgr_ctx *ctx, bool json);
/* A Graphviz digraph of the devices, their providers, their "on" edges
 * and the slots of app (the configuration's "app" section, may be NULL). */
void print_dot(struct devmgr_ctx *ctx, json_t *app);
int print_plugins(struct devmgr_ctx *ctx, bool json);
void print_provider(struct devmgr_ctx *ctx, const struct devmgr_provider *p,
		    bool json);
/* devmgr conform PROVIDER [PARAM=VALUE]... (conform.c). */
int cmd_conform(struct devmgr_ctx *ctx, int argc, char **argv, bool json);
/* Print a JSON document to stdout, one line, and a newline. */
void print_json(json_t *doc);

#endif
