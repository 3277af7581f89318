/* fattool.h: what the devmgr-fat command line (main.c) hands to the app
 * (fat.c): one parsed command, and the exit statuses both use. */
#ifndef DEVMGR_FATTOOL_H
#define DEVMGR_FATTOOL_H

#include <devmgr/app.h>
#include <stdbool.h>

/* Exit statuses (docs/fat-tool.md). */
enum {
	FAT_EXIT_OK = 0,
	FAT_EXIT_FAILED = 1, /* the command failed: filesystem or host file */
	FAT_EXIT_USAGE = 2,  /* bad command line or configuration */
	FAT_EXIT_DEVICE = 3, /* the devices could not be set up */
};

enum fat_verb {
	FAT_LS = 1,
	FAT_CAT,
	FAT_GET,
	FAT_PUT,
	FAT_MKDIR,
	FAT_RM,
	FAT_MV,
	FAT_DF,
	FAT_ATTRIB,
};

struct fat_cmd {
	enum fat_verb verb;
	bool long_list; /* ls -l */
	bool recursive; /* rm -r */
	bool parents;	/* mkdir -p */
	unsigned attr_set, attr_clear; /* attrib +X / -X */
	const char *arg[2];
	int nargs;
};

/* The command the app runs; set by main() before devmgr_run(). */
extern struct fat_cmd fat_command;
extern const struct devmgr_app fat_app;

/* Whether a verb changes the filesystem (--image opens it read-write). */
bool fat_verb_writes(enum fat_verb verb);

#endif
