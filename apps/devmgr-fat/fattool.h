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
	FAT_MKFS,
};

struct fat_cmd {
	enum fat_verb verb;
	bool long_list;		       /* ls -l */
	bool recursive;		       /* rm -r, ls -R, get -r, put -r */
	bool parents;		       /* mkdir -p */
	unsigned attr_set, attr_clear; /* attrib +X / -X */
	const char *arg[2];
	int nargs;
	struct {
		int type;		  /* -F; 0: by size */
		unsigned sector_size;	  /* -S; 0: by the device */
		unsigned cluster_sectors; /* -s; 0: by size */
		const char *label;	  /* -n */
		unsigned volume_id;	  /* -i */
		bool have_id;
		unsigned long long size; /* SIZE of --image */
		bool have_size;
	} mkfs;
};

/* The command the app runs; set by main() before devmgr_run(). */
extern struct fat_cmd fat_command;
extern const struct devmgr_app fat_app;

/* Whether a verb changes the filesystem (--image opens it read-write). */
bool fat_verb_writes(enum fat_verb verb);

/* mkfs.c: "mkfs [-F T] [-S B] [-s N] [-n LABEL] [-i ID] [SIZE]" into c,
 * and the configuration that makes the filesystem (fs-fat's mkfs
 * parameters on --image FILE or on the fs-fat device of -c CONFIG). */
int fat_mkfs_args(int argc, char **argv, struct fat_cmd *c);
int fat_mkfs_load(struct devmgr_ctx *ctx, const char *image,
		  const char *config);

#endif
