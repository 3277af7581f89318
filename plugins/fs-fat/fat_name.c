/* fat_name.c: names.  Long names are UTF-16 on disk and UTF-8 in the API;
 * 8.3 names are code page 850 (what mkfs.fat and mtools use by default).
 * Names compare case-insensitively after folding to upper case, as FAT
 * does; the fold covers Latin-1, Latin Extended-A, Greek and Cyrillic.
 * Generated 8.3 aliases are plain ASCII. */
#include "fat.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static const uint16_t cp850_high[128] = {
	0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7, 0x00ea,
	0x00eb, 0x00e8, 0x00ef, 0x00ee, 0x00ec, 0x00c4, 0x00c5, 0x00c9, 0x00e6,
	0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9, 0x00ff, 0x00d6, 0x00dc,
	0x00f8, 0x00a3, 0x00d8, 0x00d7, 0x0192, 0x00e1, 0x00ed, 0x00f3, 0x00fa,
	0x00f1, 0x00d1, 0x00aa, 0x00ba, 0x00bf, 0x00ae, 0x00ac, 0x00bd, 0x00bc,
	0x00a1, 0x00ab, 0x00bb, 0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00c1,
	0x00c2, 0x00c0, 0x00a9, 0x2563, 0x2551, 0x2557, 0x255d, 0x00a2, 0x00a5,
	0x2510, 0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x00e3, 0x00c3,
	0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256c, 0x00a4, 0x00f0,
	0x00d0, 0x00ca, 0x00cb, 0x00c8, 0x0131, 0x00cd, 0x00ce, 0x00cf, 0x2518,
	0x250c, 0x2588, 0x2584, 0x00a6, 0x00cc, 0x2580, 0x00d3, 0x00df, 0x00d4,
	0x00d2, 0x00f5, 0x00d5, 0x00b5, 0x00fe, 0x00de, 0x00da, 0x00db, 0x00d9,
	0x00fd, 0x00dd, 0x00af, 0x00b4, 0x00ad, 0x00b1, 0x2017, 0x00be, 0x00b6,
	0x00a7, 0x00f7, 0x00b8, 0x00b0, 0x00a8, 0x00b7, 0x00b9, 0x00b3, 0x00b2,
	0x25a0, 0x00a0,
};

uint16_t fat_cp850(uint8_t b)
{
	return b < 0x80 ? b : cp850_high[b - 0x80];
}

uint16_t fat_fold(uint16_t c)
{
	if (c < 0x80)
		return c >= 'a' && c <= 'z' ? (uint16_t)(c - 32) : c;
	if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
		return (uint16_t)(c - 32);
	if (c == 0xFF)
		return 0x178;
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
		return c & ~1u;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return c & 1 ? c : (uint16_t)(c - 1);
	if (c >= 0x3B1 && c <= 0x3C9)
		return c == 0x3C2 ? 0x3A3 : (uint16_t)(c - 32);
	if (c >= 0x430 && c <= 0x44F)
		return (uint16_t)(c - 32);
	if (c >= 0x450 && c <= 0x45F)
		return (uint16_t)(c - 80);
	return c;
}

/* Strict UTF-8 (no overlong forms, no surrogates, at most U+10FFFF) to
 * UTF-16.  Returns the units written, -EINVAL for bad UTF-8 or
 * -ENAMETOOLONG past max units. */
int fat_utf8_to_utf16(const char *str, size_t len, uint16_t *out, size_t max)
{
	const uint8_t *s = (const uint8_t *)str;
	size_t n = 0;

	for (size_t i = 0; i < len;) {
		uint32_t c = s[i], min;
		int more;

		if (c < 0x80) {
			more = 0;
			min = 0;
		} else if ((c & 0xE0) == 0xC0) {
			more = 1;
			min = 0x80;
			c &= 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			more = 2;
			min = 0x800;
			c &= 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			more = 3;
			min = 0x10000;
			c &= 0x07;
		} else {
			return -EINVAL;
		}
		if (len - i - 1 < (size_t)more)
			return -EINVAL;
		for (int k = 1; k <= more; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return -EINVAL;
			c = c << 6 | (s[i + k] & 0x3F);
		}
		i += (size_t)more + 1;
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c < 0xE000))
			return -EINVAL;
		if (n + (c >= 0x10000 ? 2 : 1) > max)
			return -ENAMETOOLONG;
		if (c >= 0x10000) {
			c -= 0x10000;
			out[n++] = (uint16_t)(0xD800 | c >> 10);
			out[n++] = (uint16_t)(0xDC00 | (c & 0x3FF));
		} else {
			out[n++] = (uint16_t)c;
		}
	}
	return (int)n;
}

/* UTF-16 to NUL-terminated UTF-8; -EINVAL for a lone surrogate or NUL,
 * -ENAMETOOLONG when out is too small. */
int fat_utf16_to_utf8(const uint16_t *s, size_t n, char *out, size_t max)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t c = s[i];
		uint8_t b[4];
		int k;

		if (c == 0)
			return -EINVAL;
		if (c >= 0xD800 && c < 0xDC00) {
			if (i + 1 >= n || s[i + 1] < 0xDC00 ||
			    s[i + 1] >= 0xE000)
				return -EINVAL;
			c = 0x10000 + ((c - 0xD800) << 10) + (s[++i] - 0xDC00);
		} else if (c >= 0xDC00 && c < 0xE000) {
			return -EINVAL;
		}
		if (c < 0x80) {
			b[0] = (uint8_t)c;
			k = 1;
		} else if (c < 0x800) {
			b[0] = (uint8_t)(0xC0 | c >> 6);
			b[1] = (uint8_t)(0x80 | (c & 0x3F));
			k = 2;
		} else if (c < 0x10000) {
			b[0] = (uint8_t)(0xE0 | c >> 12);
			b[1] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
			b[2] = (uint8_t)(0x80 | (c & 0x3F));
			k = 3;
		} else {
			b[0] = (uint8_t)(0xF0 | c >> 18);
			b[1] = (uint8_t)(0x80 | (c >> 12 & 0x3F));
			b[2] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
			b[3] = (uint8_t)(0x80 | (c & 0x3F));
			k = 4;
		}
		if (o + (size_t)k + 1 > max)
			return -ENAMETOOLONG;
		memcpy(out + o, b, (size_t)k);
		o += (size_t)k;
	}
	if (o + 1 > max)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return (int)o;
}

uint8_t fat_lfn_sum(const uint8_t name[11])
{
	uint8_t sum = 0;

	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name[i]);
	return sum;
}

uint32_t fat_hash(const uint16_t *c, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 16777619u;
	}
	return h;
}

/* "BASE.EXT" from an 8.3 entry, with the lower-case flags of byte 12
 * applied when asked.  out holds 12 units; returns the length. */
int fat_short_render(const uint8_t *e, uint16_t *out, bool apply_case)
{
	int bl = 8, el = 3, n = 0;
	bool lower_base = apply_case && (e[12] & 0x08);
	bool lower_ext = apply_case && (e[12] & 0x10);

	while (bl > 0 && e[bl - 1] == ' ')
		bl--;
	while (el > 0 && e[8 + el - 1] == ' ')
		el--;
	for (int i = 0; i < bl; i++) {
		uint8_t b = i == 0 && e[0] == 0x05 ? 0xE5 : e[i];

		if (lower_base && b >= 'A' && b <= 'Z')
			b = (uint8_t)(b + 32);
		out[n++] = fat_cp850(b);
	}
	if (el > 0) {
		out[n++] = '.';
		for (int i = 0; i < el; i++) {
			uint8_t b = e[8 + i];

			if (lower_ext && b >= 'A' && b <= 'Z')
				b = (uint8_t)(b + 32);
			out[n++] = fat_cp850(b);
		}
	}
	return n;
}

/* A name that may be created: UTF-8, at most 255 UTF-16 units, none of
 * the characters FAT forbids, not "." or "..", no trailing dot or space
 * (Windows would strip them, so such a name could not be found again). */
int fat_name_check(const char *s, size_t len, uint16_t *u, size_t *ulen)
{
	int n;

	if (len == 0)
		return -EINVAL;
	if (len > DEVMGR_FS_NAME_MAX)
		return -ENAMETOOLONG;
	n = fat_utf8_to_utf16(s, len, u, FAT_LFN_MAX);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (u[i] < 0x20 ||
		    (u[i] < 0x80 && strchr("\"*/:<>?\\|", (char)u[i])))
			return -EINVAL;
	if (u[n - 1] == '.' || u[n - 1] == ' ')
		return -EINVAL;
	*ulen = (size_t)n;
	return 0;
}

static bool short_char(uint16_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') ||
	       (c < 0x80 && c > ' ' && strchr("$%'-_@~`!(){}^#&", (char)c));
}

/* One case for a part: 1 all lower, 2 all upper (or no letters), 0 mixed. */
static int part_case(const uint16_t *u, size_t n)
{
	bool lo = false, up = false;

	for (size_t i = 0; i < n; i++) {
		lo |= u[i] >= 'a' && u[i] <= 'z';
		up |= u[i] >= 'A' && u[i] <= 'Z';
	}
	return lo && up ? 0 : lo ? 1 : 2;
}

/* Is the name a plain 8.3 name that needs no long name?  Fills sn (upper
 * case, space padded) and the lower-case flags for byte 12. */
bool fat_fits_83(const uint16_t *u, size_t n, uint8_t sn[11], uint8_t *ntcase)
{
	size_t dot = n, bl, el;
	int cb, ce;

	for (size_t i = 0; i < n; i++) {
		if (u[i] == '.') {
			if (dot != n || i == 0)
				return false;
			dot = i;
		} else if (!short_char(u[i])) {
			return false;
		}
	}
	bl = dot;
	el = dot == n ? 0 : n - dot - 1;
	if (bl < 1 || bl > 8 || el > 3 || (dot != n && el == 0))
		return false;
	cb = part_case(u, bl);
	ce = part_case(u + dot + 1 - (dot == n), el);
	if (cb == 0 || ce == 0)
		return false;
	memset(sn, ' ', 11);
	for (size_t i = 0; i < bl; i++)
		sn[i] = (uint8_t)fat_fold(u[i]);
	for (size_t i = 0; i < el; i++)
		sn[8 + i] = (uint8_t)fat_fold(u[dot + 1 + i]);
	if (sn[0] == 0xE5)
		sn[0] = 0x05;
	*ntcase = (uint8_t)((cb == 1 ? 0x08 : 0) | (ce == 1 ? 0x10 : 0));
	return true;
}

static uint8_t alias_char(uint16_t c, bool *lossy)
{
	c = fat_fold(c);
	if (c < 0x80 && short_char(c))
		return (uint8_t)c;
	*lossy = true;
	return '_';
}

/* The basis of an alias: upper case, spaces and leading dots dropped,
 * other characters an 8.3 name cannot hold turned into '_'. */
void fat_alias_base(const uint16_t *u, size_t n, uint8_t sn[11], bool *lossy,
		    int *baselen)
{
	size_t start = 0, dot = n;
	int bl = 0, el = 0;

	*lossy = false;
	memset(sn, ' ', 11);
	while (start < n && u[start] == '.') {
		start++;
		*lossy = true;
	}
	for (size_t i = start; i < n; i++)
		if (u[i] == '.')
			dot = i;
	for (size_t i = start; i < dot; i++) {
		if (u[i] == ' ' || u[i] == '.') {
			*lossy = true;
			continue;
		}
		if (bl == 8) {
			*lossy = true;
			break;
		}
		sn[bl++] = alias_char(u[i], lossy);
	}
	for (size_t i = dot + 1; i < n; i++) {
		if (u[i] == ' ')
			continue;
		if (el == 3) {
			*lossy = true;
			break;
		}
		sn[8 + el++] = alias_char(u[i], lossy);
	}
	if (bl == 0) {
		sn[bl++] = '_';
		*lossy = true;
	}
	*baselen = bl;
}

/* Put "<mid>~N" at the end of the base, keeping as much of it as fits. */
void fat_alias_tail(uint8_t sn[11], int baselen, const char *mid, unsigned n)
{
	char tail[16];
	int tl = 0, ml = (int)strlen(mid), keep;

	tail[tl++] = '~';
	{
		char d[12];
		int k = 0;

		do {
			d[k++] = (char)('0' + n % 10);
			n /= 10;
		} while (n && k < 11);
		while (k)
			tail[tl++] = d[--k];
	}
	keep = 8 - tl - ml;
	if (keep > baselen)
		keep = baselen;
	if (keep < 0)
		keep = 0;
	memcpy(sn + keep, mid, (size_t)ml);
	memcpy(sn + keep + ml, tail, (size_t)tl);
	memset(sn + keep + ml + tl, ' ', (size_t)(8 - keep - ml - tl));
}

/* ---- times ------------------------------------------------------------ */

static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

/* FAT stores local time without a zone; devmgr reads and writes it as UTC.
 * An unset or impossible date gives 0. */
int64_t fat_time_to_unix(uint16_t date, uint16_t time)
{
	unsigned d = date & 31, m = date >> 5 & 15;
	int y = 1980 + (date >> 9);
	unsigned hh = time >> 11, mm = time >> 5 & 63, ss = (time & 31) * 2u;

	if (d == 0 || m == 0 || m > 12 || hh > 23 || mm > 59 || ss > 59)
		return 0;
	return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

void fat_unix_to_time(int64_t t, uint16_t *date, uint16_t *time)
{
	struct tm tm;
	time_t tt;

	if (t < 315532800) /* 1980-01-01, the first FAT date */
		t = 315532800;
	if (t > 4354819198LL) /* 2107-12-31 23:59:58, the last */
		t = 4354819198LL;
	tt = (time_t)t;
	gmtime_r(&tt, &tm);
	*date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 |
			   tm.tm_mday);
	*time = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
}
