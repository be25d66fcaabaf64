/*
 * spamfolder.c - TEMPORARY STUB of spamfolder.h so the daemon links; the
 * spam-folder work replaces this file. Saves nothing and says so.
 */
#include <stdio.h>
#include <stdlib.h>

#include "spamfolder.h"

struct spamfolder { int enabled; };

struct spamfolder *
spamfolder_new(const struct spamfolder_options *opt, char *err, size_t errlen)
{
	struct spamfolder *sf;

	(void)err; (void)errlen;
	if ((sf = calloc(1, sizeof(*sf))) != NULL)
		sf->enabled = opt != NULL && opt->folder != NULL && opt->folder[0] != '\0';
	return sf;
}
void spamfolder_free(struct spamfolder *sf) { free(sf); }
int spamfolder_enabled(const struct spamfolder *sf) { return sf != NULL && sf->enabled; }

int
spamfolder_save(struct spamfolder *sf, const struct spam_meta *meta, const char *hdr_block,
    int msg_fd, char *path_out, size_t pathlen, char *err, size_t errlen)
{
	(void)sf; (void)meta; (void)hdr_block; (void)msg_fd; (void)path_out; (void)pathlen;
	snprintf(err, errlen, "spam folder not implemented yet");
	return -1;
}
int spamfolder_log(struct spamfolder *sf, const struct spam_meta *m, const char *p) { (void)sf; (void)m; (void)p; return 0; }

int
spamfolder_purge(struct spamfolder *sf, time_t now, unsigned *removed, char *err, size_t errlen)
{
	(void)sf; (void)now; (void)err; (void)errlen;
	*removed = 0;
	return 0;
}
