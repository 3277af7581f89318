/* netutil.c: the fault parameters of net-link and net-debug (see
 * netutil.h). */
#include "netutil.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "5%", "0.05", "0" or "1". */
static int parse_prob(const char *s, uint64_t *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v))
		return -EINVAL;
	if (*end == '%') {
		v /= 100;
		end++;
	}
	if (*end || v < 0 || v > 1)
		return -EINVAL;
	*out = (uint64_t)(v * 4294967296.0 + 0.5);
	return 0;
}

int net_fault_params(struct devmgr_device *dev, struct net_fault_cfg *cfg,
		     struct devmgr_error *err)
{
	static const char *const names[] = { "loss", "duplicate", "reorder" };
	uint64_t *slots[] = { &cfg->loss, &cfg->duplicate, &cfg->reorder };

	memset(cfg, 0, sizeof(*cfg));
	cfg->seed = (uint64_t)devmgr_param_int(dev, "seed");
	for (int i = 0; i < 3; i++) {
		const char *s = devmgr_param_str(dev, names[i]);

		if (s == NULL)
			continue;
		if (parse_prob(s, slots[i]) < 0)
			return devmgr_error_set(
				err, -EINVAL,
				"%s \"%s\" is not a probability "
				"(a percentage \"5%%\" or a "
				"fraction \"0.05\", 0 to 1)",
				names[i], s);
	}
	cfg->delay_ns = (uint64_t)devmgr_param_int(dev, "delay_ms") * 1000000;
	cfg->any = cfg->loss || cfg->duplicate || cfg->reorder || cfg->delay_ns;
	return 0;
}
